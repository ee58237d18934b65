package io.github.kresconnect.filesink.publish;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.KafkaException;

import io.github.kresconnect.filesink.receipts.ReceiptChannel;
import io.github.kresconnect.filesink.receipts.ReceiptReader;
import io.github.kresconnect.filesink.receipts.ReceiptWait;
import io.github.kresconnect.filesink.receipts.SentTransfer;

/**
 * {@code --wait}: the receipts topic is opened at its end before anything is sent, the transfers sent are
 * noted, and afterwards the receipts of those transfers are awaited and reported, one line per host.
 */
final class ReceiptsStep implements AutoCloseable {
    private final ReceiptOptions options;
    private final ReceiptReader reader;
    private final List<SentTransfer> sent = new ArrayList<>();

    private ReceiptsStep(ReceiptOptions options, ReceiptReader reader) {
        this.options = options;
        this.reader = reader;
    }

    /** Opens the receipts topic at its end, so that only receipts of this run's transfers can match. */
    static ReceiptsStep open(ReceiptOptions options, ProducerSettings settings, PublishOptions publish)
            throws PublishException {
        try {
            ReceiptReader reader = ReceiptReader.open(clientSettings(settings), options.receiptsTopic(),
                    options.channel(), publish.recipientMode() == io.github.kresconnect.filesink.config.RecipientMode
                            .ZONE_ID ? List.of() : publish.recipients(), publish.timeout());
            reader.fromEnd();
            return new ReceiptsStep(options, reader);
        } catch (IllegalStateException e) {
            throw new PublishException(ExitCode.TOPIC_MISSING, "--wait: " + e.getMessage()
                    + " (the connectors' receipts.topic; name another with --receipts-topic); nothing was sent");
        } catch (KafkaException e) {
            throw new PublishException(ExitCode.BROKER_UNREACHABLE, "--wait: cannot read the receipts topic '"
                    + options.receiptsTopic() + "': " + TopicCheck.causes(e) + "; nothing was sent", e);
        }
    }

    static Map<String, Object> clientSettings(ProducerSettings settings) {
        Map<String, Object> client = new java.util.HashMap<>(settings.admin());
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        return client;
    }

    /** Called by the sender for every file it starts sending. */
    synchronized void sent(SentTransfer transfer) {
        sent.add(transfer);
    }

    /**
     * Waits, then prints one line per host on {@code out}; progress on {@code err}.
     *
     * @return the exit code: OK when every host published or found unchanged every file (and reloaded)
     */
    ExitCode await(PublishOptions publish, PrintStream out, PrintStream err, boolean terminal) {
        List<String> hosts = publish.recipientMode() == io.github.kresconnect.filesink.config.RecipientMode.ZONE_ID
                ? List.of() : publish.recipients();
        ReceiptWait wait = new ReceiptWait(sent, hosts, options.waitHosts().orElse(hosts.size()));
        if (!publish.quiet()) {
            err.println("Waiting up to " + options.waitFor().toSeconds() + " s for receipts from "
                    + (hosts.isEmpty() ? options.waitHosts().getAsInt() + " host(s)" : String.join(", ", hosts))
                    + " on " + (reader.topics().isEmpty() ? "no topic (none of theirs exists yet)"
                            : String.join(", ", reader.topics().stream().map(t -> "'" + t + "'").toList()))
                    + (options.channel() == ReceiptChannel.PER_HOST ? " (each host's own topic)" : "")
                    + missing(hosts));
        }
        long start = System.nanoTime();
        long[] lastShown = {start};
        String[] lastProgress = {""};
        boolean done = reader.readUntil(wait::accept, wait::done, start + options.waitFor().toNanos(), () -> {
            if (publish.quiet()) {
                return;
            }
            long now = System.nanoTime();
            String progress = wait.progress();
            if (terminal && now - lastShown[0] > 200_000_000L) {
                err.print("\r" + progress + ", " + (now - start) / 1_000_000_000L + " s ");
                lastShown[0] = now;
            } else if (!terminal && (!progress.equals(lastProgress[0]) || now - lastShown[0] > 10_000_000_000L)) {
                err.println(progress + " after " + (now - start) / 1_000_000_000L + " s");
                lastShown[0] = now;
                lastProgress[0] = progress;
            }
        });
        if (terminal && !publish.quiet()) {
            err.print("\r\033[K");
        }
        wait.lines().forEach(out::println);
        if (!publish.quiet()) {
            reader.appeared().forEach(topic -> err.println("'" + topic + "' appeared while waiting and was read from "
                    + "its beginning"));
        }
        reader.ignored().forEach(line -> err.println("warning: " + line));
        if (!done) {
            return ExitCode.NO_ANSWER;
        }
        return wait.allConfirmed() ? ExitCode.OK : ExitCode.REJECTED_BY_HOST;
    }

    /** Per host, the named hosts whose topic does not exist yet: looked for again while waiting. */
    private String missing(List<String> hosts) {
        if (options.channel() != ReceiptChannel.PER_HOST || hosts.isEmpty()) {
            return "";
        }
        List<String> missing = hosts.stream().filter(host -> !reader.topics().contains(
                ReceiptChannel.PER_HOST.topicFor(options.receiptsTopic(), host))).toList();
        return missing.isEmpty() ? "" : "; not there yet, looked for every "
                + ReceiptReader.RELIST_PERIOD.toSeconds() + " s: " + String.join(", ", missing.stream()
                        .map(host -> "'" + ReceiptChannel.PER_HOST.topicFor(options.receiptsTopic(), host) + "'")
                        .toList());
    }

    @Override
    public void close() {
        reader.close();
    }
}
