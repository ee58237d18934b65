package io.github.kresconnect.filesink;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.metrics.SinkMetrics;
import io.github.kresconnect.filesink.retry.Backoff;
import io.github.kresconnect.filesink.store.HostConditionException;

/**
 * While the files directory fails (disk full, I/O error, missing, unwritable): when to try again, what the
 * metrics say, and the log lines: one WARN when it starts failing, one per change of reason, one when it works
 * again, DEBUG otherwise. The task keeps the offsets (rewinding, pausing and resuming delivery); this keeps the
 * time.
 */
final class FilesDirectoryOutage {
    private static final Logger log = LoggerFactory.getLogger(ResolverFileSinkTask.class);

    private final Path filesDir;
    private final Duration firstWait;
    private final Duration maxWait;
    private final Backoff backoff;
    private final Clock clock;
    private final SinkMetrics metrics;
    private long retryAtMillis;
    private long failingSinceMillis = -1;
    private int failedAttempts;
    private String lastFailure;

    FilesDirectoryOutage(Path filesDir, Duration firstWait, Duration maxWait, Clock clock, SinkMetrics metrics) {
        this.filesDir = filesDir;
        this.firstWait = firstWait;
        this.maxWait = maxWait;
        this.backoff = new Backoff(firstWait, maxWait);
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Another failure: logged and counted; returns how long to wait before the next attempt, in ms. */
    long failed(IOException e) {
        long now = clock.millis();
        Duration wait = backoff.next();
        retryAtMillis = now + wait.toMillis();
        failedAttempts++;
        metrics.ioRetry();
        String reason = e instanceof HostConditionException ? e.getMessage() : e.toString();
        if (failingSinceMillis < 0 && e instanceof HostConditionException) {
            failingSinceMillis = now;
            metrics.ioFailingSince(now);
            log.warn("Delivery to files directory {} is paused: {} (retrying with a backoff from {} ms up to {} ms)",
                    filesDir, reason, firstWait.toMillis(), maxWait.toMillis());
        } else if (failingSinceMillis < 0) {
            failingSinceMillis = now;
            metrics.ioFailingSince(now);
            log.warn("Writing to files directory {} failed: {}. Delivery is paused and nothing is skipped or "
                    + "committed; it resumes from the last durable offsets once writing works again (retrying with a "
                    + "backoff from {} ms up to {} ms)", filesDir, reason, firstWait.toMillis(), maxWait.toMillis());
        } else if (!reason.equals(lastFailure)) {
            log.warn("Writing to files directory {} still fails, now with: {}", filesDir, reason);
        } else {
            log.debug("Writing to files directory {} still fails ({}); next attempt in {} ms", filesDir, reason,
                    wait.toMillis());
        }
        lastFailure = reason;
        return wait.toMillis();
    }

    /** How long until the next attempt is due, in ms; 0 when it is due. */
    long millisUntilRetry() {
        return Math.max(0, retryAtMillis - clock.millis());
    }

    /** An attempt worked: logged when there was a failure, and the next failure starts from the first wait. */
    void recovered() {
        if (failingSinceMillis >= 0) {
            log.warn("Writing to files directory {} works again after {} failed attempt(s) over {} s; delivery "
                    + "resumes from the last durable offsets", filesDir, failedAttempts,
                    (clock.millis() - failingSinceMillis) / 1000);
        }
        failingSinceMillis = -1;
        failedAttempts = 0;
        lastFailure = null;
        metrics.ioFailingSince(0);
        backoff.reset();
    }
}
