package io.github.kresconnect.filesink.worker;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes; never a fixed sleep in place of a condition. */
final class Await {
    private static final Duration POLL = Duration.ofMillis(200);

    private Await() {
    }

    /**
     * Waits until {@code condition} returns true. An exception thrown by the condition counts as "not yet"
     * (the thing polled may not be up); the last one is reported on timeout, with {@code diagnosis}.
     */
    static void until(String what, Duration timeout, Callable<Boolean> condition, Supplier<String> diagnosis) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
                last = null;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                AssertionError error = new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting for "
                        + what + (last != null ? " (last error: " + last + ")" : "") + "\n" + diagnosis.get());
                if (last != null) {
                    error.initCause(last);
                }
                throw error;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }

    static void until(String what, Duration timeout, Callable<Boolean> condition) {
        until(what, timeout, condition, () -> "");
    }
}
