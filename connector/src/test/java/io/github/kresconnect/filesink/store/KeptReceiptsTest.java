package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.record.FilePart;

/**
 * Receipts kept by the store are durable with the round that commits what they report: they survive a close, a
 * crash at any step of the round and of the recovery, and are returned until acknowledged; acknowledged ones
 * are not returned again and compaction drops them.
 */
class KeptReceiptsTest {
    private static final SourcePartition PARTITION = new SourcePartition("knot-resolver", 0);

    @TempDir
    Path root;

    private static final class Crash extends RuntimeException {
        Crash(String step) {
            super("simulated crash at " + step, null, false, false);
        }
    }

    /** A hook that throws at its n-th step (0: never), counting every step it sees. */
    private static final class CrashAt implements FileStore.StepHook {
        int crashAt;
        int steps;
        final List<String> names = new ArrayList<>();

        @Override
        public void reached(String step) {
            steps++;
            names.add(step);
            if (steps == crashAt) {
                throw new Crash(step);
            }
        }
    }

    /** Gives every publication a receipt "published NAME". */
    private static final FileStore.Listener RECEIPTS = new FileStore.Listener() {
        @Override
        public FileStore.ReceiptContent receiptOf(FileStore.Publication publication) {
            return new FileStore.ReceiptContent(bytes("key " + publication.name()),
                    bytes("published " + publication.name()));
        }
    };

