package io.github.kresconnect.filesink.publish;

import java.io.Console;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;

import io.github.kresconnect.filesink.Version;
import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.TopicLayout;
import io.github.kresconnect.filesink.publish.FileSender.Destination;
import io.github.kresconnect.filesink.publish.PublishOptions.UsageException;
import io.github.kresconnect.filesink.publish.PublishPlan.PlannedFile;
import io.github.kresconnect.filesink.store.FileKind;

/** {@code resolver-publish}: sends files to resolver hosts the way the resolver file sink reads them. */
public final class PublishCommand {
    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;

    public PublishCommand(PrintStream out, PrintStream err, boolean terminal) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    public static void main(String[] args) {
        boolean verbose = Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v");
        // Before any Kafka class logs: the client's own chatter only with --verbose, errors otherwise.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "error");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        int code = new PublishCommand(System.out, System.err, isTerminal()).run(args);
        System.exit(code);
    }

    /** A terminal is attached. From Java 22 on, System.console() exists even when redirected; isTerminal() tells. */
    static boolean isTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /** Runs the command; returns the exit code. */
    public int run(String... args) {
        if (args.length > 0 && KeygenCommand.NAME.equals(args[0])) {
            return new KeygenCommand(out, err).run(List.of(args).subList(1, args.length));
        }
        if (args.length > 0 && StatementCommand.NAME.equals(args[0])) {
            return new StatementCommand(out, err).run(List.of(args).subList(1, args.length));
        }
        if (args.length > 0 && CosignCommand.NAME.equals(args[0])) {
            return new CosignCommand(out, err).run(List.of(args).subList(1, args.length));
        }
        if (args.length > 0 && StatusCommand.NAME.equals(args[0])) {
            return new StatusCommand(out, err).run(List.of(args).subList(1, args.length));
        }
        PublishOptions options;
        ReceiptOptions receipts;
        try {
            receipts = ReceiptOptions.extract(List.of(args));
            options = PublishOptions.parse(receipts.rest());
            if (receipts.waitEnabled() && options.recipientMode() == RecipientMode.ZONE_ID
                    && receipts.waitHosts().isEmpty()) {
                throw new UsageException("--wait with --zone needs --wait-hosts N: how many hosts must answer");
            }
        } catch (UsageException e) {
            err.println("resolver-publish: " + e.getMessage());
            err.println("Run 'resolver-publish --help' for usage.");
            return ExitCode.USAGE.code();
        }
        if (options.help()) {
            out.print(usage());
            return ExitCode.OK.code();
        }
        if (options.version()) {
            out.println("resolver-publish " + Version.get());
            return ExitCode.OK.code();
        }
        try {
            return publish(options, receipts).code();
        } catch (PublishException e) {
            err.println("resolver-publish: " + e.getMessage());
            if (e.exitCode() == ExitCode.INVALID_FILE) {
                err.println("resolver-publish: nothing was sent: the connector would refuse this input");
            }
            return e.exitCode().code();
        } catch (RuntimeException e) {
            err.println("resolver-publish: unexpected error: " + TopicCheck.causes(e));
            e.printStackTrace(err);
            return ExitCode.INTERNAL_ERROR.code();
        }
    }

