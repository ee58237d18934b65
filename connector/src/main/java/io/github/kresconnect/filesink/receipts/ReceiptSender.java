package io.github.kresconnect.filesink.receipts;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.retry.Backoff;

/**
 * Sends receipts without ever holding the task back: {@link #offer} only appends to a bounded in-memory queue
 * (dropping the oldest receipt, counted, when it is full); one background thread sends them in batches and
 * retries what failed, with a backoff, for as long as the sender runs. A receipt is sent at least once unless
 * it is dropped. One still queued when the sender closes is counted dropped, unless it is kept durably elsewhere
 * (offered with a settlement callback): then it is left for the next start. Failures are counted and logged
 * once per change of state (working, failing, dropping), never once per receipt.
 */
public final class ReceiptSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReceiptSender.class);

    static final String THREAD_NAME = "resolver-file-sink-receipts";
    static final int BATCH = 500;
    static final Duration BACKOFF = Duration.ofMillis(500);
    static final Duration BACKOFF_MAX = Duration.ofSeconds(30);

    /** Delivers one batch; what it cannot deliver it returns (or throws, for the whole batch). */
    public interface Transport extends AutoCloseable {
        /** Blocks until every receipt is acknowledged or failed; returns the failed ones (the same objects). */
        List<EncodedReceipt> send(List<EncodedReceipt> batch) throws Exception;

        /** Where receipts go, for log lines. */
        String description();

        /**
         * Checked once when the sender starts, before any receipt is sent: what stands in the way of sending (a
         * topic that is missing and could not be created, a principal refused), in the operator's terms with the
         * fix, or empty when receipts can go out. Blocks for as long as the transport's own timeouts allow.
         */
        default Optional<String> check() {
            return Optional.empty();
        }

        /**
         * Why a batch failed, in the operator's terms (an unreachable broker is not a missing topic); called on the
         * sender's thread right after the failure.
         */
        default String explain(Exception failure) {
            return failure.toString();
        }

        @Override
        void close();
    }

    /** What the sender counts (the task's metrics). */
    public interface Counters {
        Counters NONE = new Counters() {
        };

        default void sent(int count) {
        }

        default void failed(int count) {
        }

        default void dropped(int count) {
        }
    }

    private final Supplier<Transport> transports;
    private final Counters counters;
    private final int capacity;
    private final Duration closeTimeout;
    private final Deque<Entry> queue = new ArrayDeque<>();
    private final Thread thread;
    private boolean closed;
    private boolean dropping;
    /** Only the sender thread touches these. */
    private Transport transport;
    private boolean failing;
    /** Why sending fails, as last logged: a new reason while failing is logged once more. */
    private String failingReason;
    private long failures;

    /**
     * @param transports   makes the transport, in the sender's thread (so a failure to make it is retried too)
     * @param capacity     receipts held at most; the oldest is dropped beyond
     * @param closeTimeout how long {@link #close} lets queued receipts go out
     */
    public ReceiptSender(Supplier<Transport> transports, Counters counters, int capacity, Duration closeTimeout) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.transports = transports;
        this.counters = counters;
        this.capacity = capacity;
        this.closeTimeout = closeTimeout;
        this.thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
    }

    /** A queued receipt and what to tell once it is settled (or null). */
    private record Entry(EncodedReceipt receipt, Runnable settled) {
        void settle() {
            if (settled != null) {
                settled.run();
            }
        }
    }

    /** Queues a receipt; never blocks on the network. */
    public void offer(Receipt receipt) {
        offer(EncodedReceipt.of(receipt), null);
    }

    /** As {@link #offer(EncodedReceipt, Runnable)}, encoding the receipt first. */
    public void offer(Receipt receipt, Runnable settled) {
        offer(EncodedReceipt.of(receipt), settled);
    }

    /**
     * Queues a receipt that is kept durably elsewhere; {@code settled} is run (on any thread, without blocking)
     * once the topic acknowledged it, or once it is dropped from the full queue: either way it need not be kept
     * any longer. Not run for a receipt still queued when the sender closes: it is sent after the next start.
     */
    public void offer(EncodedReceipt receipt, Runnable settled) {
        List<Entry> dropped;
        synchronized (this) {
            if (closed) {
                return;
            }
            queue.addLast(new Entry(receipt, settled));
            dropped = trim();
            notifyAll();
        }
        countDropped(dropped);
    }

    /** Receipts waiting to be sent. */
    public synchronized int queued() {
        return queue.size();
    }

    /** Drops the oldest receipts beyond capacity; called holding the lock. */
    private List<Entry> trim() {
        List<Entry> dropped = new ArrayList<>(0);
        while (queue.size() > capacity) {
            dropped.add(queue.removeFirst());
        }
        return dropped;
    }

    private void countDropped(List<Entry> dropped) {
        if (dropped.isEmpty()) {
            return;
        }
        dropped.forEach(Entry::settle);
        counters.dropped(dropped.size());
        boolean first;
        synchronized (this) {
            first = !dropping;
            dropping = true;
        }
        if (first) {
            log.warn("Receipts queue is full ({} receipts): the oldest receipts are dropped (counted in "
                    + "receipts-dropped) until it drains; file delivery is not affected", capacity);
        }
    }

    private void run() {
        checkAtStart();
        Backoff backoff = new Backoff(BACKOFF, BACKOFF_MAX);
        while (true) {
            List<Entry> batch = new ArrayList<>();
            synchronized (this) {
                while (queue.isEmpty() && !closed) {
                    if (dropping) {
                        dropping = false;
                        log.info("Receipts queue drained; receipts are no longer dropped");
                    }
                    waitQuietly(0);
                }
                if (queue.isEmpty()) {
                    break;
                }
                while (!queue.isEmpty() && batch.size() < BATCH) {
                    batch.add(queue.removeFirst());
                }
            }
            List<Entry> failed = deliver(batch);
            if (failed.isEmpty()) {
                backoff.reset();
                continue;
            }
            List<Entry> dropped;
            synchronized (this) {
                for (int i = failed.size() - 1; i >= 0; i--) {
                    queue.addFirst(failed.get(i)); // retried first, in their order
                }
                dropped = trim();
                if (closed) {
                    break;
                }
                waitQuietly(backoff.next().toMillis());
            }
            countDropped(dropped);
        }
        if (transport != null) {
            transport.close();
        }
    }

    /**
     * Makes the transport and checks it once, on this thread (the task never waits for it): a problem is logged
     * as an ERROR, since no receipt will go out until the operator acts, but the task goes on delivering files
     * (receipts are kept and retried; see "Receipts never hold files back" in docs/operator.md). A transport that
     * cannot be made is made again, and its failure logged, at the first send.
     */
    private void checkAtStart() {
        try {
            transport = transports.get();
        } catch (RuntimeException e) {
            return;
        }
        Optional<String> problem;
        try {
            problem = transport.check();
        } catch (RuntimeException e) {
            problem = Optional.of(e.toString());
        }
        problem.ifPresent(why -> log.error("Receipts cannot be sent to {}: {}. Files are delivered meanwhile; this "
                + "host's receipts are kept (up to {}) and retried in the background, and go out once this is fixed",
                transport.description(), why, capacity));
    }

    private List<Entry> deliver(List<Entry> batch) {
        List<Entry> failed;
        String reason = null;
        try {
            if (transport == null) {
                transport = transports.get();
            }
            Set<EncodedReceipt> notSent = Collections.newSetFromMap(new IdentityHashMap<>());
            notSent.addAll(transport.send(batch.stream().map(Entry::receipt).toList()));
            failed = new ArrayList<>(notSent.size());
            for (Entry entry : batch) {
                if (notSent.contains(entry.receipt())) {
                    failed.add(entry);
                } else {
                    entry.settle();
                }
            }
        } catch (Exception e) {
            failed = batch;
            reason = transport == null ? e.toString() : transport.explain(e);
        }
        int sent = batch.size() - failed.size();
        if (sent > 0) {
            counters.sent(sent);
        }
        if (failed.isEmpty()) {
            if (failing) {
                log.info("Receipts are delivered again to {} after {} failed attempt(s)", transport.description(),
                        failures);
                failing = false;
                failingReason = null;
                failures = 0;
            }
            return failed;
        }
        counters.failed(failed.size());
        failures++;
        String why = reason == null ? "see the producer's log" : reason;
        if (!failing || !why.equals(failingReason)) { // once per change of state, never per retry
            failing = true;
            failingReason = why;
            log.warn("Could not send {} receipt(s){}: {}. They are kept (up to {}) and retried in the background; "
                    + "file delivery is not affected", failed.size(),
                    transport == null ? "" : " to " + transport.description(),
                    why, capacity);
        }
        return failed;
    }

    private void waitQuietly(long millis) {
        try {
            wait(millis);
        } catch (InterruptedException e) {
            closed = true;
        }
    }

    /** Lets queued receipts go out for up to the close timeout, then stops; what is left is counted dropped. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        try {
            thread.join(closeTimeout.toMillis());
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(closeTimeout.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left;
        int kept;
        synchronized (this) {
            kept = (int) queue.stream().filter(entry -> entry.settled() != null).count();
            left = queue.size() - kept;
            queue.clear();
        }
        if (kept > 0) {
            log.info("{} receipt(s) could not be sent before stopping; they are kept and sent after the next start",
                    kept);
        }
        if (left > 0) {
            counters.dropped(left);
            log.warn("{} receipt(s) could not be sent before stopping and are dropped", left);
        }
    }
}
