package io.github.kresconnect.filesink.store;

import static io.github.kresconnect.filesink.store.StoreDriver.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.record.FilePart;

/**
 * The transfer rules of {@link TransferRules}, as a table: records as the original client sends them (file name,
 * chunk index, total chunks, no transfer id) with their record timestamps, in every order a producer or Kafka may
 * give them. Each row ends with the file that must be in place, or none; a mix of two transfers is never
 * published.
 */
class TransferTimestampsTest {
    /** Two minutes: the default gap between transfers; abandoned transfers here lie ten minutes back. */
    private static final long LATER = 10 * 60_000;

    @TempDir
    Path root;

    /** One record: chunk {@code index} of {@code total} of transfer {@code transfer}, created at {@code at}. */
    private record Sent(String transfer, int index, int total, long at) {
        FilePart part() {
            return new FilePart("zone.rpz", index, total, bytes(content(transfer, index)), null).at(at);
        }
    }

    private static String content(String transfer, int index) {
        return transfer + "-" + index + "\n";
    }

    private static String whole(String transfer, int total) {
        StringBuilder out = new StringBuilder();
        for (int index = 1; index <= total; index++) {
            out.append(content(transfer, index));
        }
        return out.toString();
    }

    /** {@code order} of transfer {@code transfer}, created one millisecond apart from {@code start} in that order. */
    private static List<Sent> send(String transfer, int total, long start, int... order) {
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < order.length; i++) {
            sent.add(new Sent(transfer, order[i], total, start + i));
        }
        return sent;
    }

    @SafeVarargs
    private static List<Sent> concat(List<Sent>... parts) {
        List<Sent> all = new ArrayList<>();
        for (List<Sent> part : parts) {
            all.addAll(part);
        }
        return all;
    }

    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of("in order", send("A", 3, 0, 1, 2, 3), whole("A", 3)),
                Arguments.of("reverse", send("A", 3, 0, 3, 2, 1), whole("A", 3)),
                Arguments.of("shuffled", send("A", 5, 0, 4, 1, 5, 3, 2), whole("A", 5)),
                Arguments.of("abandoned, then in order with the same total",
                        concat(send("A", 3, 0, 1, 2), send("B", 3, LATER, 1, 2, 3)), whole("B", 3)),
                Arguments.of("abandoned, then in order with another total",
                        concat(send("A", 3, 0, 1, 2), send("B", 4, LATER, 1, 2, 3, 4)), whole("B", 4)),
                // Chunk 1 of B equals A's: it is a new record (created later), not the same one again.
                Arguments.of("abandoned, then an identical chunk 1 and the rest reordered, soon after",
                        concat(send("A", 3, 0, 1, 2), List.of(new Sent("A", 1, 3, 5_000), new Sent("B", 3, 3, 5_002),
                                new Sent("B", 2, 3, 5_001))),
                        content("A", 1) + content("B", 2) + content("B", 3)),
                Arguments.of("abandoned, then an identical chunk 1 and chunk 3 only: nothing yet",
                        concat(send("A", 3, 0, 1, 2), List.of(new Sent("A", 1, 3, 5_000), new Sent("B", 3, 3, 5_002))),
                        null),
                Arguments.of("abandoned, then reversed",
                        concat(send("A", 3, 0, 1, 2), send("B", 3, LATER, 3, 2, 1)), whole("B", 3)),
                Arguments.of("abandoned, then shuffled",
                        concat(send("A", 4, 0, 2, 1), send("B", 4, LATER, 4, 1, 3, 2)), whole("B", 4)),
                Arguments.of("a late leftover of an abandoned transfer amid the new one",
                        concat(send("A", 3, 0, 1), send("B", 3, LATER, 3, 1), send("A", 3, 1, 2),
                                send("B", 3, LATER + 2, 2)), whole("B", 3)),
                Arguments.of("the tail sent again as new records, then the next version soon after",
                        concat(send("A", 3, 0, 1, 2, 3), send("A", 3, 1, 2, 3), send("B", 3, 30_000, 1, 2, 3)),
                        whole("B", 3)),
                Arguments.of("the tail sent again, then the next version reversed soon after",
                        concat(send("A", 3, 0, 1, 2, 3), send("A", 3, 1, 2, 3), send("B", 3, 30_000, 3, 2, 1)),
                        whole("B", 3)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void everyOrderOfOneSendersChunksLandsAndNoTwoTransfersMix(String row, List<Sent> records, String expected)
            throws Exception {
        Path filesDir = Files.createDirectories(root.resolve("files"));
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            for (Sent sent : records) {
                driver.apply(sent.part());
            }
            driver.commit();
            Path file = filesDir.resolve("zone.rpz");
            if (expected == null) {
                assertFalse(Files.exists(file), row + ": " + (Files.exists(file) ? Files.readString(file) : ""));
            } else {
                assertEquals(expected, Files.readString(file), row);
            }
            // And once the whole row is delivered again after a restart, nothing changes.
            driver.restart();
            driver.nextOffset = 0;
            for (Sent sent : records) {
                driver.apply(sent.part());
            }
            driver.commit();
            assertEquals(expected, Files.exists(file) ? Files.readString(file) : null, row + ", redelivered");
        }
    }

    @Test
    void theLastFinishedTransfersStampSurvivesARestartSoItsLateCopiesStayLeftovers() throws Exception {
        Path filesDir = Files.createDirectories(root.resolve("files"));
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            for (Sent sent : send("A", 3, 0, 1, 2, 3)) {
                driver.apply(sent.part());
            }
            driver.restart();
            assertEquals(FileStore.Applied.SUPERSEDED, driver.apply(new Sent("A", 2, 3, 1).part()));
            for (Sent sent : send("B", 3, 30_000, 1, 3, 2)) {
                driver.apply(sent.part());
            }
            driver.commit();
            assertEquals(whole("B", 3), Files.readString(filesDir.resolve("zone.rpz")));
        }
    }

    // ---------------------------------------------------------------- with transfer ids

    private static TransferIntegrity integrity(String id, String content) {
        byte[] data = bytes(content);
        return new TransferIntegrity(String.format("%32s", id).replace(' ', '0'), data.length,
                TransferIntegrity.sha256HexOf(data));
    }

    @Test
    void aRecordNamingTheHeldTransferWithAnotherTotalIsRefusedAndTheTransferGoesOn() throws Exception {
        Path filesDir = Files.createDirectories(root.resolve("files"));
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            TransferIntegrity a = integrity("a", whole("A", 3));
            driver.chunk("zone.rpz", 1, 3, bytes(content("A", 1)), a);
            RejectedFileException otherTotal = assertThrows(RejectedFileException.class,
                    () -> driver.chunk("zone.rpz", 2, 4, bytes(content("A", 2)), a));
            assertEquals(RejectedFileException.Kind.INCONSISTENT_CHUNKS, otherTotal.kind());
            assertTrue(otherTotal.getMessage().contains("the held transfer goes on"), otherTotal.getMessage());
            RejectedFileException otherBytes = assertThrows(RejectedFileException.class,
                    () -> driver.chunk("zone.rpz", 1, 3, bytes(content("X", 1)), a));
            assertTrue(otherBytes.getMessage().contains("transfer goes on"), otherBytes.getMessage());
            driver.chunk("zone.rpz", 3, 3, bytes(content("A", 3)), a);
            driver.chunk("zone.rpz", 2, 3, bytes(content("A", 2)), a);
            driver.commit();
            assertEquals(whole("A", 3), Files.readString(filesDir.resolve("zone.rpz")));
            assertFalse(driver.events.contains("discarded:zone.rpz"), driver.events.toString());
        }
    }

    @Test
    void anOlderSignedChunkIsRefusedWithoutDiscardingTheTransferInProgress() throws Exception {
        Path filesDir = Files.createDirectories(root.resolve("files"));
        try (StoreDriver driver = new StoreDriver(filesDir)) {
            long now = driver.clock.millis();
            driver.apply(new FilePart("zone.rpz", 1, 1, bytes("v10\n"), integrity("f", "v10\n")), now - 10);
            driver.commit();
            TransferIntegrity b = integrity("b", whole("B", 2));
            driver.apply(new FilePart("zone.rpz", 1, 2, bytes(content("B", 1)), b), now - 5);
            RejectedFileException older = assertThrows(RejectedFileException.class, () -> driver.apply(
                    new FilePart("zone.rpz", 1, 2, bytes(content("O", 1)), integrity("0", whole("O", 2))),
                    now - 20));
            assertEquals(RejectedFileException.Kind.REPLAYED_VERSION, older.kind());
            driver.apply(new FilePart("zone.rpz", 2, 2, bytes(content("B", 2)), b), now - 5);
            driver.commit();
            assertEquals(whole("B", 2), Files.readString(filesDir.resolve("zone.rpz")),
                    "the refused record discarded nothing");
        }
    }
}
