package io.github.kresconnect.filesink.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settings in a connector config that are neither this connector's nor Kafka Connect's: most likely typos
 * ({@code files.dri}), which would otherwise be ignored while the default applies. Each is reported with the
 * closest known name. One under a prefix this connector owns ({@code files.}, {@code resolver.}, ...) is an error,
 * since no other component reads such a key; any other is only worth a warning, since a worker or a plugin may
 * read keys this connector does not know.
 */
public final class UnknownSettings {
    private static final Logger log = LoggerFactory.getLogger(UnknownSettings.class);

    /** Key prefixes no one but this connector reads: an unknown key under one of them is refused. */
    public static final List<String> OWN_PREFIXES = List.of("files.", "resolver.", "manager.", "notify.",
            "config.file.", "file.", "chunks.", "io.", "recipient.", "signatures.", "receipts.");

    /**
     * The connector-level settings Kafka Connect itself defines ({@code SinkConnectorConfig}, and the source
     * side's, which a worker may pass along) and the one it adds to a task's ({@code TaskConfig}), as of Kafka
     * 4.3.
     */
    static final Set<String> CONNECT_KEYS = Set.of("name", "connector.class", "connector.plugin.version",
            "tasks.max", "tasks.max.enforce", "topics", "topics.regex", "key.converter", "value.converter",
            "header.converter", "key.converter.plugin.version", "value.converter.plugin.version",
            "header.converter.plugin.version", "transforms", "predicates", "config.action.reload",
            "errors.retry.timeout", "errors.retry.delay.max.ms", "errors.tolerance", "errors.log.enable",
            "errors.log.include.messages", "errors.deadletterqueue.topic.name",
            // added by the worker to each task's config
            "task.class",
            "errors.deadletterqueue.topic.replication.factor", "errors.deadletterqueue.context.headers.enable",
            // source connectors' (harmless here)
            "exactly.once.support", "transaction.boundary", "transaction.boundary.interval.ms",
            "offsets.storage.topic", "topic.creation.groups");

    /** Prefixes of keys Kafka Connect reads: converters', transforms', predicates', client overrides. */
    static final List<String> CONNECT_PREFIXES = List.of("key.converter.", "value.converter.",
            "header.converter.", "transforms.", "predicates.", "errors.deadletterqueue.", "consumer.override.",
            "producer.override.", "admin.override.", "topic.creation.");

    /** One unknown key, what it probably meant, and whether the connector refuses it. */
    public record Finding(String key, Optional<String> closest, boolean refused) {
        /** {@code unknown setting 'resolver.hostnme'; did you mean 'resolver.hostname'?} */
        public String message() {
            String text = "unknown setting '" + key + "'";
            if (closest.isPresent()) {
                text += "; did you mean '" + closest.get() + "'?";
            } else if (refused) {
                text += "; it is not a setting of this connector (see the configuration reference)";
            }
            return text;
        }

        /** The closest name, when it is one of this connector's settings. */
        public Optional<String> closestOwn() {
            return closest.filter(ResolverFileSinkConfig.CONFIG_DEF.names()::contains);
        }
    }

    private UnknownSettings() {
    }

    /** Every key that is neither ours nor Connect's, in key order. */
    public static List<Finding> find(Map<String, ?> props) {
        List<Finding> findings = new ArrayList<>();
        for (String key : new TreeSet<>(props.keySet())) {
            if (isKnown(key)) {
                continue;
            }
            findings.add(new Finding(key, closest(key), isOwnPrefix(key)));
        }
        return findings;
    }

    /** Logs a WARN for each unknown key (at task start, where the worker's log is read). */
    public static void warn(Map<String, ?> props) {
        find(props).forEach(finding -> warn(finding, props));
    }

    /**
     * {@code Connector config: unknown setting 'files.dri' is ignored ('files.dir' is not set, so its default
     * applies); did you mean 'files.dir'?}
     */
    public static void warn(Finding finding, Map<String, ?> props) {
        log.warn(logLine(finding, props));
    }

    static String logLine(Finding finding, Map<String, ?> props) {
        String line = "Connector config: unknown setting '" + finding.key() + "' is ignored";
        Optional<String> unsetOwn = finding.closestOwn().filter(own -> !props.containsKey(own));
        if (unsetOwn.isPresent()) {
            line += " ('" + unsetOwn.get() + "' is not set, so its default applies)";
        }
        return line + finding.closest().map(name -> "; did you mean '" + name + "'?")
                .orElse(" (it is neither this connector's nor Kafka Connect's)");
    }

    static boolean isKnown(String key) {
        return ResolverFileSinkConfig.CONFIG_DEF.names().contains(key) || CONNECT_KEYS.contains(key)
                || CONNECT_PREFIXES.stream().anyMatch(key::startsWith)
                || key.startsWith(ResolverFileSinkConfig.RECEIPTS_PRODUCER_PREFIX);
    }

    static boolean isOwnPrefix(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        return OWN_PREFIXES.stream().anyMatch(lower::startsWith);
    }

    /**
     * The known name closest to {@code key}: by edit distance (a swap of two neighbours counts as one edit,
     * case is ignored) within about a quarter of the name, or a known name that extends or shortens it by
     * whole dot-separated parts ({@code manager.socket} → {@code manager.socket.path}, {@code notify.quiet.ms}
     * → {@code notify.quiet.period.ms}).
     */
    static Optional<String> closest(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        List<String> candidates = new ArrayList<>(ResolverFileSinkConfig.CONFIG_DEF.names());
        candidates.addAll(new TreeSet<>(CONNECT_KEYS));
        for (String known : candidates) {
            int distance = distance(lower, known);
            if (partsWithin(lower, known) || partsWithin(known, lower)) {
                distance = Math.min(distance, 1);
            }
            if (distance < bestDistance) {
                best = known;
                bestDistance = distance;
            }
        }
        int allowed = Math.max(2, key.length() / 4);
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** True when the dot-separated parts of {@code shorter} appear, in order, among those of {@code longer}. */
    static boolean partsWithin(String shorter, String longer) {
        String[] few = shorter.split("\\.");
        String[] many = longer.split("\\.");
        if (few.length < 2 || few.length >= many.length || !few[0].equals(many[0])) {
            return false;
        }
        int i = 0;
        for (String part : many) {
            if (i < few.length && few[i].equals(part)) {
                i++;
            }
        }
        return i == few.length;
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
