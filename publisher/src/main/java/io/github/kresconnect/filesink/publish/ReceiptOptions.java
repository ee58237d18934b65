package io.github.kresconnect.filesink.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import io.github.kresconnect.filesink.publish.PublishOptions.UsageException;

/**
 * The publisher's receipt options, taken out of the command line before the rest is parsed:
 * {@code --wait [SECONDS]}, {@code --wait-hosts N} and {@code --receipts-topic TOPIC}.
 */
record ReceiptOptions(boolean waitEnabled, Duration waitFor, OptionalInt waitHosts, String receiptsTopic,
        List<String> rest) {

    static final String DEFAULT_RECEIPTS_TOPIC = "knot-resolver-receipts";
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(120);

    static ReceiptOptions extract(List<String> args) throws UsageException {
        List<String> rest = new ArrayList<>();
        boolean wait = false;
        Duration seconds = DEFAULT_WAIT;
        OptionalInt hosts = OptionalInt.empty();
        String topic = DEFAULT_RECEIPTS_TOPIC;
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (optionsEnded || arg.equals("--")) {
                optionsEnded = true;
                rest.add(arg);
                continue;
            }
            if (arg.equals("--wait")) {
                wait = true;
                if (i + 1 < args.size() && args.get(i + 1).matches("[0-9]{1,6}")) {
                    seconds = Duration.ofSeconds(positive("--wait", args.get(++i)));
                }
            } else if (arg.startsWith("--wait=")) {
                wait = true;
                seconds = Duration.ofSeconds(positive("--wait", arg.substring("--wait=".length())));
            } else if (arg.equals("--wait-hosts") || arg.startsWith("--wait-hosts=")) {
                String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : next(args, ++i, arg);
                hosts = OptionalInt.of((int) positive("--wait-hosts", value));
            } else if (arg.equals("--receipts-topic") || arg.startsWith("--receipts-topic=")) {
                String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : next(args, ++i, arg);
                if (value.isBlank()) {
                    throw new UsageException("option '--receipts-topic' needs a non-empty value");
                }
                topic = value.trim();
            } else {
                rest.add(arg);
            }
        }
        if (hosts.isPresent() && !wait) {
            throw new UsageException("--wait-hosts goes with --wait");
        }
        return new ReceiptOptions(wait, seconds, hosts, topic, List.copyOf(rest));
    }

    private static String next(List<String> args, int index, String option) throws UsageException {
        if (index >= args.size()) {
            throw new UsageException("option '" + option + "' needs a value");
        }
        return args.get(index);
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
