package io.github.kresconnect.filesink.store;

import static io.github.kresconnect.filesink.store.StoreDriver.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * One transfer per chunk set, never a mix: the sequences that mixed two versions of a file before, and the
 * transfers that a stale set used to block.
 */
class TransferRulesTest {
    @TempDir
    Path filesDir;
    StoreDriver driver;

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private StoreDriver driver() throws Exception {
        driver = new StoreDriver(filesDir);
        return driver;
    }

    /** Chunk {@code index} of version {@code version}: content that names both, so a mix shows. */
    private static String chunk(String version, int index) {
        return version + "-" + index + "\n";
    }

    private static String whole(String version, int total) {
        StringBuilder out = new StringBuilder();
        for (int i = 1; i <= total; i++) {
            out.append(chunk(version, i));
        }
        return out.toString();
    }

    private static TransferIntegrity integrity(String id, String content) throws Exception {
        byte[] data = bytes(content);
        return new TransferIntegrity(String.format("%32s", id).replace(' ', '0'), data.length,
                TransferIntegrity.sha256HexOf(data));
    }

    private void sendAll(String name, String version, int total, int... order) throws Exception {
        for (int index : order) {
            driver.chunk(name, index, total, chunk(version, index));
        }
    }

    private String read(String name) throws IOException {
        return Files.readString(filesDir.resolve(name));
    }

    @Test
    void aTailRedeliveredAfterACrashChangesNothingAndTheNextVersionArrivesWhole() throws Exception {
        driver();
        sendAll("zone.rpz", "v1", 7, 1, 2, 3, 4, 5, 6, 7);
        driver.commit();
        assertEquals(whole("v1", 7), read("zone.rpz"));
        // A crash before Kafka's commit: it redelivers from offset 2 (chunks 3..7 of v1), then v2 follows.
        driver.crashAndReopen();
        driver.nextOffset = 2;
        sendAll("zone.rpz", "v1", 7, 3, 4, 5, 6, 7);
        sendAll("zone.rpz", "v2", 7, 1, 2, 3, 4, 5, 6, 7);
        driver.commit();
        assertEquals(whole("v2", 7), read("zone.rpz"));
        assertEquals(whole("v1", 7), read("zone.rpz.backup"));
        assertWorkDirEmpty();
    }

    @Test
    void aTailSentAgainAsNewRecordsNeverCompletesTheNextVersion() throws Exception {
        driver();
        sendAll("zone.rpz", "v1", 7, 1, 2, 3, 4, 5, 6, 7);
        driver.commit();
        sendAll("zone.rpz", "v1", 7, 3, 4, 5, 6, 7); // duplicates at new offsets, as a retrying producer sends
        sendAll("zone.rpz", "v2", 7, 1, 2, 3, 4, 5, 6, 7);
        driver.commit();
        assertEquals(whole("v2", 7), read("zone.rpz"), "v2's chunk 1 starts a transfer of its own: v1's tail is dropped");
        assertEquals(whole("v1", 7), read("zone.rpz.backup"));
        sendAll("zone.rpz", "v3", 7, 1, 2, 3, 4, 5, 6, 7);
        driver.commit();
        assertEquals(whole("v3", 7), read("zone.rpz"), "and so does every later version");
        assertWorkDirEmpty();
    }

    @Test
    void anAbortedTransferDoesNotHoldBackANewOneWithAnotherChunkCount() throws Exception {
        driver();
        sendAll("zone.rpz", "aborted", 10, 1, 2, 3, 4);
        sendAll("zone.rpz", "new", 6, 1, 2, 3, 4, 5, 6);
        driver.commit();
        assertEquals(whole("new", 6), read("zone.rpz"));
        assertTrue(driver.events.contains("discarded:zone.rpz"), driver.events.toString());
        assertWorkDirEmpty();
    }

    @Test
    void anAbortedTransferIsReplacedByANewOneWithTheSameChunkCount() throws Exception {
        driver();
        sendAll("zone.rpz", "aborted", 7, 1, 2, 3, 4);
        sendAll("zone.rpz", "new", 7, 1, 2, 3, 4, 5, 6, 7);
        driver.commit();
        assertEquals(whole("new", 7), read("zone.rpz"));
        assertWorkDirEmpty();
    }

