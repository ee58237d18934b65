package io.github.kresconnect.filesink.notify;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.retry.Backoff;
import io.github.kresconnect.filesink.store.FileKind;

/**
 * Decides when to ask the manager, and for what.
 * <ul>
 * <li>Two steps per group of publications: {@link #fileChanging} (before the renames) records and persists what
 * is owed, without making it eligible; {@link #filesPublished} (after the renames and the directory fsync)
 * makes everything owed so far eligible and arms the debounce. A request only ever covers files already in
 * place, so its success never clears what a publication still under way is owed.</li>
 * <li>Debounce: a request is sent once no publication came for the quiet period, but never later than the
 * maximum delay after the first publication it covers.</li>
 * <li>A pending reload absorbs a pending renew.</li>
 * <li>At most one request is in flight. A publication arriving meanwhile becomes a new pending request, sent
 * after the one in flight: a file published while the manager was already reloading gets a request of its
 * own.</li>
 * <li>A failed request stays pending and is retried after a doubling, jittered backoff, until it succeeds or a
 * newer pending request covers it.</li>
 * <li>What is persisted is what covers everything owed: not yet published, pending, and in flight. It is
 * written before {@link #fileChanging} returns, and cleared only after a request that covered it succeeded.</li>
 * </ul>
 * Time and task execution are injected so the rules can be tested without waiting. Wake-ups and sending run
 * on the timer's thread; {@link #fileChanging} and {@link #filesPublished} only record (and persist), they never
 * wait for the manager.
 */
final class NotificationScheduler {
    private static final Logger log = LoggerFactory.getLogger(NotificationScheduler.class);

    /** Each retry wait is drawn between (1 - JITTER) and 1 times the doubled backoff. */
    static final double JITTER = 0.2;

    /** Sends one request; returns only when the manager accepted it. */
    @FunctionalInterface
    interface Sender {
        void send(ManagerRequest request) throws IOException;
    }

    /** Runs a task once after a delay, always on the same single thread. */
    @FunctionalInterface
    interface Timer {
        void schedule(Runnable task, long delayMillis);
    }

    record Timing(Duration quietPeriod, Duration maxDelay, Duration retryBackoff, Duration retryBackoffMax) {
    }

    private final Timing timing;
    private final LongSupplier clockMillis;
    private final Backoff backoff;
    private final Timer timer;
    private final Sender sender;
    private final PendingNotificationFile state;

    // Guarded by this.
    /** Owed for files about to be published: persisted, but not sent before {@link #filesPublished}. */
    private ManagerRequest unpublished;
    /** Owed for files in place: sent once due. */
    private ManagerRequest pending;
    private long firstTriggerAt;
    private long lastTriggerAt;
    private ManagerRequest inFlight;
    /** The files each of the three is for, by name (a newer change of a file replaces the older). */
    private Map<String, ChangedFile> unpublishedFiles = new LinkedHashMap<>();
    private Map<String, ChangedFile> pendingFiles = new LinkedHashMap<>();
    private Map<String, ChangedFile> inFlightFiles = new LinkedHashMap<>();
    private long inFlightFirstTriggerAt;
    private int failures;
    /** While failures > 0: since when (clock millis), and the kind of the last reason, to log only changes. */
    private long failingSince;
    private String failingReasonKind;
    private long retryNotBefore = Long.MIN_VALUE;
    /** Identifies the one wake-up that counts; older ones find a different id and do nothing. */
    private long wakeUpId;
    private long wakeUpAt = Long.MAX_VALUE;
    private boolean closed;

    /**
     * @param clockMillis a monotonic clock in milliseconds
     * @param random      uniform values in [0, 1), for jitter
     */
    NotificationScheduler(Timing timing, LongSupplier clockMillis, DoubleSupplier random, Timer timer, Sender sender,
            PendingNotificationFile state) {
        this.timing = timing;
        this.clockMillis = clockMillis;
        this.backoff = new Backoff(timing.retryBackoff(), timing.retryBackoffMax(), JITTER, random);
        this.timer = timer;
        this.sender = sender;
        this.state = state;
    }

    /** Honours a request persisted by an earlier run: it is sent after one quiet period. */
    synchronized void start() {
        Optional<ManagerRequest> owed = state.get();
        if (owed.isPresent()) {
            long now = clockMillis.getAsLong();
            pending = owed.get();
            state.files().forEach(file -> pendingFiles.put(file.name(), file));
            firstTriggerAt = now;
            lastTriggerAt = now;
            log.info("A {} of the resolver was still owed from before the last stop ({}); requesting it in {} ms",
                    pending.word(), state.path(), dueTime() - now);
            wakeUpAt(dueTime());
        }
    }

