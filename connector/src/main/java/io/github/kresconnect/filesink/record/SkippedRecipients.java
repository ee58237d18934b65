package io.github.kresconnect.filesink.record;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.config.RecipientMode;

/**
 * Makes a host that only sees other recipients' records say so, since a host name that differs from the one the
 * producer sends to (a domain suffix, a capital letter) otherwise shows only as files that never arrive.
 * <ul>
 * <li>At the first skipped record, unless a record for this host came first: one line naming the record's
 * recipient and this host's, with a hint when they look alike.</li>
 * <li>Then, at most every {@link #INTERVAL}: when a skipped record arrives and the interval since the last summary
 * has passed, a summary (how many, the top recipients with counts, this host's id, hints) if no record for
 * this host came meanwhile, else the same at DEBUG: on a topic shared by many hosts, skipping is normal.</li>
 * </ul>
 * A line with a hint (a recipient that looks like this host: most likely a mistake in the host name) is a WARN, so
 * that {@code journalctl -p warning} shows it; a line without one is an INFO.
 * The clock is injected, so the rules are tested without waiting. Used by the task's thread only.
 */
public final class SkippedRecipients {
    private static final Logger log = LoggerFactory.getLogger(SkippedRecipients.class);

    public static final Duration INTERVAL = Duration.ofMinutes(5);
    /** Recipients named in a summary; the rest are counted together. */
    static final int TOP = 3;
    /** Distinct recipients counted one by one per interval; more are counted together. */
    static final int TRACKED = 1_000;

    private final RecipientMode mode;
    private final String hostname;
    private final Set<String> zoneIds;
    private final LongSupplier clockMillis;

    private final Map<Recipient, Long> counts = new HashMap<>();
    private long untracked;
    private long skipped;
    private boolean ownSeen;
    private boolean started;
    private long since;

    /** Whom a skipped record was for. */
    private record Recipient(boolean isHostname, String id) {
        @Override
        public String toString() {
            return (isHostname ? "hostname " : "zone id ") + RecordHeaders.quote(id);
        }
    }

    /** @param clockMillis a monotonic clock in milliseconds */
    public SkippedRecipients(RecipientMode mode, String hostname, Set<String> zoneIds, LongSupplier clockMillis) {
        this.mode = mode;
        this.hostname = hostname;
        this.zoneIds = new TreeSet<>(zoneIds);
        this.clockMillis = clockMillis;
    }

    /** The system's monotonic clock. */
    public static SkippedRecipients withSystemClock(RecipientMode mode, String hostname, Set<String> zoneIds) {
        return new SkippedRecipients(mode, hostname, zoneIds, () -> System.nanoTime() / 1_000_000);
    }

    /** A record for this host arrived. */
    public void own() {
        ownSeen = true;
    }

    /**
     * A record for another recipient was skipped: named by its {@code hostname} header, or else (in the zone-id
     * modes) by its key.
     *
     * @return the line logged at INFO or WARN, if any
     */
    public Optional<String> skipped(String recipientHost, String recipientKey) {
        Recipient recipient = recipientHost != null ? new Recipient(true, recipientHost)
                : new Recipient(false, recipientKey == null ? "" : recipientKey);
        long now = clockMillis.getAsLong();
        if (!started) {
            started = true;
            since = now;
            if (!ownSeen) {
                String line = "Skipped a record for another recipient (" + recipient + "); this host takes records "
                        + "for " + self() + "." + hints(List.of(recipient)) + " While only other recipients' records "
                        + "arrive, a summary follows at most every " + INTERVAL.toSeconds() + " s";
                logVisibly(line);
                return Optional.of(line);
            }
            ownSeen = false;
        }
        count(recipient);
        if (now - since < INTERVAL.toMillis()) {
            return Optional.empty();
        }
        String line = summary(now);
        boolean onlyOthers = !ownSeen;
        counts.clear();
        untracked = 0;
        skipped = 0;
        ownSeen = false;
        since = now;
        if (onlyOthers) {
            logVisibly(line);
            return Optional.of(line);
        }
        log.debug(line);
        return Optional.empty();
    }

    /** A hint points at a likely mistake in this host's name or the producer's: WARN; otherwise INFO. */
    private static void logVisibly(String line) {
        if (line.contains(" Hint: ")) {
            log.warn(line);
        } else {
            log.info(line);
        }
    }

