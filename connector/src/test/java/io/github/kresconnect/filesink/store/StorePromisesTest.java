package io.github.kresconnect.filesink.store;

import static io.github.kresconnect.filesink.store.StoreDriver.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.record.FilePart;

/**
 * What the store promises across crashes and restarts, one case each: the journal's damage rules, version floors,
 * snapshots of what is placed, the reload owed after a reopen, the lock, the identity of the file in place, and
 * a forgotten partition.
 */
class StorePromisesTest {
    @TempDir
    Path root;

    private Path filesDir(String name) throws IOException {
        return Files.createDirectories(root.resolve(name));
    }

    private static Path journal(Path filesDir) {
        return filesDir.resolve(FileStore.STATE_DIR).resolve(FileStore.STORE_DIR).resolve(FileStore.JOURNAL);
    }

    private static FilePart signed(String name, String content, String id) {
        byte[] data = bytes(content);
        return new FilePart(name, 1, 1, data, new TransferIntegrity(String.format("%32s", id).replace(' ', '0'),
                data.length, TransferIntegrity.sha256HexOf(data)));
    }

    // ---------------------------------------------------------------- the journal

    @Test
    void aZeroFilledTailIsATornWriteAndTheStoreOpens() throws Exception {
        Path filesDir = filesDir("zeros");
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            driver.whole("a.txt", "one\n");
            driver.commit();
        }
        try (FileChannel journal = FileChannel.open(journal(filesDir), StandardOpenOption.WRITE)) {
            journal.write(ByteBuffer.allocate(4096), journal.size()); // an append whose pages never reached the disk
        }
        try (StoreDriver reopened = new StoreDriver(filesDir)) {
            assertEquals(1, reopened.store.durableOffset(StoreDriver.PARTITION).orElse(-1));
            assertEquals(FileStore.Applied.UNCHANGED, reopened.whole("a.txt", "one\n"));
        }
    }

    @Test
    void aDamagedEntryFollowedByAnIntactOneStopsTheStoreWithWhatToDo() throws Exception {
        Path filesDir = filesDir("damaged");
        long firstEntryEnd;
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            driver.store.compactAfter(Long.MAX_VALUE);
            driver.whole("a.txt", "one\n");
            driver.commit();
            firstEntryEnd = Files.size(journal(filesDir));
            driver.whole("b.txt", "two\n");
            driver.commit();
            driver.whole("c.txt", "three\n");
            driver.commit();
        }
        try (FileChannel journal = FileChannel.open(journal(filesDir), StandardOpenOption.WRITE)) {
            journal.write(ByteBuffer.wrap(new byte[] {0x55}), firstEntryEnd + 12); // inside the second entry
        }
        String before = Files.readString(filesDir.resolve("c.txt"));
        StoreDamagedException damaged = assertThrows(StoreDamagedException.class, () -> new StoreDriver(filesDir));
        assertTrue(damaged.getMessage().contains("at byte " + firstEntryEnd), damaged.getMessage());
        assertTrue(damaged.getMessage().contains("move the directory"), damaged.getMessage());
        assertEquals(before, Files.readString(filesDir.resolve("c.txt")), "nothing was changed");
        // The lock was let go: the operator's next start (after moving the store aside) works.
        Files.move(journal(filesDir).getParent(), filesDir.resolve("store-aside"));
        try (StoreDriver fresh = new StoreDriver(filesDir)) {
            assertEquals(FileStore.Applied.COMPLETED, fresh.whole("c.txt", "three\n"));
        }
    }

    @Test
    void aReceiptTooLargeToReadBackIsNeverWrittenAndTheStoreOpensAgain() throws Exception {
        Path filesDir = filesDir("receipt");
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            assertNull(driver.store.keepReceipt(bytes("key"), new byte[JournalOp.MAX_RECEIPT_BYTES + 1]));
            assertTrue(driver.store.keepReceipt(bytes("key"), bytes("small")) != null);
            driver.commit();
        }
        try (StoreDriver reopened = new StoreDriver(filesDir)) {
            assertEquals(1, reopened.store.keptReceipts().size());
        }
    }

    // ---------------------------------------------------------------- versions and the file in place

    @Test
    void aDroppedPublicationKeepsTheVersionFloorOfTheFileInPlace() throws Exception {
        Path filesDir = filesDir("floor");
        Path locked = Files.createDirectories(filesDir.resolve("locked"));
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            long now = driver.clock.millis();
            driver.apply(signed("locked/zone.rpz", "v10\n", "a"), now - 10);
            driver.commit();
            driver.apply(signed("locked/zone.rpz", "v20\n", "b"), now - 5);
            Immutable.set(locked, true);
            try {
                FileStore.Round round = driver.commit();
                assertEquals(1, round.failed().size(), "v20 could not be put in place");
            } finally {
                Immutable.set(locked, false);
            }
            driver.restart();
            RejectedFileException older = assertThrows(RejectedFileException.class,
                    () -> driver.apply(signed("locked/zone.rpz", "v5\n", "c"), now - 20));
            assertEquals(RejectedFileException.Kind.REPLAYED_VERSION, older.kind());
            assertEquals("v10\n", Files.readString(locked.resolve("zone.rpz")));
        }
    }

    @Test
    void anUnsignedFileNeverLowersTheVersionFloor() throws Exception {
        Path filesDir = filesDir("unsigned");
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            long now = driver.clock.millis();
            driver.apply(signed("zone.rpz", "v10\n", "a"), now - 10);
            driver.commit();
            driver.whole("zone.rpz", "unsigned\n"); // allowed while signatures.required=false
            driver.restart();
            assertThrows(RejectedFileException.class, () -> driver.apply(signed("zone.rpz", "v5\n", "b"), now - 20));
            assertEquals("unsigned\n", Files.readString(filesDir.resolve("zone.rpz")));
        }
    }

    @Test
    void theSameFileAgainBeforeItsRoundIsNotUnchangedWhenThatRoundDropsIt() throws Exception {
        Path filesDir = filesDir("resend");
        Path locked = Files.createDirectories(filesDir.resolve("locked"));
        boolean[] lockAtNextRound = {false};
        FileStore.StepHook hook = step -> {
            if (step.equals("round:start") && lockAtNextRound[0]) {
                lockAtNextRound[0] = false;
                try {
                    Immutable.set(locked, true); // the rename of that round fails: its publication is dropped
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        try (StoreDriver driver = new StoreDriver(filesDir, StoreFixtures.settings(), hook)) {
            driver.whole("locked/zone.rpz", "zone\n");
            lockAtNextRound[0] = true;
            FileStore.Applied again;
            try {
                again = driver.whole("locked/zone.rpz", "zone\n"); // before the round that drops the first copy
            } finally {
                Immutable.set(locked, false);
            }
            assertEquals(FileStore.Applied.COMPLETED, again, "a file that is not in place is never unchanged");
            FileStore.Round round = driver.commit();
            assertEquals(1, round.failed().size(), "the first copy was dropped: " + round);
            assertEquals(1, round.published().size(), "the second copy was published: " + round);
            assertEquals("zone\n", Files.readString(locked.resolve("zone.rpz")));
        }
    }

    @Test
    void aFileDeletedByHandIsPublishedAgainNotTakenForInPlace() throws Exception {
        Path filesDir = filesDir("deleted");
        StoreDriver driver = new StoreDriver(filesDir);
        try {
            driver.whole("a.txt", "one\n");
            driver.commit();
            driver.crashAndReopen(); // before the next round journaled the file's identity
            Files.delete(filesDir.resolve("a.txt"));
            assertEquals(FileStore.Applied.COMPLETED, driver.whole("a.txt", "one\n"));
            driver.commit();
            assertEquals("one\n", Files.readString(filesDir.resolve("a.txt")));
            driver.restart(); // now with its identity journaled
            Files.writeString(filesDir.resolve("a.txt"), "edited by hand\n");
            assertEquals(FileStore.Applied.COMPLETED, driver.whole("a.txt", "one\n"));
            driver.commit();
            assertEquals("one\n", Files.readString(filesDir.resolve("a.txt")));
        } finally {
            driver.close();
        }
    }

    @Test
    void aSnapshotAfterADroppedPublicationNeverTakesItForPlaced() throws Exception {
        Path filesDir = filesDir("snapshot");
        Path locked = Files.createDirectories(filesDir.resolve("locked"));
        StoreDriver driver = new StoreDriver(filesDir);
        try {
            driver.store.compactAfter(0); // every round compacts
            driver.whole("locked/zone.rpz", "zone\n");
            Immutable.set(locked, true);
            try {
                driver.commit(); // compacts right after the drop
            } finally {
                Immutable.set(locked, false);
            }
            driver.crashAndReopen(); // before another round journaled the drop
            assertEquals(FileStore.Applied.COMPLETED, driver.whole("locked/zone.rpz", "zone\n"));
            driver.commit();
            assertEquals("zone\n", Files.readString(locked.resolve("zone.rpz")));
        } finally {
            driver.close();
        }
    }

    // ---------------------------------------------------------------- the owed request after a reopen

    @Test
    void aPublicationRolledForwardByAReopenInTheSameProcessIsArmed() throws Exception {
        Path filesDir = filesDir("armed");
        List<String> events = new ArrayList<>();
        FileStore.Listener listener = new FileStore.Listener() {
            @Override
            public void beforePublishing(FileKind kind) {
                events.add("owe:" + kind);
            }

            @Override
            public void afterPublishing() {
                events.add("armed");
            }
        };
        FileStore.StepHook failAtRename = step -> {
            if (step.equals("place:renamed")) {
                throw new IllegalStateException("the environment failed after the commit point");
            }
        };
        FileStore store = FileStore.open(filesDir, StoreFixtures.settings(), new MutableClock(), failAtRename,
                listener);
        store.apply(new FilePart("config.json", 1, 1, bytes("{}\n"), null), "offset 0");
        store.markApplied(StoreDriver.PARTITION, 0);
        assertThrows(IllegalStateException.class, store::commit);
        store.close();
        assertEquals(List.of("owe:CONFIG"), events);
        FileStore reopened = FileStore.open(filesDir, StoreFixtures.settings(), new MutableClock(),
                FileStore.StepHook.NONE, listener);
        try {
            assertEquals(List.of("owe:CONFIG", "armed"), events, "the reopened store arms what it owed");
            assertEquals("{}\n", Files.readString(filesDir.resolve("config.json")));
        } finally {
            reopened.close();
        }
    }

    // ---------------------------------------------------------------- offsets

    @Test
    void aForgottenPartitionsOldOffsetNeverComesBackAfterAFailure() throws Exception {
        Path filesDir = filesDir("forgotten");
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            driver.nextOffset = 1000;
            driver.whole("a.txt", "old log\n");
            driver.commit();
            assertEquals(1001, driver.store.durableOffset(StoreDriver.PARTITION).orElse(-1));
            driver.store.forgetOffset(StoreDriver.PARTITION); // the topic was created again
            assertTrue(driver.store.durableOffset(StoreDriver.PARTITION).isEmpty(),
                    "the old log's offset is not committed to the new one");
            driver.nextOffset = 0;
            driver.whole("b.txt", "new log\n");
            assertTrue(driver.store.durableOffset(StoreDriver.PARTITION).isEmpty(), "not before its round");
            driver.commit();
            assertEquals(1, driver.store.durableOffset(StoreDriver.PARTITION).orElse(-1));
            driver.crashAndReopen();
            assertEquals(1, driver.store.durableOffset(StoreDriver.PARTITION).orElse(-1));
        }
    }

    // ---------------------------------------------------------------- the lock

    @Test
    void aSecondOpenInTheSameProcessLeavesTheFirstStoresLockHeld() throws Exception {
        Path filesDir = filesDir("lock");
        try (StoreDriver first = new StoreDriver(filesDir)) {
            assertThrows(StoreLockedException.class, () -> FileStore.open(filesDir, StoreFixtures.settings(),
                    new MutableClock(), FileStore.StepHook.NONE));
            assertFalse(LockProbe.canLock(lockFile(filesDir)), "another process still finds the files directory locked");
        }
        assertTrue(LockProbe.canLock(lockFile(filesDir)), "closed: the lock is free");
    }

    @Test
    void closeReleasesTheLockOnlyOnceTheRoundInProgressHasEnded() throws Exception {
        Path filesDir = filesDir("close");
        CountDownLatch inRound = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FileStore.StepHook hold = step -> {
            if (step.equals("round:journal-committed")) {
                inRound.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        FileStore store = FileStore.open(filesDir, StoreFixtures.settings(), new MutableClock(), hold);
        store.closeTimeout(java.time.Duration.ofMillis(100));
        store.apply(new FilePart("a.txt", 1, 1, bytes("one\n"), null), "offset 0");
        store.markApplied(StoreDriver.PARTITION, 0);
        store.commitAsync();
        assertTrue(inRound.await(30, TimeUnit.SECONDS));
        store.close(); // gives up waiting; the round may still rename
        assertFalse(LockProbe.canLock(lockFile(filesDir)), "still locked while the round runs");
        release.countDown();
        LockProbe.awaitFree(lockFile(filesDir));
        assertEquals("one\n", Files.readString(filesDir.resolve("a.txt")));
    }

    private static Path lockFile(Path filesDir) {
        return filesDir.resolve(FileStore.STATE_DIR).resolve(FileStore.STORE_DIR).resolve(FileStore.LOCK);
    }
}