    @Test
    void aResentTransferWhoseFirstChunksAreIdenticalKeepsThemAndArrivesWhole() throws Exception {
        driver();
        for (int i = 1; i <= 4; i++) {
            driver.chunk("zone.rpz", i, 7, i <= 3 ? chunk("same", i) : chunk("aborted", i));
        }
        for (int i = 1; i <= 7; i++) {
            FileStore.Applied applied = driver.chunk("zone.rpz", i, 7, i <= 3 ? chunk("same", i) : chunk("new", i));
            if (i <= 3) {
                assertEquals(FileStore.Applied.DUPLICATE, applied);
            }
        }
        driver.commit();
        assertEquals(chunk("same", 1) + chunk("same", 2) + chunk("same", 3) + chunk("new", 4) + chunk("new", 5)
                + chunk("new", 6) + chunk("new", 7), read("zone.rpz"));
    }

    @Test
    void chunkOneThenTheNextVersionInReverseOrderIsNeverMixedWithoutTransferIds() throws Exception {
        driver();
        driver.whole("zone.rpz", "v0\n");
        driver.commit();
        driver.chunk("zone.rpz", 1, 3, chunk("old", 1));
        assertEquals(FileStore.Applied.STAGED, driver.chunk("zone.rpz", 3, 3, chunk("new", 3)));
        assertEquals(FileStore.Applied.WAITING, driver.chunk("zone.rpz", 2, 3, chunk("new", 2)));
        driver.chunk("zone.rpz", 1, 3, chunk("new", 1));
        driver.commit();
        assertEquals("v0\n", read("zone.rpz"), "no guess is published: the file waits for its next transfer");
        sendAll("zone.rpz", "next", 3, 1, 2, 3);
        driver.commit();
        assertEquals(whole("next", 3), read("zone.rpz"));
    }

    @Test
    void chunkOneThenTheNextVersionInReverseOrderArrivesWholeWithTransferIds() throws Exception {
        driver();
        String old = whole("old", 3);
        String fresh = whole("new", 3);
        driver.chunk("zone.rpz", 1, 3, bytes(chunk("old", 1)), integrity("a", old));
        for (int index : new int[] {3, 2, 1}) {
            driver.chunk("zone.rpz", index, 3, bytes(chunk("new", index)), integrity("b", fresh));
        }
        driver.commit();
        assertEquals(fresh, read("zone.rpz"));
        assertWorkDirEmpty();
    }

    @Test
    void chunksOneAndTwoThenTheNextVersionAsThreeOneTwoArrivesWholeWithTransferIds() throws Exception {
        driver();
        String old = whole("old", 3);
        String fresh = whole("new", 3);
        driver.chunk("zone.rpz", 1, 3, bytes(chunk("old", 1)), integrity("a", old));
        driver.chunk("zone.rpz", 2, 3, bytes(chunk("old", 2)), integrity("a", old));
        for (int index : new int[] {3, 1, 2}) {
            driver.chunk("zone.rpz", index, 3, bytes(chunk("new", index)), integrity("b", fresh));
        }
        driver.commit();
        assertEquals(fresh, read("zone.rpz"));
        assertWorkDirEmpty();
    }

    @Test
    void aTransferWhoseBytesDoNotMatchItsDigestIsRejectedAndNothingChanges() throws Exception {
        driver();
        driver.whole("zone.rpz", "v0\n");
        driver.commit();
        TransferIntegrity announced = integrity("c", whole("sent", 2));
        driver.chunk("zone.rpz", 1, 2, bytes(chunk("sent", 1)), announced);
        RejectedFileException rejected = assertThrows(RejectedFileException.class,
                () -> driver.chunk("zone.rpz", 2, 2, bytes(chunk("tamp", 2)), announced));
        assertEquals(RejectedFileException.Kind.DIGEST_MISMATCH, rejected.kind());
        assertTrue(rejected.getMessage().contains(announced.sha256Hex()), rejected.getMessage());
        driver.commit();
        assertEquals("v0\n", read("zone.rpz"));
        assertWorkDirEmpty();
    }

