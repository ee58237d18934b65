package io.github.kresconnect.filesink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.metrics.SinkMetrics;
import io.github.kresconnect.filesink.notify.CapturedLog;
import io.github.kresconnect.filesink.store.MutableClock;

/** One WARN per change of state of the files directory, the backoff between attempts, and the metric. */
class FilesDirectoryOutageTest {
    private final MutableClock clock = new MutableClock(Instant.ofEpochMilli(1_000_000));
    private final SinkMetrics metrics = new SinkMetrics(clock::millis);
    private final FilesDirectoryOutage outage = new FilesDirectoryOutage(Path.of("/var/lib/files"),
            Duration.ofSeconds(1), Duration.ofSeconds(4), clock, metrics);

    private static List<String> warnings(CapturedLog log) {
        return log.at(Level.WARN).stream().map(CapturedLog.Line::message).toList();
    }

    @Test
    void warnsWhenItStartsFailingWhenTheReasonChangesAndWhenItWorksAgain() throws Exception {
        IOException full = new FileSystemException("/var/lib/files/a.rpz: No space left on device");
        try (CapturedLog log = CapturedLog.of(ResolverFileSinkTask.class.getName())) {
            assertEquals(1000, outage.failed(full));
            assertEquals(1_000_000L, metrics.snapshot().get("io-failing-since-epoch-ms"));
            assertEquals(1000, outage.millisUntilRetry());
            clock.advance(Duration.ofMillis(1000));
            assertEquals(0, outage.millisUntilRetry());
            assertEquals(List.of(2000L, 4000L, 4000L), List.of(outage.failed(full), outage.failed(full),
                    outage.failed(full)), "doubling up to the maximum");
            assertEquals(1, warnings(log).size(), "the same reason again: no WARN");
            outage.failed(new IOException("Input/output error"));
            clock.advance(Duration.ofSeconds(12));
            outage.recovered();
            assertEquals(List.of("Writing to files directory /var/lib/files failed: " + full + ". Delivery is "
                    + "paused and nothing is skipped or committed; it resumes from the last durable offsets once "
                    + "writing works again (retrying with a backoff from 1000 ms up to 4000 ms)",
                    "Writing to files directory /var/lib/files still fails, now with: java.io.IOException: "
                            + "Input/output error",
                    "Writing to files directory /var/lib/files works again after 5 failed attempt(s) over 13 s; "
                            + "delivery resumes from the last durable offsets"), warnings(log));
            assertEquals(0L, metrics.snapshot().get("io-failing-since-epoch-ms"));
            assertEquals(5L, metrics.snapshot().get("io-retries"));

            outage.recovered();
            assertEquals(3, warnings(log).size(), "working, and working again: nothing to say");
            assertEquals(1000, outage.failed(full), "a new failure starts from the first wait");
            assertEquals(4, warnings(log).size());
        }
    }
}
