package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal is compacted when it has grown, not at every round once the store holds many files: a snapshot
 * names every file in place, so past the fixed size it would be rewritten whole by every round that follows.
 */
class JournalCompactionTest {
    private static final int FILES = 400;
    private static final long FIXED = 4096;

    @TempDir
    Path root;

    @Test
    void aSnapshotLargerThanTheFixedSizeIsRewrittenOnlyOnceTheJournalHasDoubled() throws Exception {
        Path filesDir = Files.createDirectories(root.resolve("files"));
        AtomicInteger compactions = new AtomicInteger();
        long journalBytes;
        try (StoreDriver driver = new StoreDriver(filesDir, StoreFixtures.settings(), step -> {
            if (step.equals("compaction:done")) {
                compactions.incrementAndGet();
            }
        })) {
            driver.store.compactAfterAtLeast(FIXED);
            for (int i = 0; i < FILES; i++) { // a round each: the snapshot grows past the fixed size early on
                driver.whole(String.format("zone-%04d.rpz", i), "file " + i + "\n");
                driver.commit();
            }
            journalBytes = Files.size(filesDir.resolve(FileStore.STATE_DIR).resolve(FileStore.STORE_DIR)
                    .resolve(FileStore.JOURNAL));
        }
        // Each compaction at least doubles the journal's size at the one before: a handful, not one per round.
        assertTrue(compactions.get() >= 2, "the journal was compacted " + compactions.get() + " times");
        assertTrue(compactions.get() <= 10, "the journal was compacted " + compactions.get() + " times in " + FILES
                + " rounds (" + journalBytes + " bytes at the end)");
        try (StoreDriver reopened = new StoreDriver(filesDir)) {
            assertEquals(FILES, reopened.store.durableOffset(StoreDriver.PARTITION).orElse(-1));
            for (int i = 0; i < FILES; i++) {
                assertEquals("file " + i + "\n", Files.readString(filesDir.resolve(String.format("zone-%04d.rpz",
                        i))));
                assertEquals(FileStore.Applied.UNCHANGED, reopened.whole(String.format("zone-%04d.rpz", i),
                        "file " + i + "\n"), "file " + i + " is known as in place after the compactions");
            }
        }
    }
}