    @Test
    void aSignedVersionThatIsNotNewerNeverRollsTheFileBackEvenAfterARestart() throws Exception {
        driver();
        String v100 = whole("v100", 2);
        driver.apply(new io.github.kresconnect.filesink.record.FilePart("zone.rpz", 1, 2, bytes(chunk("v100", 1)),
                integrity("a", v100)), 100);
        driver.apply(new io.github.kresconnect.filesink.record.FilePart("zone.rpz", 2, 2, bytes(chunk("v100", 2)),
                integrity("a", v100)), 100);
        driver.commit();
        driver.restart();
        RejectedFileException older = assertThrows(RejectedFileException.class, () -> driver.apply(
                new io.github.kresconnect.filesink.record.FilePart("zone.rpz", 1, 1, bytes("v50\n"), null), 50));
        assertEquals(RejectedFileException.Kind.REPLAYED_VERSION, older.kind());
        assertTrue(older.getMessage().startsWith("replayed or older version"), older.getMessage());
        assertEquals(FileStore.Applied.UNCHANGED, driver.apply(new io.github.kresconnect.filesink.record.FilePart(
                "zone.rpz", 1, 1, bytes(v100), null), 100), "an identical replay of the version in place is harmless");
        RejectedFileException same = assertThrows(RejectedFileException.class, () -> driver.apply(
                new io.github.kresconnect.filesink.record.FilePart("zone.rpz", 1, 1, bytes("other\n"), null), 100));
        assertEquals(RejectedFileException.Kind.REPLAYED_VERSION, same.kind());
        driver.commit();
        assertEquals(v100, read("zone.rpz"));
        driver.apply(new io.github.kresconnect.filesink.record.FilePart("zone.rpz", 1, 1, bytes("v200\n"), null), 200);
        driver.commit();
        assertEquals("v200\n", read("zone.rpz"));
        assertWorkDirEmpty();
    }

    @Test
    void aVersionFarAheadOfTheClockIsAppliedAndARevocationLowersItsFloorDurably() throws Exception {
        driver();
        long ahead = 1L << 62; // what a stolen key could sign: no clock is consulted
        var stolen = new io.github.kresconnect.filesink.record.FilePart("zone.rpz", 1, 1, bytes("stolen\n"), null);
        assertEquals(FileStore.Applied.COMPLETED, driver.store.apply(stolen, ahead, "offset 0"));
        driver.commit();
        assertEquals("stolen\n", read("zone.rpz"));
        var legitimate = new io.github.kresconnect.filesink.record.FilePart("zone.rpz", 1, 1, bytes("good\n"), null);
        RejectedFileException blocked = assertThrows(RejectedFileException.class,
                () -> driver.store.apply(legitimate, 1_800_000_000_000L, "offset 1"));
        assertEquals(RejectedFileException.Kind.REPLAYED_VERSION, blocked.kind());

        assertTrue(driver.store.applyRevocation(5, java.util.Set.of("0123456789abcdef"),
                java.util.Map.of("zone.rpz", 1_700_000_000_000L)));
        assertFalse(driver.store.applyRevocation(5, java.util.Set.of(), java.util.Map.of()), "not newer: no change");
        driver.commit();
        driver.close();
        try (StoreDriver reopened = new StoreDriver(filesDir)) {
            assertEquals(5, reopened.store.revocationVersion(), "the revocation survives a restart");
            assertEquals(java.util.Set.of("0123456789abcdef"), reopened.store.revokedKeys());
            assertFalse(reopened.store.applyRevocation(4, java.util.Set.of(), java.util.Map.of()),
                    "an older list does not replace a newer one");
            assertEquals(FileStore.Applied.COMPLETED, reopened.store.apply(legitimate, 1_800_000_000_000L,
                    "offset 1"), "the floor the stolen version raised was lowered");
            reopened.commit();
            RejectedFileException older = assertThrows(RejectedFileException.class, () -> reopened.store.apply(
                    new io.github.kresconnect.filesink.record.FilePart("zone.rpz", 1, 1, bytes("old\n"), null),
                    1_750_000_000_000L, "offset 2"));
            assertEquals(RejectedFileException.Kind.REPLAYED_VERSION, older.kind(), "and rises again");
        }
        assertEquals("good\n", read("zone.rpz"));
    }