    private void count(Recipient recipient) {
        skipped++;
        if (counts.containsKey(recipient) || counts.size() < TRACKED) {
            counts.merge(recipient, 1L, Long::sum);
        } else {
            untracked++;
        }
    }

    private String summary(long now) {
        List<Map.Entry<Recipient, Long>> top = new ArrayList<>(counts.entrySet());
        top.sort(Map.Entry.<Recipient, Long>comparingByValue().reversed()
                .thenComparing(e -> e.getKey().toString()));
        StringBuilder line = new StringBuilder("Skipped ").append(skipped).append(skipped == 1 ? " record" : " records")
                .append(" for other recipients in the last ").append((now - since) / 1000).append(" s")
                .append(ownSeen ? "" : ", none for this host").append(": ");
        List<Recipient> named = new ArrayList<>();
        for (int i = 0; i < Math.min(TOP, top.size()); i++) {
            line.append(i == 0 ? "" : ", ").append(top.get(i).getKey()).append(" (").append(top.get(i).getValue())
                    .append(')');
            named.add(top.get(i).getKey());
        }
        int others = top.size() - named.size();
        if (others > 0 || untracked > 0) {
            long rest = untracked + top.subList(named.size(), top.size()).stream().mapToLong(Map.Entry::getValue).sum();
            line.append(" and ").append(rest).append(rest == 1 ? " record" : " records").append(" for ")
                    .append(untracked > 0 ? "more than " + others : others)
                    .append(others == 1 && untracked == 0 ? " other recipient" : " other recipients");
        }
        return line.append(". This host takes records for ").append(self()).append('.').append(hints(named))
                .toString();
    }

    /** This host's recipient id, and the settings it comes from. */
    private String self() {
        String host = "hostname " + RecordHeaders.quote(hostname)
                + " (resolver.hostname, or the machine's host name when that is empty)";
        String zones = "zone ids " + (zoneIds.isEmpty() ? "(none)" : String.join(", ", zoneIds.stream()
                .map(RecordHeaders::quote).toList())) + " (resolver.zone.ids)";
        String which = switch (mode) {
            case HOSTNAME -> host;
            case ZONE_ID -> zones;
            case HOSTNAME_OR_ZONE_ID -> host + " or " + zones;
        };
        return which + ", recipient.mode=" + mode.configValue();
    }

    /** One hint per recipient whose id looks like this host's: names are compared exactly. */
    private String hints(List<Recipient> recipients) {
        StringBuilder out = new StringBuilder();
        for (Recipient recipient : recipients) {
            hint(recipient).ifPresent(hint -> out.append(" Hint: ").append(hint).append('.'));
        }
        return out.toString();
    }

    private Optional<String> hint(Recipient recipient) {
        String id = recipient.id();
        String quoted = RecordHeaders.quote(id);
        if (recipient.isHostname()) {
            if (!mode.usesHostname()) {
                return Optional.empty();
            }
            String own = RecordHeaders.quote(hostname);
            String lower = id.toLowerCase(Locale.ROOT);
            String ownLower = hostname.toLowerCase(Locale.ROOT);
            if (id.strip().equals(hostname)) {
                return Optional.of(quoted + " differs from this host's name " + own + " only by spaces around it; "
                        + "host names are compared exactly, fix the producer's 'hostname' header");
            }
            if (lower.equals(ownLower)) {
                return Optional.of(quoted + " differs from this host's name " + own + " only in case; host names "
                        + "are compared exactly: send to " + own + ", or set resolver.hostname=" + id);
            }
            if (lower.startsWith(ownLower + ".")) {
                return Optional.of(quoted + " is this host's name " + own + " with a domain suffix; host names are "
                        + "compared exactly: send to " + own + ", or set resolver.hostname=" + id);
            }
            if (ownLower.startsWith(lower + ".")) {
                return Optional.of(quoted + " is this host's name " + own + " without its domain; host names are "
                        + "compared exactly: send to " + own + ", or set resolver.hostname=" + id);
            }
            return Optional.empty();
        }
        for (String zone : zoneIds) {
            if (zone.equalsIgnoreCase(id.strip())) {
                return Optional.of(quoted + " differs from this host's zone id " + RecordHeaders.quote(zone)
                        + " only in case or spaces; zone ids are compared exactly");
            }
        }
        return Optional.empty();
    }
}