    /**
     * Records that a file of this kind is about to replace the current one; persisted when this returns. Not
     * sent before the next {@link #filesPublished}: a request sent meanwhile does not cover it.
     */
    synchronized void fileChanging(FileKind kind) throws IOException {
        fileChanging(kind, List.of());
    }

    /** As {@link #fileChanging(FileKind)}, for these files: persisted with what is owed, durable on return. */
    synchronized void fileChanging(FileKind kind, List<ChangedFile> files) throws IOException {
        fileChanging(kind, files, null);
    }

    /**
     * As {@link #fileChanging(FileKind)}, for these files: persisted with what is owed, durable on return unless
     * {@code syncLater} is given: lines appended to the state are then left for the caller to make durable (it is
     * handed the file).
     */
    synchronized void fileChanging(FileKind kind, List<ChangedFile> files, Consumer<Path> syncLater)
            throws IOException {
        ManagerRequest wanted = ManagerRequest.covering(unpublished, ManagerRequest.forKind(kind));
        // What is owed only grows here, so the state gains these files: a round's cost is that of its own files,
        // not of every file owed since the last accepted request.
        state.add(owed(wanted), files, syncLater);
        unpublished = wanted;
        files.forEach(file -> unpublishedFiles.put(file.name(), file));
    }

    /** The files of the request in flight, for its report. */
    synchronized List<ChangedFile> inFlightFiles() {
        return List.copyOf(inFlightFiles.values());
    }

    /** Every file owed a request: in flight, pending, and {@code unpublishedOwed}, the newest change of each. */
    private List<ChangedFile> owedFiles(Map<String, ChangedFile> unpublishedOwed) {
        Map<String, ChangedFile> all = new LinkedHashMap<>(inFlightFiles);
        all.putAll(pendingFiles);
        all.putAll(unpublishedOwed);
        return List.copyOf(all.values());
    }

    /**
     * The files announced by {@link #fileChanging} are in place: what they are owed becomes pending and the
     * quiet period starts again from now. Nothing to do when nothing was announced since the last call.
     */
    synchronized void filesPublished() {
        if (unpublished == null) {
            return;
        }
        ManagerRequest wanted = ManagerRequest.covering(pending, unpublished);
        unpublished = null;
        pendingFiles.putAll(unpublishedFiles);
        unpublishedFiles = new LinkedHashMap<>();
        long now = clockMillis.getAsLong();
        if (pending == null) {
            firstTriggerAt = now;
        }
        lastTriggerAt = now;
        if (wanted != pending) {
            log.info("{} of the resolver scheduled: requested once no file changed for {} ms, at most {} ms from "
                    + "the first change{}", capitalized(wanted), timing.quietPeriod().toMillis(),
                    timing.maxDelay().toMillis(), inFlight == null ? "" : ", after the " + inFlight.word()
                            + " in flight");
        }
        pending = wanted;
        if (inFlight == null && !closed) {
            wakeUpAt(dueTime());
        }
    }

    /** What the state file must say: the request covering everything owed, with {@code unpublished} as given. */
    private ManagerRequest owed(ManagerRequest unpublishedOwed) {
        return ManagerRequest.covering(unpublishedOwed, ManagerRequest.covering(pending, inFlight));
    }

    /** Stops scheduling; what is owed stays persisted. Does not stop a request in flight (see the caller). */
    synchronized void close() {
        closed = true;
        ManagerRequest owed = owed(unpublished);
        if (owed != null) {
            log.info("Stopping with a {} of the resolver still owed; it stays in {} and is requested after the "
                    + "next start", owed.word(), state.path());
        }
    }

    /** When the pending request is due: debounced, capped by the max delay, and not before a retry's backoff. */
    private long dueTime() {
        long debounced = Math.min(lastTriggerAt + timing.quietPeriod().toMillis(),
                firstTriggerAt + timing.maxDelay().toMillis());
        return Math.max(debounced, retryNotBefore);
    }

    private void wakeUpAt(long due) {
        if (wakeUpAt <= due) {
            return; // an earlier wake-up is already set; it looks again then
        }
        long id = ++wakeUpId;
        wakeUpAt = due;
        timer.schedule(() -> wakeUp(id), Math.max(0, due - clockMillis.getAsLong()));
    }