    @Test
    void anIdenticalFileAgainIsUnchangedWithoutReadingTheFileInPlace() throws Exception {
        driver();
        driver.whole("a.txt", "same\n");
        driver.commit();
        assertEquals(FileStore.Applied.UNCHANGED, driver.whole("a.txt", "same\n"));
        FileStore.Round round = driver.commit();
        assertEquals(List.of(), round.published());
        assertFalse(Files.exists(filesDir.resolve("a.txt.backup")), "nothing was replaced");
    }

    @Test
    void aFileEditedInPlaceIsReplacedByTheSameContentAgain() throws Exception {
        driver();
        driver.whole("a.txt", "same\n");
        driver.commit();
        Files.writeString(filesDir.resolve("a.txt"), "edited by hand\n");
        assertEquals(FileStore.Applied.COMPLETED, driver.whole("a.txt", "same\n"));
        driver.commit();
        assertEquals("same\n", read("a.txt"));
        assertEquals("edited by hand\n", read("a.txt.backup"));
    }

    @Test
    void foreignTmpFilesAndDirectoriesSurviveRestartsUntouched() throws Exception {
        Files.writeString(filesDir.resolve("zone.tmp"), "an operator's file");
        Files.createDirectories(filesDir.resolve("work.tmp/inner"));
        Files.writeString(filesDir.resolve("work.tmp/inner/x"), "x");
        Files.createDirectories(filesDir.resolve("old.rpz.chunks"));
        Files.writeString(filesDir.resolve("old.rpz.chunks/1"), "a chunk set of an earlier layout");
        Files.createDirectories(filesDir.resolve("sub"));
        Files.writeString(filesDir.resolve("sub/data.tmp"), "deeper");
        TreeMap<String, String> before = StoreFixtures.snapshot(filesDir);
        driver();
        driver.whole("a.txt", "a\n");
        driver.commit();
        driver.crashAndReopen();
        driver.restart();
        TreeMap<String, String> after = StoreFixtures.snapshot(filesDir);
        after.keySet().removeIf(path -> path.equals("a.txt") || path.startsWith(FileStore.STATE_DIR));
        assertEquals(before, after);
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefused() throws Exception {
        driver();
        StoreLockedException refused = assertThrows(StoreLockedException.class,
                () -> FileStore.open(filesDir, StoreFixtures.settings(), new MutableClock(), FileStore.StepHook.NONE));
        assertTrue(refused.getMessage().contains("in use by another task or worker"), refused.getMessage());
    }

    @Test
    void aDirectoryTheWorkerMayNotWriteRejectsOnlyThatRecord() throws Exception {
        driver();
        Path locked = Files.createDirectories(filesDir.resolve("locked"));
        Immutable.set(locked, true);
        try {
            RejectedFileException rejected = assertThrows(RejectedFileException.class,
                    () -> driver.whole("locked/zone.rpz", "z\n"));
            assertEquals(RejectedFileException.Kind.PATH_CONFLICT, rejected.kind());
            assertTrue(rejected.getMessage().contains("locked"), rejected.getMessage());
            driver.whole("other.rpz", "o\n");
            driver.commit();
            assertEquals("o\n", read("other.rpz"));
            try (Stream<Path> inLocked = Files.list(locked)) {
                assertEquals(0, inLocked.count());
            }
        } finally {
            Immutable.set(locked, false);
        }
    }

    private void assertWorkDirEmpty() throws IOException {
        try (Stream<Path> work = Files.list(driver.store.workDir())) {
            assertEquals(List.of(), work.map(path -> path.getFileName().toString()).toList());
        }
    }
}
