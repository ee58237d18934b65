package io.github.kresconnect.filesink.store;

import static io.github.kresconnect.filesink.store.StoreDriver.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.store.FileStore.Applied;

class ChunkStagingTest {
    @TempDir
    Path filesDir;
    StoreDriver driver;

    @BeforeEach
    void setUp() throws Exception {
        driver = new StoreDriver(filesDir);
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void outOfOrderChunksOfATransferAreAssembledInIndexOrder() throws Exception {
        byte[] whole = bytes("one\ntwo\nthree\n");
        TransferIntegrity integrity = StoreFixtures.integrity(1, whole);
        assertEquals(Applied.STAGED, driver.chunk("rpz/block.rpz", 3, 3, bytes("three\n"), integrity));
        assertEquals(Applied.STAGED, driver.chunk("rpz/block.rpz", 1, 3, bytes("one\n"), integrity));
        assertTrue(StoreFixtures.workFiles(filesDir).stream().anyMatch(name -> name.endsWith(".c3")),
                "the out-of-order chunk is held apart: " + StoreFixtures.workFiles(filesDir));
        assertEquals(Applied.COMPLETED, driver.chunk("rpz/block.rpz", 2, 3, bytes("two\n"), integrity));
        assertFalse(Files.exists(filesDir.resolve("rpz/block.rpz")), "published only by the round");

        FileStore.Round round = driver.commit();
        assertEquals(1, round.published().size());
        FileStore.Publication publication = round.published().get(0);
        assertEquals("rpz/block.rpz", publication.name());
        assertEquals(FileKind.DATA, publication.kind());
        assertEquals(14, publication.size());
        assertEquals(StoreFixtures.sha256(whole), publication.sha256());
        assertEquals(List.of(), round.failed());
        assertArrayEquals(whole, Files.readAllBytes(filesDir.resolve("rpz/block.rpz")));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir), "nothing of the transfer is left after publishing");
        assertEquals(List.of(".resolver-file-sink", "rpz", "rpz/block.rpz"), visibleTree());
    }

    @Test
    void withoutATransferIdChunksOutOfOrderAreNeverPublishedAsASet() throws Exception {
        // Chunk 3 joins the set {1} out of order: it could be another transfer's, so the set waits.
        assertEquals(Applied.STAGED, driver.chunk("joined.rpz", 1, 3, "one\n"));
        assertEquals(Applied.STAGED, driver.chunk("joined.rpz", 3, 3, "three\n"));
        assertEquals(Applied.WAITING, driver.chunk("joined.rpz", 2, 3, "two\n"));
        assertEquals(List.of("discarded:joined.rpz"), driver.events);
        // A set that began out of order is dropped when a chunk 1 arrives: that begins a transfer.
        assertEquals(Applied.STAGED, driver.chunk("remnant.rpz", 3, 3, "three\n"));
        assertEquals(Applied.STAGED, driver.chunk("remnant.rpz", 1, 3, "one\n"));
        assertEquals(List.of("discarded:joined.rpz", "discarded:remnant.rpz"), driver.events);
        assertEquals(Applied.STAGED, driver.chunk("remnant.rpz", 2, 3, "two\n"));

        assertEquals(List.of(), driver.commit().published());
        assertFalse(Files.exists(filesDir.resolve("joined.rpz")));
        assertFalse(Files.exists(filesDir.resolve("remnant.rpz")));
        assertEquals(List.of(".resolver-file-sink"), visibleTree());
        // In order, the file completes.
        assertEquals(Applied.COMPLETED, driver.chunk("remnant.rpz", 3, 3, "three\n"));
        driver.commit();
        assertEquals("one\ntwo\nthree\n", Files.readString(filesDir.resolve("remnant.rpz")));
        // The waiting set left nothing behind either.
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
    }

    @Test
    void aChunkRepeatedWithOtherBytesStartsANewTransferAndTheSameBytesAreADuplicate() throws Exception {
        assertEquals(Applied.STAGED, driver.chunk("a.rpz", 1, 2, "first delivery, longer\n"));
        assertEquals(Applied.STAGED, driver.chunk("a.rpz", 1, 2, "one\n"));
        assertEquals(List.of("discarded:a.rpz"), driver.events);
        assertEquals(Applied.DUPLICATE, driver.chunk("a.rpz", 1, 2, "one\n"));
        assertEquals(Applied.COMPLETED, driver.chunk("a.rpz", 2, 2, "two\n"));
        FileStore.Round round = driver.commit();
        assertEquals(8, round.published().get(0).size());
        assertArrayEquals(bytes("one\ntwo\n"), Files.readAllBytes(filesDir.resolve("a.rpz")));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
    }

    @Test
    void aMissingChunkNeverAssembles() throws Exception {
        List<Applied> outcomes = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            outcomes.add(driver.chunk("gap.rpz", 1, 3, "one\n"));
            outcomes.add(driver.chunk("gap.rpz", 3, 3, "three\n"));
            assertEquals(List.of(), driver.commit().published());
        }
        assertEquals(List.of(Applied.STAGED, Applied.STAGED, Applied.DUPLICATE, Applied.DUPLICATE, Applied.DUPLICATE,
                Applied.DUPLICATE), outcomes);
        assertFalse(Files.exists(filesDir.resolve("gap.rpz")));
        assertEquals(List.of(".resolver-file-sink"), visibleTree());
    }

    @Test
    void aChunkWithAnotherTotalStartsANewTransferAndTheOldSetIsDiscarded() throws Exception {
        assertEquals(Applied.STAGED, driver.chunk("t.rpz", 1, 3, "one\n"));
        assertEquals(Applied.STAGED, driver.chunk("t.rpz", 2, 4, "other transfer\n"));
        assertEquals(List.of("discarded:t.rpz"), driver.events);
        driver.commit();
        List<String> work = StoreFixtures.workFiles(filesDir);
        assertEquals(1, work.stream().map(name -> name.substring(0, name.indexOf('.'))).distinct().count(),
                "only the new transfer's work files are left: " + work);

        // The rest of the 3-chunk transfer arrives: its chunk 1 went with the discarded set, so it never completes.
        assertEquals(Applied.STAGED, driver.chunk("t.rpz", 2, 3, "two\n"));
        assertEquals(Applied.STAGED, driver.chunk("t.rpz", 3, 3, "three\n"));
        assertEquals(List.of("discarded:t.rpz", "discarded:t.rpz"), driver.events);
        assertEquals(List.of(), driver.commit().published());
        assertFalse(Files.exists(filesDir.resolve("t.rpz")));

        // A new transfer in order replaces the held set and is published as sent.
        driver.chunk("t.rpz", 1, 2, "uno\n");
        assertEquals(Applied.COMPLETED, driver.chunk("t.rpz", 2, 2, "dos\n"));
        driver.commit();
        assertEquals("uno\ndos\n", Files.readString(filesDir.resolve("t.rpz")));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
    }

    @Test
    void chunkIndexOutOfRangeIsRejected() throws Exception {
        for (int[] indexAndTotal : new int[][] {{0, 3}, {4, 3}, {-1, 3}, {1, 0}, {1, -2}}) {
            RejectedFileException e = assertThrows(RejectedFileException.class,
                    () -> driver.chunk("r.rpz", indexAndTotal[0], indexAndTotal[1], "x"));
            assertEquals(RejectedFileException.Kind.INCONSISTENT_CHUNKS, e.kind());
        }
        driver.commit();
        assertFalse(Files.exists(filesDir.resolve("r.rpz")));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
        assertEquals(List.of(".resolver-file-sink"), visibleTree());
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
        TransferIntegrity integrity = StoreFixtures.integrity(7, content);
        // Odd chunk sizes cut through 2-, 3- and 4-byte sequences; they arrive last first.
        int[] cuts = {0, 1, 2, 5, 7, 13, 101, 1001, 4099, 9001, content.length};
        int total = cuts.length - 1;
        List<Applied> outcomes = new ArrayList<>();
        for (int index = total; index >= 1; index--) {
            outcomes.add(driver.chunk("utf8/binary.dat", index, total,
                    Arrays.copyOfRange(content, cuts[index - 1], cuts[index]), integrity));
        }
        assertEquals(Applied.COMPLETED, outcomes.get(total - 1));
        assertFalse(outcomes.subList(0, total - 1).contains(Applied.COMPLETED), outcomes.toString());
        FileStore.Round round = driver.commit();
        assertEquals(StoreFixtures.sha256(content), round.published().get(0).sha256());
        assertArrayEquals(content, Files.readAllBytes(filesDir.resolve("utf8/binary.dat")));
    }

    @Test
    void heldBytesOverTheLimitRejectAndDiscardTheSet() throws Exception {
        driver.close();
        driver = new StoreDriver(filesDir, StoreFixtures.settings(100, 50), FileStore.StepHook.NONE);
        assertEquals(Applied.STAGED, driver.chunk("big.rpz", 1, 3, new byte[60]));
        assertEquals(Applied.DUPLICATE, driver.chunk("big.rpz", 1, 3, new byte[60]), "a redelivery does not count twice");
        RejectedFileException e = assertThrows(RejectedFileException.class,
                () -> driver.chunk("big.rpz", 2, 3, new byte[41]));
        assertTrue(e.getMessage().contains("limit of 100") && e.getMessage().contains("101"), e.getMessage());
        assertEquals(RejectedFileException.Kind.TOO_LARGE, e.kind());
        assertEquals(List.of("discarded:big.rpz"), driver.events, "a set that can never be valid is discarded");
        // The last chunk alone then cannot complete anything.
        assertEquals(Applied.STAGED, driver.chunk("big.rpz", 3, 3, new byte[1]));

        // A single chunk over the limit, and a set held before goes.
        assertThrows(RejectedFileException.class, () -> driver.chunk("huge.rpz", 1, 2, new byte[101]));
        assertEquals(Applied.STAGED, driver.chunk("huge.rpz", 1, 2, new byte[10]));
        assertThrows(RejectedFileException.class, () -> driver.chunk("huge.rpz", 2, 2, new byte[101]));
        assertTrue(driver.events.contains("discarded:huge.rpz"), driver.events.toString());

        assertThrows(RejectedFileException.class, () -> driver.whole("whole.rpz", new byte[101]));
        assertEquals(Applied.COMPLETED, driver.whole("whole.rpz", new byte[100]));

        // Configs have their own limit.
        assertEquals(Applied.STAGED, driver.chunk("c.yaml", 1, 2, "a: " + "x".repeat(40) + "\n"));
        RejectedFileException config = assertThrows(RejectedFileException.class,
                () -> driver.chunk("c.yaml", 2, 2, "b: 1234567\n"));
        assertEquals(RejectedFileException.Kind.TOO_LARGE, config.kind());
        assertThrows(RejectedFileException.class, () -> driver.whole("c.json", new byte[51]));

        FileStore.Round round = driver.commit();
        assertEquals(List.of("whole.rpz"), round.published().stream().map(FileStore.Publication::name).toList());
        assertEquals(100, Files.size(filesDir.resolve("whole.rpz")));
        assertEquals(List.of(".resolver-file-sink", "whole.rpz"), visibleTree());
        // Only the set begun by the late chunk 3 of big.rpz is still held.
        assertEquals(List.of("big.rpz"), expireAll());
        driver.commit();
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
    }

    @Test
    void aChunkOverTheLimitIsRejectedBeforeAnyDirectoryIsMadeForIt() throws Exception {
        driver.close();
        driver = new StoreDriver(filesDir, StoreFixtures.settings(100, 50), FileStore.StepHook.NONE);
        RejectedFileException chunk = assertThrows(RejectedFileException.class,
                () -> driver.chunk("new-dir/huge.rpz", 1, 2, new byte[101]));
        assertEquals(RejectedFileException.Kind.TOO_LARGE, chunk.kind());
        assertThrows(RejectedFileException.class, () -> driver.whole("other-dir/sub/whole.rpz", new byte[101]));
        assertThrows(RejectedFileException.class, () -> driver.whole("conf-dir/c.yaml", new byte[51]));
        driver.commit();
        assertEquals(List.of(".resolver-file-sink"), visibleTree());
    }

    @Test
    void idleChunkSetsExpireOnTheInjectedClock() throws Exception {
        driver.chunk("a.rpz", 1, 2, "old one\n");
        driver.clock.advance(Duration.ofMinutes(30));
        assertEquals(List.of(), driver.store.expireStale());
        driver.chunk("b.rpz", 1, 2, "b one\n");
        driver.clock.advance(Duration.ofMinutes(30));
        assertEquals(List.of(), driver.store.expireStale(), "exactly the stale time is not yet stale");
        driver.clock.advance(Duration.ofSeconds(1));

        assertEquals(List.of("a.rpz"), driver.store.expireStale());
        assertEquals(List.of("a.rpz"), driver.store.takeDiscarded().stream().map(FileStore.Discarded::name).toList());
        assertEquals(List.of(), driver.events, "no record discarded anything");

        // A late chunk of the abandoned transfer is never joined with its expired sibling.
        assertEquals(Applied.STAGED, driver.chunk("a.rpz", 2, 2, "late two\n"));
        assertEquals(List.of(), driver.commit().published());
        assertFalse(Files.exists(filesDir.resolve("a.rpz")));

        driver.clock.advance(Duration.ofMinutes(30));
        assertEquals(List.of("b.rpz"), driver.store.expireStale());
        driver.clock.advance(Duration.ofMinutes(31));
        assertEquals(List.of("a.rpz"), driver.store.expireStale());
        driver.commit();
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir), "expired sets leave no work files");
    }

    @Test
    void aChunkSetSurvivesARestartAndItsIdleTimeRestartsAtOpen() throws Exception {
        byte[] whole = bytes("one\ntwo\nthree\n");
        TransferIntegrity integrity = StoreFixtures.integrity(2, whole);
        assertEquals(Applied.STAGED, driver.chunk("sub/r.rpz", 2, 3, bytes("two\n"), integrity));
        assertEquals(Applied.STAGED, driver.chunk("sub/r.rpz", 1, 3, bytes("one\n"), integrity));
        driver.commit();
        // A work file no journal entry covers (a crash while writing it), and a file of someone else's in D.
        Path stray = Files.writeString(StoreFixtures.workDir(filesDir).resolve("t999.c3"), "partial");
        Files.writeString(filesDir.resolve("sub/r.rpz.tmp"), "not the store's");

        driver.clock.advance(Duration.ofHours(5)); // the worker was stopped
        driver.restart();
        assertFalse(Files.exists(stray), "a work file the journal does not mention is removed at open");
        assertEquals("not the store's", Files.readString(filesDir.resolve("sub/r.rpz.tmp")));
        assertEquals(List.of(), driver.store.expireStale(), "time while stopped does not count");

        // The transfer's id, length and digest came back with it.
        assertEquals(Applied.COMPLETED, driver.chunk("sub/r.rpz", 3, 3, bytes("three\n"), integrity));
        FileStore.Round round = driver.commit();
        assertEquals(StoreFixtures.sha256(whole), round.published().get(0).sha256());
        assertArrayEquals(whole, Files.readAllBytes(filesDir.resolve("sub/r.rpz")));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
    }

    @Test
    void aTransferResumedAfterARestartStillChecksItsDigest() throws Exception {
        byte[] whole = bytes("one\ntwo\n");
        TransferIntegrity integrity = StoreFixtures.integrity(4, whole);
        driver.chunk("d.rpz", 1, 2, bytes("one\n"), integrity);
        driver.restart();
        RejectedFileException e = assertThrows(RejectedFileException.class,
                () -> driver.chunk("d.rpz", 2, 2, bytes("TWO\n"), integrity));
        assertEquals(RejectedFileException.Kind.DIGEST_MISMATCH, e.kind());
        assertEquals(List.of(), driver.commit().published());
        assertFalse(Files.exists(filesDir.resolve("d.rpz")));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
    }

    @Test
    void anUnfinishedSetFromBeforeARestartExpiresAfterTheStaleTime() throws Exception {
        driver.chunk("s.rpz", 1, 2, "one\n");
        driver.clock.advance(Duration.ofHours(5));
        driver.restart();
        driver.clock.advance(StoreFixtures.STALE_AFTER);
        assertEquals(List.of(), driver.store.expireStale());
        driver.clock.advance(Duration.ofSeconds(1));
        assertEquals(List.of("s.rpz"), driver.store.expireStale());
        driver.commit();
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
        // The expiry is durable: the set does not come back with the next start.
        driver.restart();
        assertEquals(Applied.STAGED, driver.chunk("s.rpz", 2, 2, "two\n"));
    }

    @Test
    void anIoFailureWhileStagingIsRecoveredByReopeningAndRedelivering() throws Exception {
        byte[] whole = bytes("one\ntwo\nthree\n");
        TransferIntegrity integrity = StoreFixtures.integrity(3, whole);
        driver.chunk("io.rpz", 1, 3, bytes("one\n"), integrity);
        driver.commit();
        List<String> work = StoreFixtures.workFiles(filesDir);
        assertEquals(1, work.size(), work.toString());
        String transfer = work.get(0).substring(0, work.get(0).indexOf('.'));
        // Something in the way of staging chunk 3 that only the environment can clear (like a full disk).
        Path obstacle = Files.createDirectories(StoreFixtures.workDir(filesDir).resolve(transfer + ".c3/in-the-way"));
        assertThrows(IOException.class, () -> driver.chunk("io.rpz", 3, 3, bytes("three\n"), integrity));
        assertFalse(Files.exists(filesDir.resolve("io.rpz")));

        // The task abandons the store and opens a new one, which resumes from the durable offset.
        driver.crashAndReopen();
        assertFalse(Files.exists(obstacle.getParent()), "the work file the journal does not know is removed");
        assertEquals(1, driver.nextOffset, "chunk 1 is durable, chunk 3 is delivered again");
        assertEquals(Applied.STAGED, driver.chunk("io.rpz", 3, 3, bytes("three\n"), integrity));
        assertEquals(Applied.COMPLETED, driver.chunk("io.rpz", 2, 3, bytes("two\n"), integrity));
        driver.commit();
        assertArrayEquals(whole, Files.readAllBytes(filesDir.resolve("io.rpz")));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
    }

    @Test
    void aWholeFileSupersedesAnUnfinishedChunkSetOfTheSameName() throws Exception {
        driver.chunk("w.rpz", 1, 2, "stale one\n");
        assertEquals(Applied.COMPLETED, driver.whole("w.rpz", "whole\n"));
        assertEquals(List.of("discarded:w.rpz"), driver.events);
        driver.commit();
        assertArrayEquals(bytes("whole\n"), Files.readAllBytes(filesDir.resolve("w.rpz")));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
        // The abandoned transfer's remaining chunk cannot complete it with the discarded chunk 1.
        assertEquals(Applied.STAGED, driver.chunk("w.rpz", 2, 2, "stale two\n"));
        assertEquals(List.of(), driver.commit().published());
        assertArrayEquals(bytes("whole\n"), Files.readAllBytes(filesDir.resolve("w.rpz")));
    }

    @Test
    void aTailRedeliveredAfterTheFileWasPublishedIsSkippedAndHoldsNothing() throws Exception {
        driver.close();
        boolean[] crash = {true};
        driver = new StoreDriver(filesDir, StoreFixtures.settings(), step -> {
            if (crash[0] && step.equals("round:journal-committed")) {
                throw new IllegalStateException("crash after the commit point");
            }
        });
        driver.chunk("tail.rpz", 1, 3, "one\n");
        driver.chunk("tail.rpz", 2, 3, "two\n");
        assertEquals(Applied.COMPLETED, driver.chunk("tail.rpz", 3, 3, "three\n"));
        assertThrows(IllegalStateException.class, driver::commit);
        assertFalse(Files.exists(filesDir.resolve("tail.rpz")));

        crash[0] = false;
        driver.crashAndReopen();
        assertEquals("one\ntwo\nthree\n", Files.readString(filesDir.resolve("tail.rpz")), "rolled forward at open");
        assertEquals(3, driver.nextOffset);
        // Kafka had not committed the offsets yet and delivers the tail again.
        driver.nextOffset = 1;
        assertEquals(null, driver.chunk("tail.rpz", 2, 3, "two\n"));
        assertEquals(null, driver.chunk("tail.rpz", 3, 3, "three\n"));
        driver.commit();
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir), "no chunk set is left behind");
        driver.clock.advance(StoreFixtures.STALE_AFTER.plusMinutes(1));
        assertEquals(List.of(), driver.store.expireStale());
        assertEquals(List.of(".resolver-file-sink", "tail.rpz"), visibleTree());
    }

    private List<String> expireAll() {
        driver.clock.advance(StoreFixtures.STALE_AFTER.plusSeconds(1));
        return driver.store.expireStale();
    }

    /** Every path in the files directory outside the store's own directory. */
    private List<String> visibleTree() {
        return new ArrayList<>(StoreFixtures.snapshotOutsideState(filesDir).keySet()).stream()
                .filter(path -> !path.isEmpty()).toList();
    }
}
