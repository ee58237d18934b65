package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.record.FilePartReader;

class FileRecordsTest {
    private static final byte[] CONTENT = {0, (byte) 0xff, 'a', (byte) 0xc3};
    private static final TransferIntegrity INTEGRITY = new TransferIntegrity("0123456789abcdef0123456789abcdef",
            1234567890123L, "ab".repeat(32));
    private static final Map<String, String> INTEGRITY_HEADERS = Map.of("transfer-id",
            "0123456789abcdef0123456789abcdef", "file-length", "1234567890123", "file-sha256", "ab".repeat(32));

    private static Map<String, String> with(Map<String, String> headers, Map<String, String> more) {
        Map<String, String> all = new HashMap<>(headers);
        all.putAll(more);
        return all;
    }

    private static Map<String, String> headerText(ProducerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    @Test
    void hostnameModeChunkCarriesDecimalStringHeadersAndTheFileNameAsKey() {
        ProducerRecord<byte[], byte[]> record = FileRecords.record("t", 4, RecipientMode.HOSTNAME, "r1",
                "rpz/block.rpz", 2, 12, INTEGRITY, CONTENT);
        assertEquals("t", record.topic());
        assertEquals(4, record.partition());
        assertEquals("rpz/block.rpz", new String(record.key(), StandardCharsets.UTF_8));
        assertArrayEquals(CONTENT, record.value());
        assertEquals(with(Map.of("hostname", "r1", "file-name", "rpz/block.rpz", "total-chunks", "12",
                "chunk-index", "2"), INTEGRITY_HEADERS), headerText(record));
    }

    @Test
    void wholeFileCarriesNoChunkHeaders() {
        ProducerRecord<byte[], byte[]> record = FileRecords.record("t", 0, RecipientMode.HOSTNAME, "r1", "a.yaml",
                1, 1, INTEGRITY, CONTENT);
        assertEquals(with(Map.of("hostname", "r1", "file-name", "a.yaml"), INTEGRITY_HEADERS), headerText(record));
    }

    @Test
    void zoneModeKeysByZoneAndSendsNoHostname() {
        ProducerRecord<byte[], byte[]> record = FileRecords.record("t", 1, RecipientMode.ZONE_ID, "dc-east",
                "block.rpz", 3, 3, INTEGRITY, CONTENT);
        assertEquals("dc-east", new String(record.key(), StandardCharsets.UTF_8));
        assertEquals(with(Map.of("file-name", "block.rpz", "total-chunks", "3", "chunk-index", "3"), INTEGRITY_HEADERS),
                headerText(record));
    }

    /** The connector's own reader, given the record as a worker converts it, reads back what was sent. */
    @Test
    void theConnectorsReaderUnderstandsTheRecordsWithEitherHeaderConverter() throws Exception {
        for (HeaderConverter converter : List.of(new StringConverter(), new SimpleHeaderConverter())) {
            converter.configure(Map.of("converter.type", "header"));
            FilePartReader hostReader = new FilePartReader(RecipientMode.HOSTNAME, "r1", Set.of(), 8192);
            FilePart chunk = hostReader.read(sinkRecord(converter,
                    FileRecords.record("t", 0, RecipientMode.HOSTNAME, "r1", "rpz/b.rpz", 7, 10, INTEGRITY, CONTENT)))
                    .orElseThrow();
            assertEquals("rpz/b.rpz", chunk.fileName());
            assertEquals(7, chunk.chunkIndex());
            assertEquals(10, chunk.totalChunks());
            assertArrayEquals(CONTENT, chunk.content());
            assertEquals(INTEGRITY, chunk.integrity());

            FilePart whole = hostReader.read(sinkRecord(converter,
                    FileRecords.record("t", 0, RecipientMode.HOSTNAME, "r1", "config.yaml", 1, 1, INTEGRITY,
                            CONTENT)))
                    .orElseThrow();
            assertTrue(whole.isWholeFile());
            assertEquals("config.yaml", whole.fileName());
            assertEquals(INTEGRITY, whole.integrity());

            assertEquals(Optional.empty(), hostReader.read(sinkRecord(converter,
                    FileRecords.record("t", 0, RecipientMode.HOSTNAME, "r2", "x", 1, 1, INTEGRITY, CONTENT))));

            FilePartReader zoneReader = new FilePartReader(RecipientMode.ZONE_ID, "ignored", Set.of("dc-east"), 8192);
            FilePart zoned = zoneReader.read(sinkRecord(converter,
                    FileRecords.record("t", 0, RecipientMode.ZONE_ID, "dc-east", "rpz/b.rpz", 2, 2, INTEGRITY,
                            CONTENT)))
                    .orElseThrow();
            assertEquals("rpz/b.rpz", zoned.fileName());
            assertEquals(2, zoned.chunkIndex());
            assertEquals(INTEGRITY, zoned.integrity());
        }
    }

    private static SinkRecord sinkRecord(HeaderConverter converter, ProducerRecord<byte[], byte[]> record) {
        ConnectHeaders headers = new ConnectHeaders();
        for (Header header : record.headers()) {
            headers.add(header.key(), converter.toConnectHeader(record.topic(), header.key(), header.value()));
        }
        return new SinkRecord(record.topic(), record.partition(), null, record.key(), null, record.value(), 0L,
                null, null, headers);
    }

    @Test
    void everyHeaderAppearsOnceInTheProtocolsOrder() {
        ProducerRecord<byte[], byte[]> record = FileRecords.record("t", 0, RecipientMode.HOSTNAME, "r1", "f", 2, 3,
                INTEGRITY, CONTENT);
        List<String> names = new ArrayList<>();
        record.headers().forEach(h -> names.add(h.key()));
        assertEquals(ProtocolHeaders.ALL, names);
    }

    @Test
    void positionsOutsideTheFileAndAMissingIntegrityAreProgrammingErrors() {
        assertThrows(IllegalArgumentException.class, () -> FileRecords.headers(RecipientMode.HOSTNAME, "r", "f", 0,
                1, INTEGRITY));
        assertThrows(IllegalArgumentException.class, () -> FileRecords.headers(RecipientMode.HOSTNAME, "r", "f", 3,
                2, INTEGRITY));
        assertThrows(NullPointerException.class, () -> FileRecords.headers(RecipientMode.HOSTNAME, "r", "f", 1, 1,
                null));
    }

    @Test
    void recordsNeverCarryABinaryOrZeroBasedIndex() {
        ProducerRecord<byte[], byte[]> first = FileRecords.record("t", 0, RecipientMode.HOSTNAME, "r", "f", 1, 2,
                INTEGRITY, CONTENT);
        assertEquals("1", new String(first.headers().lastHeader("chunk-index").value(), StandardCharsets.US_ASCII));
        assertNull(FileRecords.record("t", 0, RecipientMode.ZONE_ID, "z", "f", 1, 1, INTEGRITY, CONTENT).headers()
                .lastHeader("hostname"));
    }
}
