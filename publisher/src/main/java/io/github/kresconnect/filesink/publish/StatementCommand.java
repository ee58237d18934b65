package io.github.kresconnect.filesink.publish;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.github.kresconnect.filesink.protocol.Chunking;
import io.github.kresconnect.filesink.protocol.ConnectorDefaults;
import io.github.kresconnect.filesink.protocol.FreshnessStatement;
import io.github.kresconnect.filesink.protocol.KeyFormatException;
import io.github.kresconnect.filesink.protocol.KeyRole;
import io.github.kresconnect.filesink.protocol.KeyScope;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TrustedKey;

/**
 * {@code resolver-publish statement}: reads the topic from its beginning to its end ({@link NewestVersions}),
 * signs a freshness statement of the newest version of every file for every recipient, valid for
 * {@code --expires-in}, and writes one copy to every partition of the topic (one signature; each host finds it in
 * its own partition, after its files). Meant to run from a timer, well within the expiry.
 */
final class StatementCommand {
    static final String NAME = "statement";
    static final Duration DEFAULT_EXPIRES_IN = Duration.ofHours(24);

    private final PrintStream out;
    private final PrintStream err;

    StatementCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    private static final class Request {
        String bootstrap;
        Path producerConfig;
        String topic;
        Path signKey;
        Path trustedKeys;
        String fleet = "";
        Set<String> configSuffixes = PublishOptions.suffixes(ConnectorDefaults.CONFIG_SUFFIXES_DEFAULT);
        int configThreshold = 1;
        Duration expiresIn = DEFAULT_EXPIRES_IN;
        boolean dryRun;
        Duration timeout = PublishOptions.DEFAULT_TIMEOUT;
    }

    int run(List<String> args) {
        Request request = new Request();
        try {
            new CommandLines("resolver-publish statement")
                    .flag((name, value) -> request.dryRun = true, "-n", "--dry-run")
                    .flag((name, value) -> {
                        throw new CommandLines.Stop();
                    }, "-h", "--help")
                    .valued((name, value) -> request.bootstrap = value.trim(),
                            "--bootstrap-server", "--bootstrap-servers", "-b")
                    .valued((name, value) -> request.producerConfig = Path.of(value.trim()), "--producer-config")
                    .valued((name, value) -> request.topic = value.trim(), "--topic", "-t")
                    .valued((name, value) -> request.signKey = Path.of(value.trim()), "--sign")
                    .valued((name, value) -> request.trustedKeys = Path.of(value.trim()), "--trusted-keys")
                    .valued((name, value) -> request.fleet = PublishOptions.fleetId(name, value), "--fleet")
                    .valued((name, value) -> request.configSuffixes = PublishOptions.suffixList(name, value),
                            "--config-suffixes")
                    .valued((name, value) -> request.configThreshold = threshold(name, value), "--config-threshold")
                    .valued((name, value) -> request.expiresIn = Duration.ofSeconds(seconds(name, value)),
                            "--expires-in")
                    .valued((name, value) -> request.timeout = Duration.ofSeconds(seconds(name, value)), "--timeout")
                    .unmatched(unmatched -> CommandLines.unknownOption(unmatched.get(0)))
                    .noEndOfOptions()
                    .parse(args);
            if (request.topic == null || request.signKey == null) {
                throw new PublishOptions.UsageException("--topic and --sign are required");
            }
        } catch (CommandLines.Stop help) {
            out.print(usage());
            return ExitCode.OK.code();
        } catch (PublishOptions.UsageException e) {
            err.println("resolver-publish statement: " + e.getMessage());
            err.println("Run 'resolver-publish statement --help' for usage.");
            return ExitCode.USAGE.code();
        }
        try {
            PrivateKey key = TransferSigner.load(request.signKey, 0).key();
            List<TrustedKey> trusted = trusted(request, key);
            Properties user = request.producerConfig == null ? new Properties()
                    : ProducerSettings.load(request.producerConfig);
            ProducerSettings settings = ProducerSettings.of(user, Optional.ofNullable(request.bootstrap),
                    request.timeout, Chunking.DEFAULT_CHUNK_SIZE);
            NewestVersions newest = new NewestVersions(trusted, request.fleet, request.configSuffixes,
                    request.configThreshold);
            newest.read(ReceiptsStep.clientSettings(settings), request.topic, request.timeout);
            FreshnessStatement statement = newest.statement(System.currentTimeMillis(), request.expiresIn);
            String keyId = Signatures.keyId(Signatures.publicKeyOf(key));
            String signature = Signatures.sign(key, statement.canonicalForm());
            long recipients = statement.entries().stream().map(e -> e.kind().text() + " " + e.recipient()).distinct()
                    .count();
            String summary = "statement " + statement.sequence()
                    + (statement.fleet().isEmpty() ? "" : " for fleet " + statement.fleet()) + ": "
                    + statement.entries().size() + " file(s) of "
                    + recipients + " recipient(s), expires " + Instant.ofEpochMilli(statement.expiresAt())
                    + ", signed by key id " + keyId + " (" + newest.records() + " records read"
                    + (newest.unverified() > 0 ? ", " + newest.unverified() + " signed by a trusted key id but not "
                            + "verifying, ignored" : "")
                    + (newest.otherForm() > 0 ? ", " + newest.otherForm() + " of another fleet or signed form, "
                            + "ignored" : "")
                    + (newest.outOfScope() > 0 ? ", " + newest.outOfScope() + " outside their key's scope, ignored"
                            : "")
                    + (newest.belowThreshold() > 0 ? ", " + newest.belowThreshold() + " configuration file(s) signed "
                            + "by fewer than " + request.configThreshold + " keys, ignored" : "") + ")";
            if (request.dryRun) {
                out.println("Would send " + summary);
                statement.entries().forEach(e -> out.println("  " + e.kind().text() + " " + e.recipient() + "  "
                        + e.file() + "  version " + e.version()));
                return ExitCode.OK.code();
            }
            int partitions = send(settings, request.topic, statement, keyId, signature);
            out.println("Sent " + summary + " to " + partitions + " partition(s) of '" + request.topic + "'");
            return ExitCode.OK.code();
        } catch (PublishException e) {
            err.println("resolver-publish statement: " + e.getMessage());
            return e.exitCode().code();
        } catch (KeyFormatException e) {
            err.println("resolver-publish statement: " + e.getMessage());
            return ExitCode.USAGE.code();
        } catch (IllegalStateException e) {
            err.println("resolver-publish statement: " + e.getMessage());
            return ExitCode.TOPIC_MISSING.code();
        } catch (KafkaException e) {
            err.println("resolver-publish statement: cannot use '" + request.topic + "': " + TopicCheck.causes(e));
            return ExitCode.BROKER_UNREACHABLE.code();
        }
    }

