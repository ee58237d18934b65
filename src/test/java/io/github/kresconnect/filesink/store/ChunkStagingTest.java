package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkStagingTest {
    @TempDir
    Path filesDir;
    MutableClock clock;
    FileStore store;

    @BeforeEach
    void setUp() throws IOException {
        clock = new MutableClock();
        store = new FileStore(filesDir, StoreFixtures.settings(), clock);
        store.recover();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void outOfOrderChunksAreAssembledInIndexOrder() throws Exception {
        assertTrue(store.stageChunk("rpz/block.rpz", 3, 3, bytes("three\n")).isEmpty());
        assertTrue(store.stageChunk("rpz/block.rpz", 1, 3, bytes("one\n")).isEmpty());
        assertTrue(Files.isRegularFile(filesDir.resolve("rpz/block.rpz.chunks/1")), "chunk staged on disk");
        PreparedFile file = store.stageChunk("rpz/block.rpz", 2, 3, bytes("two\n")).orElseThrow();

        assertEquals("rpz/block.rpz", file.name());
        assertEquals(FileKind.DATA, file.kind());
        assertEquals(14, file.size());
        assertTrue(file.changesCurrentFile());
        assertArrayEquals(bytes("one\ntwo\nthree\n"), Files.readAllBytes(filesDir.resolve("rpz/block.rpz.tmp")));
        assertEquals(PublishOutcome.PUBLISHED, file.publish());
        assertArrayEquals(bytes("one\ntwo\nthree\n"), Files.readAllBytes(filesDir.resolve("rpz/block.rpz")));
        assertFalse(Files.exists(filesDir.resolve("rpz/block.rpz.chunks")), "chunk set removed after publish");
        assertFalse(Files.exists(filesDir.resolve("rpz/block.rpz.tmp")));
    }

    @Test
    void redeliveredChunkOverwritesTheEarlierCopy() throws Exception {
        assertTrue(store.stageChunk("a.rpz", 1, 2, bytes("first delivery, longer\n")).isEmpty());
        assertTrue(store.stageChunk("a.rpz", 1, 2, bytes("one\n")).isEmpty());
        assertTrue(store.stageChunk("a.rpz", 1, 2, bytes("one\n")).isEmpty());
        PreparedFile file = store.stageChunk("a.rpz", 2, 2, bytes("two\n")).orElseThrow();
        assertEquals(8, file.size());
        file.publish();
        assertArrayEquals(bytes("one\ntwo\n"), Files.readAllBytes(filesDir.resolve("a.rpz")));
    }

    @Test
    void aMissingChunkNeverAssembles() throws Exception {
        for (int round = 0; round < 3; round++) {
            assertEquals(Optional.empty(), store.stageChunk("gap.rpz", 1, 3, bytes("one\n")));
            assertEquals(Optional.empty(), store.stageChunk("gap.rpz", 3, 3, bytes("three\n")));
        }
        assertFalse(Files.exists(filesDir.resolve("gap.rpz")));
        assertFalse(Files.exists(filesDir.resolve("gap.rpz.tmp")));
    }

    @Test
    void aChunkWhoseTotalDisagreesIsRejectedAndTheStagedSetKept() throws Exception {
        store.stageChunk("t.rpz", 1, 3, bytes("one\n"));
        RejectedFileException e = assertThrows(RejectedFileException.class,
                () -> store.stageChunk("t.rpz", 2, 4, bytes("other transfer\n")));
        assertTrue(e.getMessage().contains("of 4") && e.getMessage().contains("of 3 chunks"), e.getMessage());
        assertEquals(RejectedFileException.Kind.INCONSISTENT_CHUNKS, e.kind());
        assertEquals(List.of("1", "total"), listing(filesDir.resolve("t.rpz.chunks")));

        store.stageChunk("t.rpz", 2, 3, bytes("two\n"));
        store.stageChunk("t.rpz", 3, 3, bytes("three\n")).orElseThrow().publish();
        assertArrayEquals(bytes("one\ntwo\nthree\n"), Files.readAllBytes(filesDir.resolve("t.rpz")));
    }

    @Test
    void chunkIndexOutOfRangeIsRejected() {
        for (int[] indexAndTotal : new int[][] {{0, 3}, {4, 3}, {-1, 3}, {1, 0}, {1, -2}}) {
            assertThrows(RejectedFileException.class,
                    () -> store.stageChunk("r.rpz", indexAndTotal[0], indexAndTotal[1], bytes("x")));
        }
        assertFalse(Files.exists(filesDir.resolve("r.rpz.chunks")));
    }

    @Test
    void chunksThatSplitMultibyteCharactersArriveByteIdentical() throws Exception {
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        for (int i = 0; i < 200; i++) {
            whole.writeBytes(bytes("P\u0159\u00edli\u0161 \u017elu\u0165ou\u010dk\u00fd k\u016f\u0148 \ud83d\udc0e "
                    + "\u65e5\u672c\u8a9e " + i + "\n"));
        }
        byte[] random = new byte[4096];
        new Random(7).nextBytes(random); // invalid UTF-8 and NUL bytes included
        whole.writeBytes(random);
        byte[] content = whole.toByteArray();
        // Odd chunk sizes cut through 2-, 3- and 4-byte sequences.
        int[] cuts = {0, 1, 2, 5, 7, 13, 101, 1001, 4099, 9001, content.length};
        int total = cuts.length - 1;
        Optional<PreparedFile> prepared = Optional.empty();
        for (int index = total; index >= 1; index--) {
            prepared = store.stageChunk("utf8/binary.dat", index, total,
                    Arrays.copyOfRange(content, cuts[index - 1], cuts[index]));
        }
        prepared.orElseThrow().publish();
        assertArrayEquals(content, Files.readAllBytes(filesDir.resolve("utf8/binary.dat")));
    }

    @Test
    void stagedBytesOverTheLimitRejectAndDiscardTheSet() throws Exception {
        store = new FileStore(filesDir, StoreFixtures.settings(100, 50), clock);
        store.stageChunk("big.rpz", 1, 3, new byte[60]);
        store.stageChunk("big.rpz", 1, 3, new byte[60]); // a redelivery does not count twice
        RejectedFileException e = assertThrows(RejectedFileException.class,
                () -> store.stageChunk("big.rpz", 2, 3, new byte[41]));
        assertTrue(e.getMessage().contains("limit of 100") && e.getMessage().contains("101"), e.getMessage());
        assertEquals(RejectedFileException.Kind.TOO_LARGE, e.kind());
        assertFalse(Files.exists(filesDir.resolve("big.rpz.chunks")), "a set that can never be valid is discarded");

        // A single chunk over the limit: no directory is made for it, and a set staged before goes.
        assertThrows(RejectedFileException.class, () -> store.stageChunk("new-dir/huge.rpz", 1, 2, new byte[101]));
        assertFalse(Files.exists(filesDir.resolve("new-dir")));
        store.stageChunk("huge.rpz", 1, 2, new byte[10]);
        assertThrows(RejectedFileException.class, () -> store.stageChunk("huge.rpz", 2, 2, new byte[101]));
        assertFalse(Files.exists(filesDir.resolve("huge.rpz.chunks")));

        assertThrows(RejectedFileException.class, () -> store.prepareWholeFile("whole.rpz", new byte[101]));
        assertFalse(Files.exists(filesDir.resolve("whole.rpz.tmp")));
        store.prepareWholeFile("whole.rpz", new byte[100]).publish();
        assertEquals(100, Files.size(filesDir.resolve("whole.rpz")));

        // Configs have their own limit.
        store.stageChunk("c.yaml", 1, 2, bytes("a: " + "x".repeat(40) + "\n"));
        assertThrows(RejectedFileException.class, () -> store.stageChunk("c.yaml", 2, 2, bytes("b: 1234567\n")));
        assertFalse(Files.exists(filesDir.resolve("c.yaml.chunks")));
        assertThrows(RejectedFileException.class, () -> store.prepareWholeFile("c.json", new byte[51]));
    }

    @Test
    void idleChunkSetsExpireOnTheInjectedClock() throws Exception {
        store.stageChunk("a.rpz", 1, 2, bytes("old one\n"));
        clock.advance(Duration.ofMinutes(30));
        assertEquals(List.of(), store.expireStaleChunkSets());
        store.stageChunk("b.rpz", 1, 2, bytes("b one\n"));
        clock.advance(Duration.ofMinutes(30));
        assertEquals(List.of(), store.expireStaleChunkSets(), "exactly the stale time is not yet stale");
        clock.advance(Duration.ofSeconds(1));

        assertEquals(List.of("a.rpz"), store.expireStaleChunkSets());
        assertFalse(Files.exists(filesDir.resolve("a.rpz.chunks")));
        assertTrue(Files.exists(filesDir.resolve("b.rpz.chunks")));

        // A late chunk of the abandoned transfer is never joined with its expired sibling.
        assertEquals(Optional.empty(), store.stageChunk("a.rpz", 2, 2, bytes("late two\n")));
        assertEquals(List.of("2", "total"), listing(filesDir.resolve("a.rpz.chunks")));

        clock.advance(Duration.ofMinutes(30));
        assertEquals(List.of("b.rpz"), store.expireStaleChunkSets());
    }

    @Test
    void chunkSetsStagedBehindTheStoresBackAreFoundByAPeriodicScanOnly() throws Exception {
        Duration staleAfter = Duration.ofMinutes(2); // scans at most every 30 s
        StoreSettings settings = new StoreSettings(StoreFixtures.CONFIG_SUFFIXES, 1000, 1000, staleAfter);
        store = new FileStore(filesDir, settings, clock);
        store.recover();
        new FileStore(filesDir, settings, clock).stageChunk("other.rpz", 1, 2, bytes("x"));

        clock.advance(Duration.ofSeconds(10));
        assertEquals(List.of(), store.expireStaleChunkSets()); // no scan yet: the set is unknown
        clock.advance(Duration.ofSeconds(30));
        assertEquals(List.of(), store.expireStaleChunkSets()); // scanned now (t=40 s): idle from here
        clock.advance(Duration.ofSeconds(100));
        assertEquals(List.of(), store.expireStaleChunkSets(), "found by a scan at t=10 s would have expired");
        clock.advance(Duration.ofSeconds(21));
        assertEquals(List.of("other.rpz"), store.expireStaleChunkSets());
        assertFalse(Files.exists(filesDir.resolve("other.rpz.chunks")));
    }

    @Test
    void aChunkSetSurvivesARestartAndItsIdleTimeRestartsAtRecovery() throws Exception {
        store.stageChunk("sub/r.rpz", 2, 3, bytes("two\n"));
        store.stageChunk("sub/r.rpz", 1, 3, bytes("one\n"));
        // An interrupted write of chunk 3 and an interrupted assembly left intermediates behind.
        Files.writeString(filesDir.resolve("sub/r.rpz.chunks/3.tmp"), "partial");
        Files.writeString(filesDir.resolve("sub/r.rpz.tmp"), "partial");

        clock.advance(Duration.ofHours(5)); // the worker was stopped
        FileStore restarted = new FileStore(filesDir, StoreFixtures.settings(), clock);
        restarted.recover();
        assertFalse(Files.exists(filesDir.resolve("sub/r.rpz.chunks/3.tmp")));
        assertFalse(Files.exists(filesDir.resolve("sub/r.rpz.tmp")));
        assertEquals(List.of(), restarted.expireStaleChunkSets(), "time while stopped does not count");

        PreparedFile file = restarted.stageChunk("sub/r.rpz", 3, 3, bytes("three\n")).orElseThrow();
        file.publish();
        assertArrayEquals(bytes("one\ntwo\nthree\n"), Files.readAllBytes(filesDir.resolve("sub/r.rpz")));
    }

    @Test
    void anUnfinishedSetFromBeforeARestartExpiresAfterTheStaleTime() throws Exception {
        store.stageChunk("s.rpz", 1, 2, bytes("one\n"));
        clock.advance(Duration.ofHours(5));
        FileStore restarted = new FileStore(filesDir, StoreFixtures.settings(), clock);
        restarted.recover();
        clock.advance(StoreFixtures.STALE_AFTER.plusSeconds(1));
        assertEquals(List.of("s.rpz"), restarted.expireStaleChunkSets());
        assertFalse(Files.exists(filesDir.resolve("s.rpz.chunks")));
    }

    @Test
    void anIoFailureWhileStagingLeavesAStateWhereTheSameCallSucceedsLater() throws Exception {
        store.stageChunk("io.rpz", 1, 2, bytes("one\n"));
        // Something in the way of chunk 2 that only the environment can clear (like a full disk).
        Path obstacle = Files.createDirectories(filesDir.resolve("io.rpz.chunks/2/in-the-way"));
        assertThrows(IOException.class, () -> store.stageChunk("io.rpz", 2, 2, bytes("two\n")));
        assertFalse(Files.exists(filesDir.resolve("io.rpz")));

        Files.delete(obstacle);
        Files.delete(obstacle.getParent());
        store.stageChunk("io.rpz", 2, 2, bytes("two\n")).orElseThrow().publish();
        assertArrayEquals(bytes("one\ntwo\n"), Files.readAllBytes(filesDir.resolve("io.rpz")));
    }

    @Test
    void aWholeFileSupersedesAnUnfinishedChunkSetOfTheSameName() throws Exception {
        store.stageChunk("w.rpz", 1, 2, bytes("stale one\n"));
        store.prepareWholeFile("w.rpz", bytes("whole\n")).publish();
        assertArrayEquals(bytes("whole\n"), Files.readAllBytes(filesDir.resolve("w.rpz")));
        assertFalse(Files.exists(filesDir.resolve("w.rpz.chunks")));
        // The abandoned transfer's remaining chunk cannot complete it with the removed chunk 1.
        assertEquals(Optional.empty(), store.stageChunk("w.rpz", 2, 2, bytes("stale two\n")));
    }

    private static List<String> listing(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
