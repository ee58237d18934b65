package io.github.kresconnect.filesink.retry;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The waits between attempts of something that keeps failing: the first wait after the first failure, doubled
 * after each further failure in a row, never above the maximum; with jitter, each wait is drawn between
 * {@code (1 - jitter)} and 1 times that. A first wait above the maximum waits the maximum. The one backoff of the connector: the files directory's retries, the
 * manager's requests and the receipts all wait this way.
 */
public final class Backoff {
    private final long initialMillis;
    private final long maxMillis;
    private final double jitter;
    private final DoubleSupplier random;
    private int failures;

    /** Without jitter. */
    public Backoff(Duration initial, Duration max) {
        this(initial, max, 0, () -> 0);
    }

    /**
     * @param jitter the share of each wait that may be taken off it, in [0, 1)
     * @param random uniform values in [0, 1)
     */
    public Backoff(Duration initial, Duration max, double jitter, DoubleSupplier random) {
        if (initial.isNegative() || max.isNegative()) {
            throw new IllegalArgumentException("a backoff from " + initial + " up to " + max);
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("jitter " + jitter + " is not in [0, 1)");
        }
        this.initialMillis = initial.toMillis();
        this.maxMillis = max.toMillis();
        this.jitter = jitter;
        this.random = random;
    }

    /** Counts one more failure in a row; the wait before the next attempt. */
    public Duration next() {
        failures++;
        return Duration.ofMillis(waitAfter(failures));
    }

    /** An attempt succeeded: the next failure waits the first wait again. */
    public void reset() {
        failures = 0;
    }

    /**
     * The wait after the {@code failureCount}-th failure in a row (from 1): the first wait doubled
     * {@code failureCount - 1} times, at most the maximum, less up to the jitter's share; at least 1 ms.
     */
    public long waitAfter(int failureCount) {
        long doubled = initialMillis << Math.min(Math.max(failureCount, 1) - 1, 30);
        long base = doubled < 0 ? maxMillis : Math.min(maxMillis, doubled);
        long off = (long) (base * jitter * random.getAsDouble());
        return Math.max(1, base - off);
    }
}