    /**
     * The keys whose records count, with their scopes: --trusted-keys (the hosts' signatures.trusted.keys), else the
     * signing key's own public key, unrestricted.
     */
    private static List<TrustedKey> trusted(Request request, PrivateKey key)
            throws PublishException, KeyFormatException {
        if (request.trustedKeys == null) {
            return List.of(new TrustedKey(Signatures.keyId(Signatures.publicKeyOf(key)), Signatures.publicKeyOf(key),
                    new KeyScope(EnumSet.allOf(KeyRole.class), List.of(), List.of(), null)));
        }
        try {
            return new ArrayList<>(TrustedKey.parseAll(Files.readString(request.trustedKeys,
                    StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            throw new PublishException(ExitCode.USAGE, "--trusted-keys: cannot read '" + request.trustedKeys
                    + "': " + e, e);
        }
    }

    private static int send(ProducerSettings settings, String topic, FreshnessStatement statement, String keyId,
            String signature) throws PublishException {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings.producer(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            List<PartitionInfo> partitions = producer.partitionsFor(topic);
            List<Future<?>> sent = new ArrayList<>();
            byte[] value = statement.canonicalForm();
            for (PartitionInfo partition : partitions) {
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition.partition(),
                        FreshnessStatement.RECORD_KEY.getBytes(StandardCharsets.UTF_8), value);
                record.headers().add(new RecordHeader(FreshnessStatement.HEADER,
                        FreshnessStatement.HEADER_VALUE.getBytes(StandardCharsets.UTF_8)));
                record.headers().add(new RecordHeader(ProtocolHeaders.SIGNATURE_KEY_ID,
                        keyId.getBytes(StandardCharsets.UTF_8)));
                record.headers().add(new RecordHeader(ProtocolHeaders.SIGNATURE,
                        signature.getBytes(StandardCharsets.UTF_8)));
                sent.add(producer.send(record));
            }
            for (Future<?> future : sent) {
                future.get();
            }
            return partitions.size();
        } catch (ExecutionException e) {
            throw new PublishException(ExitCode.DELIVERY_FAILED, "the statement was not acknowledged: "
                    + TopicCheck.causes(e.getCause() instanceof Exception c ? c : e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException(ExitCode.DELIVERY_FAILED, "interrupted while sending the statement", e);
        }
    }

    private static long seconds(String option, String value) throws PublishOptions.UsageException {
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed >= 1) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new PublishOptions.UsageException("option '" + option + "': '" + value + "' is not a positive number "
                + "of seconds");
    }

    /** The hosts' signatures.config.threshold: 1 to 64. */
    private static int threshold(String option, String value) throws PublishOptions.UsageException {
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= 1 && parsed <= 64) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new PublishOptions.UsageException("option '" + option + "': '" + value + "' is not a number of keys "
                + "from 1 to 64 (the hosts' signatures.config.threshold)");
    }

    static String usage() {
        return """
                Usage: resolver-publish statement --bootstrap-server HOST:PORT --topic TOPIC --sign KEYFILE
                                                  [--fleet ID] [--expires-in SECONDS] [--trusted-keys FILE]
                                                  [--config-suffixes LIST] [--config-threshold N]
                                                  [--producer-config FILE] [--dry-run] [--timeout SECONDS]

                Reads TOPIC from its beginning to its end, and writes to every partition of it one signed freshness
                statement of the newest signed version of every file for every recipient, valid for --expires-in
                (default 86400 s). A version counts only when its signature by a key of --trusted-keys (default:
                the public key of --sign) verifies, by the rules of the hosts of --fleet (the hosts'
                signatures.fleet; default none): records signed for another fleet do not count, and the statement
                names its fleet, so hosts of another fleet refuse it. Nor do records outside their key's scope in
                --trusted-keys (give the hosts' signatures.trusted.keys, scopes included): a role the key lacks
                (configuration files by --config-suffixes, the hosts' config.file.suffixes, default
                .json,.yaml,.yml), a recipient or file name outside its patterns, a version past its not-after. Nor
                do configuration files signed by fewer than --config-threshold distinct keys (the hosts'
                signatures.config.threshold, default 1; co-signatures count as on the hosts). The signing key needs role timestamp in the
                hosts' signatures.trusted.keys. The previous statement (of the same fleet) is carried forward.
                Revocation lists in the topic apply as on the hosts: versions (and earlier statements) signed by a
                key the newest list for the recipient revokes do not count, and its reset-floor lowers what is
                carried forward. Hosts
                report a file older than stated as withheld, a statement past its expiry as frozen, and refuse
                versions older than stated. Run it from a timer, several times within the expiry.
                """;
    }
}