    private void wakeUp(long id) {
        ManagerRequest request;
        synchronized (this) {
            if (id != wakeUpId) {
                return;
            }
            wakeUpAt = Long.MAX_VALUE;
            if (closed || pending == null || inFlight != null) {
                return;
            }
            long due = dueTime();
            if (clockMillis.getAsLong() < due) {
                wakeUpAt(due);
                return;
            }
            request = pending;
            inFlight = request;
            inFlightFiles = pendingFiles;
            pendingFiles = new LinkedHashMap<>();
            inFlightFirstTriggerAt = firstTriggerAt;
            pending = null;
        }
        try {
            sender.send(request);
        } catch (IOException | RuntimeException e) {
            failed(request, e);
            return;
        }
        succeeded(request);
    }

    private synchronized void succeeded(ManagerRequest request) {
        inFlight = null;
        inFlightFiles = new LinkedHashMap<>();
        if (failures > 0) {
            log.warn("The resolver manager works again: {} accepted after {} attempts over {} s", request.word(),
                    failures + 1, (clockMillis.getAsLong() - failingSince) / 1000);
        }
        failures = 0;
        failingReasonKind = null;
        retryNotBefore = Long.MIN_VALUE;
        try {
            state.set(owed(unpublished), owedFiles(unpublishedFiles)); // what is pending or not yet published
        } catch (IOException e) {
            log.warn("Could not update {} ({}); after a restart the resolver may be asked once more than needed",
                    state.path(), e.toString());
        }
        if (pending != null && !closed) {
            wakeUpAt(dueTime());
        }
    }

    private synchronized void failed(ManagerRequest request, Exception e) {
        inFlight = null;
        Map<String, ChangedFile> stillOwed = inFlightFiles;
        stillOwed.putAll(pendingFiles); // the retry, or the request that covers it, is for both
        pendingFiles = stillOwed;
        inFlightFiles = new LinkedHashMap<>();
        if (closed) {
            // The failure is most likely the shutdown closing the connection; its detail would mislead.
            log.info("The {} request was cut short by the shutdown; it stays owed for the next start",
                    request.word());
            return;
        }
        failures++;
        long now = clockMillis.getAsLong();
        long wait = retryWait(failures);
        retryNotBefore = now + wait;
        ManagerRequest newer = pending;
        if (pending == null) {
            firstTriggerAt = inFlightFirstTriggerAt;
            lastTriggerAt = inFlightFirstTriggerAt;
        } else {
            firstTriggerAt = Math.min(firstTriggerAt, inFlightFirstTriggerAt);
        }
        pending = ManagerRequest.covering(pending, request);
        boolean absorbed = newer != null && newer != request && pending == newer;
        String next = absorbed ? "the " + pending.word() + " now pending covers it, requesting that" : "retrying";
        String reason = ManagerClient.reason(e);
        String kind = reasonKind(reason);
        long in = dueTime() - now;
        // One WARN per change of state: it starts failing, or fails for another reason; the rest at DEBUG.
        if (failures == 1) {
            failingSince = now;
            log.warn("The resolver manager is failing: the {} request failed ({}); {} in {} ms, then with a "
                    + "backoff up to {} ms until it is accepted. Further failures for the same reason are logged at "
                    + "DEBUG", request.word(), reason, next, in, timing.retryBackoffMax().toMillis());
        } else if (!kind.equals(failingReasonKind)) {
            log.warn("The resolver manager still fails, now for another reason: the {} request failed ({}); {} in "
                    + "{} ms (failure {} in a row, failing for {} s)", request.word(), reason, next, in, failures,
                    (now - failingSince) / 1000);
        } else {
            log.debug("The {} request to the resolver manager failed again ({}); {} in {} ms (failure {} in a row)",
                    request.word(), reason, next, in, failures);
        }
        failingReasonKind = kind;
        wakeUpAt(dueTime());
    }

    /**
     * What a failure's reason says, without what varies between attempts of one cause: the request's method
     * and path ({@code POST /renew} and {@code POST /reload} fail alike) and the body of an error answer.
     */
    static String reasonKind(String reason) {
        String kind = reason.replaceFirst("^(POST|GET) \\S+(: | )", "");
        return kind.replaceFirst("^(answered HTTP \\d+).*$", "$1");
    }

    /** The wait after the n-th failure in a row: the backoff doubled n-1 times, capped, minus up to JITTER. */
    long retryWait(int failureCount) {
        return backoff.waitAfter(failureCount);
    }

    private static String capitalized(ManagerRequest request) {
        String word = request.word();
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }
}
