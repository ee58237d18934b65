package io.github.kresconnect.filesink.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.OptionalInt;

import io.github.kresconnect.filesink.publish.PublishOptions.UsageException;
import io.github.kresconnect.filesink.receipts.ReceiptChannel;

/**
 * The publisher's receipt options, taken out of the command line (with picocli) before the rest is parsed:
 * {@code --wait [SECONDS]}, {@code --wait-hosts N}, {@code --receipts-topic TOPIC} and
 * {@code --receipts-topic-mode per-host|shared}.
 */
record ReceiptOptions(boolean waitEnabled, Duration waitFor, OptionalInt waitHosts, String receiptsTopic,
        ReceiptChannel channel, List<String> rest) {

    static final String DEFAULT_RECEIPTS_TOPIC = "knot-resolver-receipts";
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(120);
    /** As the connectors' receipts.topic.mode: each host's own topic, which no other host may write. */
    static final ReceiptChannel DEFAULT_CHANNEL = ReceiptChannel.PER_HOST;

    static ReceiptOptions extract(List<String> args) throws UsageException {
        return new Extraction(args).run();
    }

    /** The receipt options picocli finds (before any {@code --}); every other argument stays, in its order. */
    private static final class Extraction {
        private final List<String> args;
        private boolean wait;
        private Duration seconds = DEFAULT_WAIT;
        private OptionalInt hosts = OptionalInt.empty();
        private String topic = DEFAULT_RECEIPTS_TOPIC;
        private ReceiptChannel channel = DEFAULT_CHANNEL;

        Extraction(List<String> args) {
            this.args = args;
        }

        ReceiptOptions run() throws UsageException {
            CommandLines commandLine = new CommandLines("resolver-publish")
                    .optional((name, value) -> {
                        wait = true;
                        if (value != null) {
                            seconds = Duration.ofSeconds(positive(name, value));
                        }
                    }, next -> next != null && next.matches("[0-9]{1,6}"), "--wait")
                    .valued((name, value) -> hosts = OptionalInt.of((int) positive(name, value)), "--wait-hosts")
                    .valued((name, value) -> {
                        if (value.isBlank()) {
                            throw new UsageException("option '--receipts-topic' needs a non-empty value");
                        }
                        topic = value.trim();
                    }, "--receipts-topic")
                    .valued((name, value) -> channel = channel(value), "--receipts-topic-mode")
                    // Everything else is the publish command's, read after this.
                    .positional((name, value) -> { }, true);
            commandLine.parse(args);
            if (hosts.isPresent() && !wait) {
                throw new UsageException("--wait-hosts goes with --wait");
            }
            BitSet used = commandLine.used();
            List<String> rest = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                if (!used.get(i)) {
                    rest.add(args.get(i));
                }
            }
            return new ReceiptOptions(wait, seconds, hosts, topic, channel, List.copyOf(rest));
        }
    }

    static ReceiptChannel channel(String value) throws UsageException {
        try {
            return ReceiptChannel.fromWord(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException("option '--receipts-topic-mode': " + e.getMessage());
        }
    }

    private static long positive(String option, String value) throws UsageException {
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed >= 1 && parsed <= 86_400) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("option '" + option + "': '" + value + "' is not a whole number from 1 to 86400");
    }
}
