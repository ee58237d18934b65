package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.store.powercut.PowerCutFileSystem;

/** Which barrier the store finds for a files directory, and syncfs(2) itself where the platform has it. */
class BarrierTest {
    @TempDir
    Path temp;

    @Test
    void kernelVersionsFrom58OnReportWriteBackErrors() {
        assertTrue(SyncFs.atLeast("5.8.0", 5, 8));
        assertTrue(SyncFs.atLeast("6.1.0-18-amd64", 5, 8));
        assertTrue(SyncFs.atLeast("5.10", 5, 8));
        assertFalse(SyncFs.atLeast("5.7.19-generic", 5, 8));
        assertFalse(SyncFs.atLeast("4.19.0", 5, 8));
        assertFalse(SyncFs.atLeast("unknown", 5, 8));
    }

    @Test
    void onLinuxSyncfsCoversTheFilesDirectorysFileSystemOnly() throws IOException {
        Assumptions.assumeTrue(SyncFs.unavailable() == null, () -> "syncfs(2) not used here: " + SyncFs.unavailable());
        Path file = Files.writeString(temp.resolve("a"), "a");
        try (Barrier barrier = Barrier.forDirectory(temp)) {
            assertNotNull(barrier);
            assertTrue(barrier.covers(temp));
            assertTrue(barrier.covers(file));
            assertFalse(barrier.covers(Path.of("/proc/self")), "another file system");
            assertFalse(barrier.covers(temp.resolve("missing")));
            barrier.sync();
        }
    }

    @Test
    void aPoolWithABarrierStillFsyncsWhatTheBarrierDoesNotCover() throws IOException {
        Assumptions.assumeTrue(SyncFs.unavailable() == null, () -> "syncfs(2) not used here: " + SyncFs.unavailable());
        try (SyncPool pool = new SyncPool(Barrier.forDirectory(temp))) {
            assertTrue(pool.hasBarrier());
            Path a = Files.writeString(temp.resolve("a"), "a");
            Path b = Files.writeString(temp.resolve("b"), "b");
            pool.syncAll(List.of(a, b, temp));
            // a path the barrier does not cover gets its own fsync, which fails for a missing file
            assertThrows(IOException.class, () -> pool.syncAll(List.of(a, temp.resolve("missing"))));
        }
    }

    @Test
    void aFileSystemWithItsOwnBarrierIsUsedAndOneWithoutNone() throws IOException {
        Path real = Files.createDirectory(temp.resolve("layer"));
        PowerCutFileSystem layer = PowerCutFileSystem.over(real);
        try (Barrier barrier = Barrier.forDirectory(layer.root())) {
            assertNotNull(barrier);
            assertTrue(barrier.covers(layer.root().resolve("x")));
            assertFalse(barrier.covers(real), "a path of another file system");
            int before = layer.durableOperations();
            barrier.sync();
            assertEquals(before + 1, layer.durableOperations());
        }
        Path plain = Files.createDirectory(temp.resolve("plain"));
        assertNull(Barrier.forDirectory(PowerCutFileSystem.over(plain, false).root()));
    }
}
