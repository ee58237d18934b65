package io.github.kresconnect.filesink.publish;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

import io.github.kresconnect.filesink.config.RecipientMode;

/**
 * Records exactly as the connector reads them (record.FilePartReader): header values are UTF-8 decimal
 * strings, chunk indexes are 1-based, the value is the raw bytes.
 *
 * <ul>
 * <li>hostname mode: key = file name, headers {@code hostname} and {@code file-name};</li>
 * <li>zone-id mode: key = zone id, header {@code file-name}, no {@code hostname}.</li>
 * </ul>
 * A file that fits in one record carries no chunk headers, as upstream producers send whole files; a larger
 * one carries {@code total-chunks} and {@code chunk-index} on every chunk.
 */
public final class FileRecords {
    public static final String HOSTNAME = "hostname";
    public static final String FILE_NAME = "file-name";
    public static final String TOTAL_CHUNKS = "total-chunks";
    public static final String CHUNK_INDEX = "chunk-index";

    private FileRecords() {
    }

    /** Chunk {@code index} (1-based) of {@code total} of file {@code fileName}, for one recipient. */
    public static ProducerRecord<byte[], byte[]> record(String topic, int partition, RecipientMode mode,
            String recipient, String fileName, int index, int total, byte[] content) {
        String key = mode == RecipientMode.ZONE_ID ? recipient : fileName;
        return new ProducerRecord<>(topic, partition, utf8(key), content,
                headers(mode, recipient, fileName, index, total));
    }

    public static List<Header> headers(RecipientMode mode, String recipient, String fileName, int index, int total) {
        if (index < 1 || index > total) {
            throw new IllegalArgumentException("chunk " + index + " of " + total);
        }
        List<Header> headers = new ArrayList<>(4);
        if (mode == RecipientMode.HOSTNAME) {
            headers.add(new RecordHeader(HOSTNAME, utf8(recipient)));
        } else if (mode != RecipientMode.ZONE_ID) {
            throw new IllegalArgumentException("the publisher addresses records by hostname or by zone id, not " + mode);
        }
        headers.add(new RecordHeader(FILE_NAME, utf8(fileName)));
        if (total > 1) {
            headers.add(new RecordHeader(TOTAL_CHUNKS, utf8(Integer.toString(total))));
            headers.add(new RecordHeader(CHUNK_INDEX, utf8(Integer.toString(index))));
        }
        return headers;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
