package io.github.kresconnect.filesink;

import java.time.Duration;

/** Doubling waits between deliveries of a batch that keeps failing on I/O, capped. */
final class IoRetryBackoff {
    private final Duration initial;
    private final Duration max;
    private int failures;

    IoRetryBackoff(Duration initial, Duration max) {
        this.initial = initial;
        this.max = max;
    }

    Duration next() {
        long millis = initial.toMillis() << Math.min(failures, 30);
        failures++;
        return Duration.ofMillis(Math.min(Math.max(millis, initial.toMillis()), max.toMillis()));
    }

    void reset() {
        failures = 0;
    }
}
