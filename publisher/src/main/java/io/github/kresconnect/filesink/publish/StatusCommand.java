package io.github.kresconnect.filesink.publish;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import org.apache.kafka.common.KafkaException;

import io.github.kresconnect.filesink.protocol.Chunking;
import io.github.kresconnect.filesink.receipts.FleetStatus;
import io.github.kresconnect.filesink.receipts.ReceiptReader;

/**
 * {@code resolver-publish status}: reads the receipts topic from its beginning and prints, per host, each
 * file's current digest (and version), when it changed, the last reload's outcome, and which hosts lag behind
 * the newest version of a file.
 */
final class StatusCommand {
    static final String NAME = "status";

    private final PrintStream out;
    private final PrintStream err;

    StatusCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** What the command line asks for. */
    private static final class Request {
        String bootstrap;
        Path producerConfig;
        String topic = ReceiptOptions.DEFAULT_RECEIPTS_TOPIC;
        io.github.kresconnect.filesink.receipts.ReceiptChannel channel = ReceiptOptions.DEFAULT_CHANNEL;
        String host;
        String file;
        boolean json;
        Duration timeout = PublishOptions.DEFAULT_TIMEOUT;
    }

    int run(List<String> args) {
        Request request = new Request();
        try {
            new CommandLines("resolver-publish status")
                    .flag((name, value) -> request.json = true, "--json")
                    .flag((name, value) -> {
                        throw new CommandLines.Stop();
                    }, "-h", "--help")
                    .valued((name, value) -> request.bootstrap = value.trim(),
                            "--bootstrap-server", "--bootstrap-servers", "-b")
                    .valued((name, value) -> request.producerConfig = Path.of(value.trim()), "--producer-config")
                    .valued((name, value) -> request.topic = value.trim(), "--receipts-topic")
                    .valued((name, value) -> request.channel = ReceiptOptions.channel(value), "--receipts-topic-mode")
                    .valued((name, value) -> request.host = value, "--host")
                    .valued((name, value) -> request.file = value, "--file")
                    .valued((name, value) -> {
                        try {
                            request.timeout = Duration.ofSeconds(Long.parseLong(value.trim()));
                        } catch (NumberFormatException e) {
                            throw new PublishOptions.UsageException(e.getMessage());
                        }
                    }, "--timeout")
                    .unmatched(unmatched -> unknown(unmatched, args))
                    .noEndOfOptions()
                    .parse(args);
        } catch (CommandLines.Stop help) {
            out.print(usage());
            return ExitCode.OK.code();
        } catch (PublishOptions.UsageException e) {
            err.println("resolver-publish status: " + e.getMessage());
            err.println("Run 'resolver-publish status --help' for usage.");
            return ExitCode.USAGE.code();
        }
        String bootstrap = request.bootstrap;
        Path producerConfig = request.producerConfig;
        String topic = request.topic;
        String host = request.host;
        String file = request.file;
        boolean json = request.json;
        Duration timeout = request.timeout;
        try {
            Properties user = producerConfig == null ? new Properties() : ProducerSettings.load(producerConfig);
            ProducerSettings settings = ProducerSettings.of(user, Optional.ofNullable(bootstrap), timeout,
                    Chunking.DEFAULT_CHUNK_SIZE);
            FleetStatus status = new FleetStatus();
            long unreadable;
            List<String> ignored;
            try (ReceiptReader reader = ReceiptReader.open(ReceiptsStep.clientSettings(settings), topic,
                    request.channel, host == null ? List.of() : List.of(host), timeout)) {
                reader.readAll(status::accept, timeout);
                unreadable = reader.unreadable();
                ignored = reader.ignored();
            }
            if (json) {
                out.println(status.json(host, file));
            } else {
                status.lines(host, file).forEach(out::println);
            }
            ignored.forEach(line -> err.println("resolver-publish status: warning: " + line));
            if (unreadable > 0) {
                err.println("resolver-publish status: " + unreadable + " record(s) on '" + topic
                        + "' are not receipts of schema 1 and were skipped");
            }
            return ExitCode.OK.code();
        } catch (PublishException e) {
            err.println("resolver-publish status: " + e.getMessage());
            return e.exitCode().code();
        } catch (IllegalStateException e) {
            err.println("resolver-publish status: " + e.getMessage());
            return ExitCode.TOPIC_MISSING.code();
        } catch (KafkaException e) {
            err.println("resolver-publish status: cannot read '" + topic + "': " + TopicCheck.causes(e));
            return ExitCode.BROKER_UNREACHABLE.code();
        }
    }

    /**
     * An argument that is no option of the command: taken for an option whose value is missing when it is the
     * last argument (and the only one unknown), else an unknown option.
     */
    private static String unknown(List<String> unmatched, List<String> args) {
        String first = unmatched.get(0);
        if (unmatched.size() == 1 && first.equals(args.get(args.size() - 1))
                && !(first.startsWith("--") && first.indexOf('=') > 0)) {
            return "option '" + first + "' needs a value";
        }
        return CommandLines.unknownOption(first);
    }

    static String usage() {
        return """
                Usage: resolver-publish status --bootstrap-server HOST:PORT [--producer-config FILE]
                                               [--receipts-topic TOPIC] [--receipts-topic-mode per-host|shared]
                                               [--host HOST] [--file NAME] [--json] [--timeout SECONDS]

                Reads the receipts topic (default knot-resolver-receipts) from its beginning and prints, per host,
                each file's current SHA-256 (and signed version), when it changed, the last reload's outcome, and
                the hosts whose copy of a file is not the newest version any host holds (highest signed version,
                else the content most recently published), and each host's freshness (what the newest signed
                freshness statement says of it: fresh, withheld, frozen). It reads each host's own topic
                (TOPIC.host.HOST, the connectors' default receipts.topic.mode=per-host) and trusts a receipt only
                from its own host's topic; with --receipts-topic-mode shared, the one topic TOPIC that every host
                writes (a fleet whose hosts set receipts.topic.mode=shared).
                """;
    }
}
