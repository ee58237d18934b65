package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.store.powercut.PowerCutFileSystem;
import io.github.kresconnect.filesink.store.powercut.PowerCutFileSystem.Variant;

/**
 * The store's own I/O runs over the power-cut layer, and a committed file is back after a cut and recovery: with
 * the layer's barrier (one syncfs(2) per step of a round) and without it (one fsync per file and directory).
 */
class PowerCutStoreTest {
    @TempDir
    Path temp;

    /** Two rounds; the first publishes three files together, the second replaces one. */
    private static void scenario(Path filesDir) throws Exception {
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            driver.whole("a.conf", "version 1");
            driver.whole("b.rpz", "b");
            driver.whole("c.rpz", "c");
            driver.commit();
            driver.whole("a.conf", "version 2");
            driver.commit();
        }
    }

    @ParameterizedTest(name = "barrier {0}")
    @ValueSource(booleans = {true, false})
    void theStoreRunsOverTheLayerAndItsCommitsAreDurable(boolean barrier) throws Exception {
        for (Variant variant : Variant.values()) {
            Path real = Files.createDirectory(temp.resolve(variant.name()));
            PowerCutFileSystem layer = PowerCutFileSystem.over(real, barrier);
            scenario(layer.root());
            assertTrue(layer.durableOperations() > 4, "forces: " + layer.durableOperations());
            // The renames of a round are not durable yet: the journal redoes them when the store opens again.
            PowerCutFileSystem rebooted = layer.reboot(variant, 7);
            try (StoreDriver reopened = new StoreDriver(rebooted.root())) {
                assertEquals("version 2", Files.readString(real.resolve("a.conf")), variant.name());
                assertEquals("b", Files.readString(real.resolve("b.rpz")), variant.name());
                assertEquals("c", Files.readString(real.resolve("c.rpz")), variant.name());
                assertEquals(List.of(), StoreFixtures.workFiles(real), variant.name());
            }
        }
    }

    /**
     * A request the listener writes and leaves to the round's sync ({@code syncWithRound}) is durable at the commit
     * point, with the barrier and with one fsync per path: the power is cut right after the journal entry, and
     * the disk keeps only what was made durable.
     */
    @ParameterizedTest(name = "barrier {0}")
    @ValueSource(booleans = {true, false})
    void aRequestLeftToTheRoundsSyncIsDurableAtTheCommitPoint(boolean barrier) throws Exception {
        Path real = Files.createDirectory(temp.resolve("request"));
        PowerCutFileSystem layer = PowerCutFileSystem.over(real, barrier);
        Path filesDir = layer.root();
        Path owed = Files.createDirectories(filesDir.resolve(FileStore.STATE_DIR)).resolve("owed");
        DurableFiles.syncDirectory(filesDir);
        DurableFiles.replace(owed, "owed:\n".getBytes(StandardCharsets.UTF_8));
        FileStore.StepHook cut = step -> {
            if (step.equals("round:journal-committed")) {
                try {
                    layer.cutNow();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        FileStore store = FileStore.open(filesDir, StoreFixtures.settings(), new MutableClock(), cut,
                new FileStore.Listener() {
                    @Override
                    public void beforePublishing(FileKind kind, List<FileStore.Publication> files,
                            Consumer<Path> syncWithRound) throws IOException {
                        DurableFiles.append(owed, (kind + "\n").getBytes(StandardCharsets.UTF_8), false);
                        syncWithRound.accept(owed);
                    }
                });
        try {
            store.apply(new FilePart("zone.rpz", 1, 1, "zone\n".getBytes(StandardCharsets.UTF_8), null), "offset 0");
            store.markApplied(StoreDriver.PARTITION, 0);
            assertThrows(IOException.class, store::commit, "the power is cut during the round");
        } finally {
            store.close();
        }
        assertTrue(layer.isCut());
        layer.reboot(Variant.DROP_UNSYNCED, 1);
        assertEquals("owed:\nDATA\n", Files.readString(real.resolve(FileStore.STATE_DIR).resolve("owed")));
    }

    /**
     * Counts the forces of the scenario, then cuts at each and reopens the store: it must open, and the file is
     * absent or a version sent whole.
     */
    @ParameterizedTest(name = "barrier {0}")
    @ValueSource(booleans = {true, false})
    void theStoreRecoversFromACutAtEveryForce(boolean barrier) throws Exception {
        PowerCutFileSystem counting = PowerCutFileSystem.over(Files.createDirectory(temp.resolve("count")), barrier);
        scenario(counting.root());
        int forces = counting.durableOperations();
        List<String> outcomes = new ArrayList<>();
        for (int k = 0; k <= forces; k++) {
            Path real = Files.createDirectory(temp.resolve("cut" + k));
            PowerCutFileSystem layer = PowerCutFileSystem.over(real, barrier);
            layer.cutAtOperation(k);
            try {
                scenario(layer.root());
            } catch (IOException e) {
                assertTrue(layer.isCut(), e.toString());
            }
            PowerCutFileSystem rebooted = layer.reboot(Variant.DROP_UNSYNCED, k);
            try (StoreDriver reopened = new StoreDriver(rebooted.root())) {
                Path file = real.resolve("a.conf");
                String content = Files.exists(file) ? Files.readString(file) : "(none)";
                outcomes.add(k + ":" + content);
                assertTrue(List.of("(none)", "version 1", "version 2").contains(content), "cut at " + k + ": "
                        + content);
                // one round published the three: all of them are there, or none
                for (String other : List.of("b.rpz", "c.rpz")) {
                    Path path = real.resolve(other);
                    assertEquals(!content.equals("(none)"), Files.exists(path), "cut at " + k + ": " + other);
                    if (Files.exists(path)) {
                        assertEquals(other.substring(0, 1), Files.readString(path), "cut at " + k);
                    }
                }
            }
        }
        assertTrue(outcomes.get(outcomes.size() - 1).endsWith("version 2"), outcomes.toString());
    }
}