    private ExitCode publish(PublishOptions options, ReceiptOptions receipts) throws PublishException {
        PublishPlan plan = PublishPlan.build(options);
        ProducerSettings settings = ProducerSettings.from(options);
        // One version for every file and recipient of the run: the clock, or above the newest a host holds.
        TransferSigner signer = null;
        CosignRequest request = null;
        if (options.request().isPresent()) {
            request = CosignRequest.read(options.request().get());
            request.checkSends(options, plan);
        }
        if (options.signingKey().isPresent()) {
            java.util.OptionalLong newest = options.dryRun() || options.fileVersion().isPresent() || request != null
                    ? java.util.OptionalLong.empty()
                    : VersionChoice.newestOnTopic(settings, receipts.receiptsTopic(), receipts.channel(),
                            plan.files().stream().map(file -> file.name()).collect(java.util.stream.Collectors.toSet()),
                            options.timeout(), err);
            signer = TransferSigner.load(options.signingKey().get(), request != null ? request.version()
                    : options.fileVersion().isPresent() ? options.fileVersion().getAsLong()
                            : VersionChoice.choose(System.currentTimeMillis(), newest),
                    options.fleet()).withCosigners(options.cosigningKeys());
            if (request != null) {
                signer = signer.withDetached(request, options.cosignatureFiles());
            }
        }
        if (options.writeRequest().isPresent()) {
            CosignRequest.of(options, plan, signer.version()).write(options.writeRequest().get(), out);
            return ExitCode.OK;
        }
        options.signingKey().flatMap(TransferSigner::permissionWarning).ifPresent(err::println);
        options.cosigningKeys().forEach(key -> TransferSigner.permissionWarning(key).ifPresent(err::println));
        if (signer != null && !options.dryRun() && !options.quiet()) {
            out.println("Signed with key id " + signer.keyId() + ", file version " + signer.version()
                    + (signer.fleet().isEmpty() ? "" : ", fleet " + signer.fleet()) + ".");
            if (!signer.cosignerIds().isEmpty()) {
                out.println("Co-signed with key ids " + String.join(", ", signer.cosignerIds()) + ".");
            }
        }
        if (options.dryRun()) {
            if (signer != null) {
                out.println("Signed with key id " + signer.keyId() + ", file version " + signer.version() + ".");
                if (!signer.cosignerIds().isEmpty()) {
                    out.println("Co-signed with key ids " + String.join(", ", signer.cosignerIds()) + ".");
                }
            }
            dryRun(options, plan, settings);
            return ExitCode.OK;
        }
        List<Destination> destinations = destinations(options, partitionCounts(options, settings));
        Progress progress = new Progress(err, terminal, options.quiet(), plan, destinations.size());
        ReceiptsStep wait = receipts.waitEnabled() ? ReceiptsStep.open(receipts, settings, options) : null;
        KafkaProducer<byte[], byte[]> created;
        try {
            created = createProducer(settings);
        } catch (PublishException | RuntimeException e) {
            if (wait != null) {
                wait.close();
            }
            throw e;
        }
        try (KafkaProducer<byte[], byte[]> producer = created) {
            try {
                FileSender sender = new FileSender(producer, options.recipientMode(), destinations, progress, signer);
                if (request != null) {
                    sender.withRequest(request);
                }
                sender.onTransfer(wait == null ? transfer -> { } : wait::sent)
                        .send(plan);
            } catch (PublishException e) {
                progress.interrupted();
                // Records still queued are not worth waiting for: the run failed and says so.
                producer.close(Duration.ZERO);
                if (wait != null) {
                    wait.close();
                }
                throw e;
            }
        }
        progress.finished(plan.files().size());
        if (wait == null) {
            return ExitCode.OK;
        }
        try (wait) {
            return wait.await(options, out, err, terminal);
        }
    }

    private static KafkaProducer<byte[], byte[]> createProducer(ProducerSettings settings) throws PublishException {
        try {
            return new KafkaProducer<>(settings.producer());
        } catch (KafkaException e) {
            throw TopicCheck.clientCreationFailed(e, settings);
        }
    }

    /** The partition count of every topic the run sends to, each checked to exist before anything is sent. */
    private java.util.Map<String, Integer> partitionCounts(PublishOptions options, ProducerSettings settings)
            throws PublishException {
        java.util.Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        for (String recipient : options.recipients()) {
            String topic = options.topicOf(recipient);
            if (!counts.containsKey(topic)) {
                counts.put(topic, TopicCheck.partitionCount(settings, topic, options.timeout(), err));
            }
        }
        return counts;
    }