    private FileStore open(Path filesDir, FileStore.StepHook hook) throws Exception {
        FileStore store = FileStore.open(filesDir, StoreFixtures.settings(), new MutableClock(), hook);
        store.setListener(RECEIPTS);
        return store;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> values(FileStore store) {
        return store.keptReceipts().stream().map(receipt -> new String(receipt.value(), StandardCharsets.UTF_8))
                .toList();
    }

    /** Record 0 publishes a.rpz, record 1 is "rejected" with a receipt of its own; then one round. */
    private static FileStore.Round scenario(FileStore store) throws Exception {
        store.apply(new FilePart("a.rpz", 1, 1, bytes("example.com CNAME .\n"), null), "offset 0");
        store.markApplied(PARTITION, 0);
        store.keepReceipt(bytes("key b.json"), bytes("rejected b.json"));
        store.markApplied(PARTITION, 1);
        return store.commit();
    }

    @Test
    void keptReceiptsSurviveAReopenUntilAcknowledged() throws Exception {
        Path filesDir = Files.createDirectories(root.resolve("files"));
        FileStore store = open(filesDir, FileStore.StepHook.NONE);
        FileStore.Round round = scenario(store);
        assertEquals(List.of("published a.rpz"), round.receipts().stream()
                .map(receipt -> new String(receipt.value(), StandardCharsets.UTF_8)).toList(),
                "the publication's receipt is handed back once the file is in place");
        assertEquals(List.of("rejected b.json", "published a.rpz"), values(store));
        store.close(); // as a crash: nothing acknowledged

        store = open(filesDir, FileStore.StepHook.NONE);
        assertEquals(List.of("rejected b.json", "published a.rpz"), values(store));
        assertEquals("key a.rpz", new String(store.keptReceipts().get(1).key(), StandardCharsets.UTF_8));
        KeptReceipt rejected = store.keptReceipts().get(0);
        store.acknowledge(rejected);
        assertEquals(List.of("published a.rpz"), values(store));
        assertTrue(store.commit().committed(), "an acknowledgement alone is journaled by commit()");
        store.close();

        store = open(filesDir, FileStore.StepHook.NONE);
        assertEquals(List.of("published a.rpz"), values(store), "an acknowledged receipt is not returned again");
        store.acknowledge(rejected); // kept by an earlier opening: ignored
        KeptReceipt published = store.keptReceipts().get(0);
        store.acknowledge(published);
        store.close(); // acknowledged but not journaled: returned again (at least once)

        store = open(filesDir, FileStore.StepHook.NONE);
        assertEquals(List.of("published a.rpz"), values(store));
        store.acknowledge(store.keptReceipts().get(0));
        store.compactAfter(0);
        store.commit();
        store.close();
        assertEquals(List.of(), values(store = open(filesDir, FileStore.StepHook.NONE)));
        store.close();
        String journal = new String(Files.readAllBytes(filesDir.resolve(FileStore.STATE_DIR).resolve("store")
                .resolve("journal")), StandardCharsets.ISO_8859_1);
        assertFalse(journal.contains("published a.rpz") || journal.contains("rejected b.json"),
                "compaction dropped the acknowledged receipts");
    }

    /**
     * A round's cost does not grow with the receipts kept: while the receipts topic is out of reach nothing is
     * acknowledged, and each round must still find its own publications' receipts without going through every one
     * kept. Counted in bytes the task's thread allocates to commit a round of 100 files, with 200 receipts kept
     * and with 6,000.
     */
    @Test
    void aRoundCostsTheSameHoweverManyReceiptsAreKept() throws Exception {
        FileStore store = open(Files.createDirectories(root.resolve("files")), FileStore.StepHook.NONE);
        long[] offset = {0};
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.function.LongSupplier round = () -> {
            try {
                for (int i = 0; i < 100; i++, offset[0]++) {
                    store.apply(new FilePart("zone-" + offset[0] + ".rpz", 1, 1, bytes("zone " + offset[0] + "\n"),
                            null), "offset " + offset[0]);
                    store.markApplied(PARTITION, offset[0]);
                }
                long before = threads.getCurrentThreadAllocatedBytes();
                FileStore.Round done = store.commit();
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                assertEquals(100, done.receipts().size(), "each placed file's receipt is handed back");
                return allocated;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        round.getAsLong();
        long early = Math.min(round.getAsLong(), round.getAsLong());
        while (offset[0] < 6_000) {
            round.getAsLong();
        }
        long late = Math.min(round.getAsLong(), round.getAsLong());
        assertEquals(6_200, store.keptReceipts().size(), "nothing acknowledged, everything kept");
        assertTrue(late < early + early / 2, "a round with 6,000 receipts kept allocated " + late
                + " bytes, with 200 kept " + early);
        store.close();
    }

    @Test
    void aCrashAtAnyStepKeepsTheReceiptsOfWhatIsDurable() throws Exception {
        CrashAt reference = new CrashAt();
        FileStore store = open(Files.createDirectories(root.resolve("reference")), reference);
        store.compactAfter(0); // the round compacts too
        scenario(store);
        store.close();
        assertTrue(reference.names.containsAll(List.of("round:journal-committed", "place:renamed", "round:armed",
                "compaction:done")), reference.names.toString());
        Set<String> outcomes = new TreeSet<>();
        for (int crashAt = 1; crashAt <= reference.steps + 1; crashAt++) {
            Path filesDir = Files.createDirectories(root.resolve("crash-" + crashAt));
            CrashAt hook = new CrashAt();
            hook.crashAt = crashAt;
            store = open(filesDir, hook);
            store.compactAfter(0);
            try {
                scenario(store);
            } catch (Crash crash) {
                // as intended
            }
            store.close();
            hook.crashAt = hook.steps + 1; // and once more, at the first step of the recovery
            try {
                open(filesDir, hook).close();
            } catch (Crash crash) {
                // as intended
            }
            hook.crashAt = 0;
            store = open(filesDir, hook);
            boolean durable = store.durableOffset(PARTITION).orElse(0) == 2;
            boolean inPlace = Files.exists(filesDir.resolve("a.rpz"));
            if (durable) {
                assertTrue(inPlace, "a durable publication is in place after the recovery (crash at " + crashAt + ")");
                assertEquals(List.of("rejected b.json", "published a.rpz"), values(store),
                        "the receipts of what is durable are kept (crash at " + crashAt + ")");
                outcomes.add("committed");
            } else {
                assertFalse(inPlace, "crash at " + crashAt);
                assertEquals(List.of(), values(store), "nothing durable, nothing kept: the records come again");
                outcomes.add("rolled back");
            }
            store.close();
        }
        assertEquals(Set.of("committed", "rolled back"), outcomes);
    }

    /**
     * A committed publication that fails at its rename (here: its directory became unwritable between apply and
     * the round) is never taken for placed: not after the next round, and not after a crash before it.
     */
    @Test
    void aPublicationThatCouldNotBePutInPlaceIsNeitherReportedNorTakenForPlaced() throws Exception {
        for (boolean crashBeforeNextRound : new boolean[] {true, false}) {
            Path filesDir = Files.createDirectories(root.resolve("conflict-" + crashBeforeNextRound));
            Path locked = Files.createDirectories(filesDir.resolve("locked"));
            FileStore store = open(filesDir, FileStore.StepHook.NONE);
            store.apply(new FilePart("locked/zone.rpz", 1, 1, bytes("zone\n"), null), "offset 0");
            store.markApplied(PARTITION, 0);
            Immutable.set(locked, true);
            try {
                FileStore.Round round = store.commit();
                assertEquals(List.of("locked/zone.rpz"), round.failed().stream().map(FileStore.FailedPublication::name)
                        .toList());
                assertEquals(List.of(), round.receipts(), "no receipt for a file not in place");
                if (!crashBeforeNextRound) {
                    store.markApplied(PARTITION, 1);
                    store.commit(); // journals the drop
                }
                store.close();
                store = open(filesDir, FileStore.StepHook.NONE); // the directory is still unwritable
                assertEquals(List.of(), values(store), "crash before the next round: " + crashBeforeNextRound);
                assertFalse(Files.exists(locked.resolve("zone.rpz")));
                try (var work = Files.list(store.workDir())) {
                    assertEquals(List.of(), work.toList(), "no work file left behind");
                }
            } finally {
                Immutable.set(locked, false);
            }
            // Once the directory is writable again, the same file sent again is published, not "unchanged".
            assertEquals(FileStore.Applied.COMPLETED, store.apply(new FilePart("locked/zone.rpz", 1, 1,
                    bytes("zone\n"), null), "offset 2"));
            store.markApplied(PARTITION, 2);
            store.commit();
            assertEquals("zone\n", Files.readString(locked.resolve("zone.rpz")));
            store.close();
        }
    }
}
