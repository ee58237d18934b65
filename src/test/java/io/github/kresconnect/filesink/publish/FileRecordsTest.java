package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
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
import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.record.FilePartReader;

class FileRecordsTest {
    private static final byte[] CONTENT = {0, (byte) 0xff, 'a', (byte) 0xc3};

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
                "rpz/block.rpz", 2, 12, CONTENT);
        assertEquals("t", record.topic());
        assertEquals(4, record.partition());
        assertEquals("rpz/block.rpz", new String(record.key(), StandardCharsets.UTF_8));
        assertArrayEquals(CONTENT, record.value());
        assertEquals(Map.of("hostname", "r1", "file-name", "rpz/block.rpz", "total-chunks", "12", "chunk-index", "2"),
                headerText(record));
    }

    @Test
    void wholeFileCarriesNoChunkHeaders() {
        ProducerRecord<byte[], byte[]> record = FileRecords.record("t", 0, RecipientMode.HOSTNAME, "r1", "a.yaml",
                1, 1, CONTENT);
        assertEquals(Map.of("hostname", "r1", "file-name", "a.yaml"), headerText(record));
    }

    @Test
    void zoneModeKeysByZoneAndSendsNoHostname() {
        ProducerRecord<byte[], byte[]> record = FileRecords.record("t", 1, RecipientMode.ZONE_ID, "dc-east",
                "block.rpz", 3, 3, CONTENT);
        assertEquals("dc-east", new String(record.key(), StandardCharsets.UTF_8));
        assertEquals(Map.of("file-name", "block.rpz", "total-chunks", "3", "chunk-index", "3"), headerText(record));
    }

    /** The connector's own reader, given the record as a worker converts it, reads back what was sent. */
    @Test
    void theConnectorsReaderUnderstandsTheRecordsWithEitherHeaderConverter() throws Exception {
        for (HeaderConverter converter : List.of(new StringConverter(), new SimpleHeaderConverter())) {
            converter.configure(Map.of("converter.type", "header"));
            FilePartReader hostReader = new FilePartReader(RecipientMode.HOSTNAME, "r1", Set.of(), 8192);
            FilePart chunk = hostReader.read(sinkRecord(converter,
                    FileRecords.record("t", 0, RecipientMode.HOSTNAME, "r1", "rpz/b.rpz", 7, 10, CONTENT)))
                    .orElseThrow();
            assertEquals("rpz/b.rpz", chunk.fileName());
            assertEquals(7, chunk.chunkIndex());
            assertEquals(10, chunk.totalChunks());
            assertArrayEquals(CONTENT, chunk.content());

            FilePart whole = hostReader.read(sinkRecord(converter,
                    FileRecords.record("t", 0, RecipientMode.HOSTNAME, "r1", "config.yaml", 1, 1, CONTENT)))
                    .orElseThrow();
            assertTrue(whole.isWholeFile());
            assertEquals("config.yaml", whole.fileName());

            assertEquals(Optional.empty(), hostReader.read(sinkRecord(converter,
                    FileRecords.record("t", 0, RecipientMode.HOSTNAME, "r2", "x", 1, 1, CONTENT))));

            FilePartReader zoneReader = new FilePartReader(RecipientMode.ZONE_ID, "ignored", Set.of("dc-east"), 8192);
            FilePart zoned = zoneReader.read(sinkRecord(converter,
                    FileRecords.record("t", 0, RecipientMode.ZONE_ID, "dc-east", "rpz/b.rpz", 2, 2, CONTENT)))
                    .orElseThrow();
            assertEquals("rpz/b.rpz", zoned.fileName());
            assertEquals(2, zoned.chunkIndex());
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
    void recordsNeverCarryABinaryOrZeroBasedIndex() {
        ProducerRecord<byte[], byte[]> first = FileRecords.record("t", 0, RecipientMode.HOSTNAME, "r", "f", 1, 2,
                CONTENT);
        assertEquals("1", new String(first.headers().lastHeader("chunk-index").value(), StandardCharsets.US_ASCII));
        assertNull(FileRecords.record("t", 0, RecipientMode.ZONE_ID, "z", "f", 1, 1, CONTENT).headers()
                .lastHeader("hostname"));
    }
}