    private static List<Destination> destinations(PublishOptions options, java.util.Map<String, Integer> counts)
            throws PublishException {
        OptionalInt fixed = options.partition();
        List<Destination> destinations = new ArrayList<>();
        for (String recipient : options.recipients()) {
            String topic = options.topicOf(recipient);
            int partitionCount = counts.get(topic);
            if (fixed.isPresent() && fixed.getAsInt() >= partitionCount) {
                throw new PublishException(ExitCode.USAGE, "--partition " + fixed.getAsInt() + " does not exist: "
                        + "topic '" + topic + "' has " + partitionCount + " partition"
                        + (partitionCount == 1 ? "" : "s"));
            }
            destinations.add(new Destination(topic, recipient, fixed.isPresent() ? fixed.getAsInt()
                    : RecipientPartitioner.partition(recipient, partitionCount)));
        }
        return destinations;
    }

    /**
     * Prints the plan and sends nothing. The partition count comes from --partitions (no broker contacted) or
     * from the topic's metadata; when the broker cannot tell, the plan still prints, with each partition as
     * "hash modulo the partition count", and the exit code is the one a real run would get (5, 6 or 8).
     */
    private void dryRun(PublishOptions options, PublishPlan plan, ProducerSettings settings) throws PublishException {
        java.util.Map<String, OptionalInt> counts = new java.util.LinkedHashMap<>();
        PublishException brokerProblem = null;
        for (String recipient : options.recipients()) {
            String topic = options.topicOf(recipient);
            if (counts.containsKey(topic)) {
                continue;
            }
            OptionalInt count = options.partitions();
            if (count.isEmpty() && brokerProblem == null) {
                try {
                    count = OptionalInt.of(TopicCheck.partitionCount(settings, topic, options.timeout(), err));
                } catch (PublishException e) {
                    brokerProblem = e;
                }
            }
            counts.put(topic, count);
        }
        out.println("Dry run: nothing is sent.");
        for (java.util.Map.Entry<String, OptionalInt> topic : counts.entrySet()) {
            OptionalInt partitionCount = topic.getValue();
            out.println("Topic: " + topic.getKey() + " on " + settings.bootstrapServers()
                    + (partitionCount.isPresent() ? " (" + partitionCount.getAsInt() + " partition"
                            + (partitionCount.getAsInt() == 1 ? "" : "s") + ")" : " (partition count unknown)"));
        }
        boolean zones = options.recipientMode() == RecipientMode.ZONE_ID;
        out.println(zones ? "Recipients (record key = zone id, connector recipient.mode=zone-id):"
                : "Recipients ('hostname' header, connector recipient.mode=hostname):");
        for (String recipient : options.recipients()) {
            OptionalInt partitionCount = counts.get(options.topicOf(recipient));
            String partition;
            if (options.partition().isPresent()) {
                partition = "partition " + options.partition().getAsInt() + " (--partition)";
            } else if (partitionCount.isPresent()) {
                partition = "partition " + RecipientPartitioner.partition(recipient, partitionCount.getAsInt());
            } else {
                partition = "partition = hash " + RecipientPartitioner.hash(recipient)
                        + " modulo the topic's partition count";
            }
            out.println("  " + recipient + " -> " + (options.layout() == TopicLayout.PER_GROUP
                    ? options.topicOf(recipient) + " " : "") + partition);
        }
        out.println("Files, in sending order (chunk size " + plan.chunkSize() + " bytes):");
        int position = 0;
        for (PlannedFile file : plan.files()) {
            out.println(String.format(Locale.ROOT, "  %d. %s <- %s: %d bytes (%s), %s, %s", ++position, file.name(),
                    file.path(), file.size(), Progress.bytes(file.size()),
                    file.isChunked() ? file.chunks() + " chunks" : "whole (one record, no chunk headers)",
                    file.kind() == FileKind.CONFIG
                            ? "config (valid for the connector), sent once every earlier record is acknowledged "
                                    + "(triggers a reload)"
                            : "data (triggers a renew)"));
        }
        out.println("Records: " + (long) plan.totalChunks() * options.recipients().size() + " ("
                + plan.totalChunks() + " per recipient), " + Progress.bytes(plan.totalBytes()
                        * options.recipients().size()) + " in all");
        if (brokerProblem != null) {
            out.println("Broker check failed: " + brokerProblem.getMessage());
            throw brokerProblem;
        }
    }

