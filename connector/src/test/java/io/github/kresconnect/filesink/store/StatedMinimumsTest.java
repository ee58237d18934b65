package io.github.kresconnect.filesink.store;

import static io.github.kresconnect.filesink.store.StoreDriver.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.record.FilePart;

/** Versions a freshness statement names: minimums in the store, kept by its journal, refusing older versions. */
class StatedMinimumsTest {
    @TempDir
    Path filesDir;

    private static FilePart signed(String name, String content, String id) {
        byte[] data = bytes(content);
        return new FilePart(name, 1, 1, data, new TransferIntegrity(String.format("%32s", id).replace(' ', '0'),
                data.length, TransferIntegrity.sha256HexOf(data)));
    }

    @Test
    void aStatedVersionRefusesOlderVersionsOnAHostThatNeverHeldTheFileAndSurvivesRestarts() throws Exception {
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            long now = driver.clock.millis();
            driver.store.acceptStatement(new FileStore.StatementSeen(7, now, now + 60_000), Map.of("zone.rpz",
                    now - 10));
            driver.commit();
            driver.restart(); // replayed from the journal
            assertEquals(7, driver.store.statement().orElseThrow().sequence());
            assertEquals(now - 10, driver.store.statedMinimums().get("zone.rpz"));
            RejectedFileException older = assertThrows(RejectedFileException.class,
                    () -> driver.apply(signed("zone.rpz", "old\n", "a"), now - 20));
            assertEquals(RejectedFileException.Kind.REPLAYED_VERSION, older.kind());
            assertTrue(older.getMessage().contains("freshness statement"), older.getMessage());
            assertFalse(Files.exists(filesDir.resolve("zone.rpz")));
            driver.apply(signed("zone.rpz", "stated\n", "b"), now - 10); // the stated version itself is accepted
            driver.commit();
            assertEquals("stated\n", Files.readString(filesDir.resolve("zone.rpz")));
            assertEquals(now - 10, driver.store.heldVersion("zone.rpz"));
        }
    }

    @Test
    void aMinimumNeverFallsAndAnOlderStatementDoesNotReplaceTheNewest() throws Exception {
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            long now = driver.clock.millis();
            driver.store.acceptStatement(new FileStore.StatementSeen(9, now, now + 1000), Map.of("a.rpz", 50L));
            driver.store.acceptStatement(new FileStore.StatementSeen(8, now, now + 5000), Map.of("a.rpz", 40L));
            driver.commit();
            driver.crashAndReopen();
            assertEquals(50L, driver.store.statedMinimums().get("a.rpz"));
            assertEquals(9, driver.store.statement().orElseThrow().sequence());
            assertEquals(now + 1000, driver.store.statement().orElseThrow().expiresAt());
        }
    }

    @Test
    void aStatementNotYetCommittedIsGoneAfterACrash() throws Exception {
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            long now = driver.clock.millis();
            driver.store.acceptStatement(new FileStore.StatementSeen(3, now, now + 1000), Map.of("a.rpz", 50L));
            driver.crashAndReopen(); // no round committed it: its offset was not committed either
            assertTrue(driver.store.statement().isEmpty());
            assertTrue(driver.store.statedMinimums().isEmpty());
        }
    }
}
