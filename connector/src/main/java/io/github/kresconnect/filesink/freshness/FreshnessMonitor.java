package io.github.kresconnect.filesink.freshness;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.protocol.FileNames;
import io.github.kresconnect.filesink.store.FileStore.StatementSeen;

/**
 * What the newest freshness statement says of this host, as one state: {@link State#FRESH}, {@link
 * State#WITHHELD} (a file held older than stated, for longer than the grace that lets a transfer in flight or a
 * partition behind catch up), {@link State#FROZEN} (the statement expired and no newer one came: updates may be
 * kept from this host), or {@link State#NONE} (no statement yet; {@link State#FROZEN} when statements are
 * required). Each change of state, or of the files withheld, is logged once (WARN for withheld and frozen, INFO
 * otherwise), set in the metrics and handed to the listener (a receipt).
 *
 * <p>Cost: a statement recomputes which of its files this host holds older (a map lookup each); a publication
 * is looked up in the files behind (usually none); {@link #evaluate} compares the clock with the expiry.
 */
public final class FreshnessMonitor {
    private static final Logger log = LoggerFactory.getLogger(FreshnessMonitor.class);

    public enum State {
        NONE(0, "none"), FRESH(1, "fresh"), WITHHELD(2, "withheld"), FROZEN(3, "frozen");

        private final int code;
        private final String word;

        State(int code, String word) {
            this.code = code;
            this.word = word;
        }

        /** As the freshness-state metric codes it. */
        public int code() {
            return code;
        }

        /** As receipts and logs name it. */
        public String word() {
            return word;
        }
    }

    /** A file held older than the statement says: the version stated and the version held (-1: none). */
    public record Withheld(String file, long stated, long held) {
    }

    /** A change of state, as logged. */
    public record Change(State state, StatementSeen statement, List<Withheld> withheld, String description) {
    }

    /** Told of each change (for a receipt). */
    @FunctionalInterface
    public interface Listener {
        void changed(Change change);
    }

    private record Behind(long stated, long held, long since) {
    }

    private final long withheldAfterMs;
    private final boolean required;
    private final Listener listener;
    private final MetricsSink metrics;
    private StatementSeen statement;
    private final Map<String, Behind> behind = new TreeMap<>();
    private State state;
    private List<String> reportedWithheld = List.of();

    /** Where the state goes for the metrics. */
    @FunctionalInterface
    public interface MetricsSink {
        void freshness(int stateCode, int withheldFiles);
    }

    /**
     * @param withheldAfterMs how long a file may be behind its stated version before it is reported withheld
     * @param required whether having no statement at all counts as a freeze
     */
    public FreshnessMonitor(long withheldAfterMs, boolean required, MetricsSink metrics, Listener listener) {
        this.withheldAfterMs = withheldAfterMs;
        this.required = required;
        this.metrics = metrics;
        this.listener = listener;
    }

    /** The state of an opened store: its newest statement and its stated versions. */
    public void restore(Optional<StatementSeen> seen, Map<String, Long> stated, ToLongFunction<String> held,
            long now) {
        statement = seen.orElse(null);
        behind.clear();
        compare(stated, held, now);
    }

    /** A statement newer than the last was accepted; {@code versions} is what it states of this host. */
    public void accepted(StatementSeen seen, Map<String, Long> versions, ToLongFunction<String> held, long now) {
        statement = seen;
        Map<String, Behind> before = new TreeMap<>(behind);
        behind.clear();
        compare(versions, held, now);
        behind.replaceAll((file, b) -> before.containsKey(file)
                ? new Behind(b.stated(), b.held(), before.get(file).since()) : b);
    }

    private void compare(Map<String, Long> stated, ToLongFunction<String> held, long now) {
        stated.forEach((file, version) -> {
            long have = held.applyAsLong(file);
            if (have < version) {
                behind.put(file, new Behind(version, have, now));
            }
        });
    }

    /** A file was published; {@code heldVersion} is its signed version now. */
    public void published(String file, long heldVersion) {
        if (behind.isEmpty()) {
            return;
        }
        Behind b = behind.get(file);
        if (b != null && heldVersion >= b.stated()) {
            behind.remove(file);
        }
    }

    /** Whether some file is behind its stated version (it may still be within its grace). */
    public boolean anyBehind() {
        return !behind.isEmpty();
    }

    /**
     * How long until the state may change by time alone (a statement expiring, a file's grace ending), so the task
     * can be woken then rather than at its next offset commit; {@link Long#MAX_VALUE} when nothing is due.
     */
    public long millisUntilDue(long now) {
        long due = Long.MAX_VALUE;
        if (statement != null && now < statement.expiresAt()) {
            due = statement.expiresAt() - now;
        }
        for (Behind b : behind.values()) {
            long left = b.since() + withheldAfterMs - now;
            if (left > 0) {
                due = Math.min(due, left);
            }
        }
        return due;
    }

    public State state() {
        return state;
    }

    /** The state now; a change is logged, set in the metrics and handed to the listener. */
    public Optional<Change> evaluate(long now) {
        State next;
        List<Withheld> withheld = new ArrayList<>();
        if (statement == null) {
            next = required ? State.FROZEN : State.NONE;
        } else if (now >= statement.expiresAt()) {
            next = State.FROZEN;
        } else {
            behind.forEach((file, b) -> {
                if (now - b.since() >= withheldAfterMs) {
                    withheld.add(new Withheld(file, b.stated(), b.held()));
                }
            });
            next = withheld.isEmpty() ? State.FRESH : State.WITHHELD;
        }
        List<String> names = withheld.stream().map(Withheld::file).toList();
        if (next == state && names.equals(reportedWithheld)) {
            return Optional.empty();
        }
        state = next;
        reportedWithheld = names;
        Change change = new Change(next, statement, List.copyOf(withheld), describe(next, withheld, now));
        if (next == State.WITHHELD || next == State.FROZEN) {
            log.warn("Freshness: {}", change.description());
        } else {
            log.info("Freshness: {}", change.description());
        }
        metrics.freshness(next.code(), withheld.size());
        listener.changed(change);
        return Optional.of(change);
    }

    private String describe(State next, List<Withheld> withheld, long now) {
        if (statement == null) {
            return next == State.FROZEN ? "frozen: no freshness statement has been accepted, and "
                    + "freshness.required=true; updates may be kept from this host"
                    : "no freshness statement accepted yet";
        }
        String of = "statement " + statement.sequence() + " (issued " + Instant.ofEpochMilli(statement.issuedAt())
                + ", expires " + Instant.ofEpochMilli(statement.expiresAt()) + ")";
        return switch (next) {
            case FROZEN -> "frozen: the newest " + of + " expired " + (now - statement.expiresAt()) / 1000
                    + " s ago and no newer one arrived: updates may be kept from this host (the topic, the network "
                    + "or the publisher's timer is stopped)";
            case WITHHELD -> "withheld: " + withheld.size() + " file(s) held older than " + of + " states, for more "
                    + "than " + withheldAfterMs + " ms: " + String.join(", ", withheld.stream().limit(10)
                            .map(w -> FileNames.quote(w.file()) + " version " + (w.held() < 0 ? "none" : w.held())
                                    + " held, " + w.stated() + " stated").toList())
                    + (withheld.size() > 10 ? ", ..." : "");
            default -> "fresh: " + of + (behind.isEmpty() ? "; every file it names is held at its stated version or newer"
                    : "; " + behind.size() + " file(s) not yet at their stated version, within "
                            + "freshness.withheld.after.ms (" + withheldAfterMs + " ms)");
        };
    }
}
