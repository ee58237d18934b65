package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Timeline} reads one connector's batches and rounds from a worker's log, as the benchmark's workers log
 * them.
 */
class TimelineTest {
    private static final String LOGGER = " (io.github.kresconnect.filesink.timeline)";

    @TempDir
    Path dir;

    private static String created(String time, String connector) {
        return "[2026-12-07 " + time + "] INFO Creating connector " + connector + " of type x "
                + "(org.apache.kafka.connect.runtime.Worker)";
    }

    /** A round's line as the store logs it, {@code head} up to its first step's milliseconds. */
    private static String round(String time, String head, String syncing, String journal, String placing) {
        return "[2026-12-07 " + time + "] DEBUG Round of " + head + " ms awaiting their writes, " + syncing + " ms "
                + "syncing the data, " + journal + " ms appending the journal, " + placing + " ms placing the files"
                + LOGGER;
    }

    private Path log(String... lines) throws Exception {
        return Files.write(dir.resolve("worker.log"), List.of(lines), StandardCharsets.UTF_8);
    }

    @Test
    void readsOnlyItsConnectorsLines() throws Exception {
        Path log = log(
                created("23:31:44,700", "bench-small-run2"),
                "[2026-12-07 23:31:44,710] DEBUG Batch of 999 records" + LOGGER,
                created("23:31:44,772", "bench-small-run25"),
                "[2026-12-07 23:31:44,828] DEBUG Batch of 248 records" + LOGGER,
                round("23:31:44,873", "248 files, 497 operations: 23.5", "6.3", "2.4", "8.7"),
                "[2026-12-07 23:31:44,896] DEBUG Batch of 264 records" + LOGGER,
                round("23:31:44,981", "264 files, 2265 operations: 0.6", "1.3", "1.9", "4.1"),
                round("23:31:45,069", "0 files, 1265 operations: 0.0", "0.0", "2.4", "0.1"),
                created("23:31:45,100", "bench-small-run26"),
                "[2026-12-07 23:31:45,200] DEBUG Batch of 7 records" + LOGGER);
        Timeline timeline = Timeline.of(log, "bench-small-run25");
        assertTrue(timeline.measured());
        assertEquals(List.of(248, 264), timeline.batches().stream().map(Timeline.Batch::records).toList());
        assertEquals(3, timeline.rounds().size());
        assertEquals(68, timeline.handedOverMillis());
        assertEquals(85, timeline.tailMillis(), "to the end of the last round that placed files");
        assertEquals("512 records in 2 batches over 68 ms; the last in place 85 ms after the last batch; 2 rounds",
                timeline.summary());
        assertEquals("batches (records at ms): 248 at 0, 264 at 68; rounds (files: from ms to ms, awaiting their "
                + "writes + syncing the data + appending the journal + placing the files): 248: 4 to 45, 23.5 + 6.3 + "
                + "2.4 + 8.7; 264: 145 to 153, 0.6 + 1.3 + 1.9 + 4.1", timeline.describe());
    }

    @Test
    void aLogWithoutTheLoggersLinesIsNotMeasured() throws Exception {
        Path log = log(created("23:31:44,772", "bench-small"), "[2026-12-07 23:31:44,828] INFO Published 2000 files "
                + "(io.github.kresconnect.filesink.ResolverFileSinkTask)");
        assertFalse(Timeline.of(log, "bench-small").measured());
    }
}