    static String usage() {
        StringBuilder codes = new StringBuilder();
        for (ExitCode code : ExitCode.values()) {
            codes.append(String.format(Locale.ROOT, "  %d  %s%n", code.code(), code.meaning()));
        }
        return """
                Usage: resolver-publish --bootstrap-server HOST:PORT [--topic TOPIC] [--layout LAYOUT]
                                        (--to HOST [--to HOST ...]
                                         | --to-group ZONE_ID [--to-group ZONE_ID ...] [--to-all])
                                        [options] FILE|NAME=PATH ...

                Sends files to Knot Resolver hosts through Kafka, as the resolver file sink connector reads them.
                Data files are sent first, in the order given; configuration files (.json, .yaml, .yml) last, each
                only once every earlier record was acknowledged. All records for one recipient go to one partition
                (murmur2 of the recipient modulo the topic's partition count, as Kafka's default partitioner), so
                the connector sees them in order. Every record carries the headers transfer-id (random, one per
                file sent), file-length and file-sha256 (of the whole file, read once before sending it).

                Recipients:
                  --to HOST               resolver host name, compared with the connector's resolver.hostname
                                          (records carry it in the 'hostname' header; key = file name)
                  --to-group ZONE_ID      zone id for recipient.mode=zone-id or hostname-or-zone-id (key = zone
                                          id, file name in the 'file-name' header); --zone is the same
                  --to-all                every host: key '*', which every connector in a zone-id mode accepts
                  --to and --to-group/--to-all are sent in separate runs

                Files:
                  FILE                    sent under its base name
                  NAME=PATH               sent under NAME, a path relative to the resolver's files directory
                                          (e.g. rpz/block.rpz=./block.rpz); the first '=' separates them
                  --chunk-size SIZE       largest record value, default 512k; files above it are sent in chunks
                                          (a file that fits is sent whole, without chunk headers)
                  Every file is checked before any broker is asked; a file the connector would refuse stops
                  the run with nothing sent (exit 9): a name it refuses (absolute, '.' or '..', hidden, ending
                  .tmp, .backup or .chunks, too long), a file above its limits, or a configuration file that
                  fails its validation (strict UTF-8; JSON, else YAML; no duplicate keys; a mapping at the top).
                  These must match the connector's settings:
                  --config-suffixes LIST  its config.file.suffixes, default .json,.yaml,.yml (any case)
                  --max-file-bytes SIZE   its file.max.bytes, default 1g (any file but a configuration file)
                  --max-config-bytes SIZE its config.file.max.bytes, default 16m (configuration files)
                  --max-chunks N          its chunks.max.count, default 8192

                Kafka:
                  --bootstrap-server LIST broker(s), HOST:PORT[,HOST:PORT...]
                  --topic TOPIC           default knot-resolver; must exist (never created)
                  --layout LAYOUT         single (default): every record to TOPIC; per-group: --to-all to
                                          TOPIC.all, --to-group Z to TOPIC.group.Z, --to H to TOPIC.host.H
                                          (the connectors' topic.layout; each topic must exist)
                  --producer-config FILE  Kafka client properties: SSL (JKS, PKCS12 or PEM), SASL, and other
                                          producer settings. SASL is all or nothing: security.protocol
                                          (SASL_SSL or SASL_PLAINTEXT), sasl.mechanism and sasl.jaas.config
                  --partition N           send every record to partition N instead
                  --timeout SECONDS       longest wait for the broker at each step, default 30: an
                                          unreachable broker ends the run after it (exit 5), with a
                                          "still waiting for broker" line on stderr after 3 s
                                          and every 5 s

                Signatures:
                  --sign KEYFILE          sign every transfer with this Ed25519 private key (PEM, PKCS#8): headers
                                          signature-key-id, file-version, signature, signature-proof and
                                          signature-form, one signature for up to 1024 transfers (files times
                                          recipients); see 'resolver-publish keygen'. The version is this run's
                                          time in ms, or one above the newest version a host's receipt reports
                                          of these files (--receipts-topic), whichever is higher
                  --cosign KEYFILE        with --sign, repeatable: also sign every transfer with this key (header
                                          cosignature, one per key), over the same bytes, for hosts that need
                                          configuration files signed by several keys
                                          (signatures.config.threshold)
                  --write-request FILE    with --sign: write what this run would sign (version, transfer ids,
                                          digests) to FILE for co-signers elsewhere, and send nothing
                  --request FILE          with --sign: send exactly what FILE fixed (the same command line
                                          otherwise), with the co-signatures of:
                  --cosignature FILE      with --request, repeatable: a key's co-signatures made by
                                          'resolver-publish cosign --key KEYFILE --out FILE REQUEST'
                  --fleet ID              with --sign: the fleet the files are signed for, as the hosts'
                                          signatures.fleet (header fleet; signed)
                  --file-version N        with --sign: this version instead (after a revocation list lowered
                                          a file's floor with reset-floor)
                  resolver-publish keygen --out PREFIX
                                          write a new key pair to PREFIX.key (private, mode 0600) and PREFIX.pub,
                                          and print the public key and its id for signatures.trusted.keys
                  resolver-publish cosign --key KEYFILE --out FILE REQUEST
                                          co-sign, where KEYFILE is kept, what a --write-request REQUEST says a
                                          run will send; writes FILE for that run's --cosignature

                Receipts (the connectors' receipts.topic):
                  --wait [SECONDS]        after sending, wait (default 120 s) for every addressed host's receipt
                                          of each file sent (matched by transfer id), and of the reload that a
                                          configuration file causes; print one line per host: published,
                                          unchanged, rejected with the reason, or no answer (exit 10 or 11)
                  --wait-hosts N          with --zone: how many hosts must answer
                  --receipts-topic TOPIC  default knot-resolver-receipts
                  --receipts-topic-mode per-host|shared
                                          per-host (default): read each host's own topic (TOPIC.host.HOST)
                                          and trust a receipt only from its own host's topic; shared: TOPIC,
                                          for hosts with receipts.topic.mode=shared
                  resolver-publish status --bootstrap-server HOST:PORT [--host HOST] [--file NAME] [--json]
                                          per host each file's digest and version, when it changed, the last
                                          reload, its freshness, and which hosts lag behind the newest version
                  resolver-publish statement --bootstrap-server HOST:PORT --topic TOPIC --sign KEYFILE
                                          sign a freshness statement of the newest version of every file for
                                          every recipient (run it from a timer); see 'statement --help'

                Other:
                  -n, --dry-run           print the plan (files, sizes, chunks, recipients, partitions, order)
                                          and send nothing; exits as a real run's checks would
                  --partitions N          with --dry-run: the topic's partition count; the broker is not asked
                  -q, --quiet             no progress output
                  -v, --verbose           show the Kafka client's log
                  -h, --help              this help;  --version  the version

                Sizes are bytes or take a unit: 512k, 1m, 1g (powers of 1024).

                Examples:
                  resolver-publish --bootstrap-server kafka1:9092 --to resolver1.example.net \\
                      rpz/block.rpz=./block.rpz ./config.yaml
                  resolver-publish --bootstrap-server kafka1:9093 --producer-config client-ssl.properties \\
                      --to resolver1 --to resolver2 block.rpz config.json
                  resolver-publish --bootstrap-server kafka1:9092 --zone dc-east --dry-run --partitions 6 *.rpz

                Exit codes:
                """ + codes;
    }
}
