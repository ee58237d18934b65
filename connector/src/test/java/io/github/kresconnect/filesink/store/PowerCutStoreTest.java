package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

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
