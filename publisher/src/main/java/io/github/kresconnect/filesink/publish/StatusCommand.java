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

    int run(List<String> args) {
        String bootstrap = null;
        Path producerConfig = null;
        String topic = ReceiptOptions.DEFAULT_RECEIPTS_TOPIC;
        String host = null;
        String file = null;
        boolean json = false;
        Duration timeout = PublishOptions.DEFAULT_TIMEOUT;
        try {
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                String name = arg;
                String value = null;
                int equals = arg.indexOf('=');
                if (arg.startsWith("--") && equals > 0) {
                    name = arg.substring(0, equals);
                    value = arg.substring(equals + 1);
                }
                switch (name) {
                    case "--json" -> json = true;
                    case "-h", "--help" -> {
                        out.print(usage());
                        return ExitCode.OK.code();
                    }
                    default -> {
                        if (value == null) {
                            if (i + 1 >= args.size()) {
                                throw new PublishOptions.UsageException("option '" + name + "' needs a value");
                            }
                            value = args.get(++i);
                        }
                        switch (name) {
                            case "--bootstrap-server", "--bootstrap-servers", "-b" -> bootstrap = value.trim();
                            case "--producer-config" -> producerConfig = Path.of(value.trim());
                            case "--receipts-topic" -> topic = value.trim();
                            case "--host" -> host = value;
                            case "--file" -> file = value;
                            case "--timeout" -> timeout = Duration.ofSeconds(Long.parseLong(value.trim()));
                            default -> throw new PublishOptions.UsageException("unknown option '" + name + "'");
                        }
                    }
                }
            }
        } catch (PublishOptions.UsageException | NumberFormatException e) {
            err.println("resolver-publish status: " + e.getMessage());
            err.println("Run 'resolver-publish status --help' for usage.");
            return ExitCode.USAGE.code();
        }
        try {
            Properties user = producerConfig == null ? new Properties() : ProducerSettings.load(producerConfig);
            ProducerSettings settings = ProducerSettings.of(user, Optional.ofNullable(bootstrap), timeout,
                    Chunking.DEFAULT_CHUNK_SIZE);
            FleetStatus status = new FleetStatus();
            long unreadable;
            try (ReceiptReader reader = ReceiptReader.open(ReceiptsStep.clientSettings(settings), topic, timeout)) {
                reader.readAll(status::accept, timeout);
                unreadable = reader.unreadable();
            }
            if (json) {
                out.println(status.json(host, file));
            } else {
                status.lines(host, file).forEach(out::println);
            }
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

    static String usage() {
        return """
                Usage: resolver-publish status --bootstrap-server HOST:PORT [--producer-config FILE]
                                               [--receipts-topic TOPIC] [--host HOST] [--file NAME] [--json]
                                               [--timeout SECONDS]

                Reads the receipts topic (default knot-resolver-receipts) from its beginning and prints, per host,
                each file's current SHA-256 (and signed version), when it changed, the last reload's outcome, and
                the hosts whose copy of a file is not the newest version any host holds (highest signed version,
                else the content most recently published).
                """;
    }
}
