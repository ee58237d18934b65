package io.github.kresconnect.filesink.publish;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.Chunking;
import io.github.kresconnect.filesink.protocol.CoSignature;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * Records exactly as the connector reads them (record.FilePartReader), following {@link ProtocolHeaders} and
 * {@link Chunking}: header values are UTF-8 decimal strings, chunk indexes are 1-based, the value is the raw
 * bytes.
 *
 * <ul>
 * <li>hostname mode: key = file name, headers {@code hostname} and {@code file-name};</li>
 * <li>zone-id mode: key = zone id, header {@code file-name}, no {@code hostname}.</li>
 * </ul>
 * A file that fits in one record carries no chunk headers, as upstream producers send whole files; a larger
 * one carries {@code total-chunks} and {@code chunk-index} on every chunk. Every record carries the transfer's
 * {@code transfer-id}, {@code file-length} and {@code file-sha256}, the same on all records of one file.
 */
public final class FileRecords {

    private FileRecords() {
    }

    /** Chunk {@code index} (1-based) of {@code total} of file {@code fileName}, for one recipient. */
    public static ProducerRecord<byte[], byte[]> record(String topic, int partition, RecipientMode mode,
            String recipient, String fileName, int index, int total, TransferIntegrity integrity, byte[] content) {
        String key = mode == RecipientMode.ZONE_ID ? recipient : fileName;
        return new ProducerRecord<>(topic, partition, utf8(key), content,
                headers(mode, recipient, fileName, index, total, integrity));
    }

    /** As {@link #record(String, int, RecipientMode, String, String, int, int, TransferIntegrity, byte[])}, signed. */
    public static ProducerRecord<byte[], byte[]> record(String topic, int partition, RecipientMode mode,
            String recipient, String fileName, int index, int total, TransferIntegrity integrity, SignedVersion signed,
            byte[] content) {
        String key = mode == RecipientMode.ZONE_ID ? recipient : fileName;
        List<Header> headers = headers(mode, recipient, fileName, index, total, integrity);
        if (signed != null) {
            headers.addAll(signatureHeaders(signed));
        }
        return new ProducerRecord<>(topic, partition, utf8(key), content, headers);
    }

    /**
     * The headers of a signed transfer, after the others: {@code signature-key-id}, {@code file-version} (decimal),
     * {@code signature} (base64), for a transfer signed with others {@code signature-proof}, and in form 2
     * {@code signature-form} ({@code 2}) and, with a fleet, {@code fleet}, then one {@code cosignature} per co-signing
     * key; the same on every record of the transfer to one recipient.
     */
    public static List<Header> signatureHeaders(SignedVersion signed) {
        List<Header> headers = new ArrayList<>(ProtocolHeaders.SIGNED_WITH_PROOF.size());
        headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE_KEY_ID, utf8(signed.keyId())));
        headers.add(new RecordHeader(ProtocolHeaders.FILE_VERSION, utf8(Long.toString(signed.version()))));
        headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE, utf8(signed.signatureBase64())));
        if (signed.proof() != null) {
            headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE_PROOF, utf8(signed.proof().headerValue())));
        }
        if (signed.form() == SignedVersion.FORM_2) {
            headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE_FORM, utf8(SignedFile.FORM_2)));
            if (!signed.fleet().isEmpty()) {
                headers.add(new RecordHeader(ProtocolHeaders.FLEET, utf8(signed.fleet())));
            }
        }
        for (CoSignature cosignature : signed.cosignatures()) {
            headers.add(new RecordHeader(ProtocolHeaders.COSIGNATURE, utf8(cosignature.headerValue())));
        }
        return headers;
    }

    public static List<Header> headers(RecipientMode mode, String recipient, String fileName, int index, int total,
            TransferIntegrity integrity) {
        Chunking.checkPosition(index, total);
        Objects.requireNonNull(integrity, "integrity");
        List<Header> headers = new ArrayList<>(ProtocolHeaders.ALL.size());
        if (mode == RecipientMode.HOSTNAME) {
            headers.add(new RecordHeader(ProtocolHeaders.HOSTNAME, utf8(recipient)));
        } else if (mode != RecipientMode.ZONE_ID) {
            throw new IllegalArgumentException("the publisher addresses records by hostname or by zone id, not " + mode);
        }
        headers.add(new RecordHeader(ProtocolHeaders.FILE_NAME, utf8(fileName)));
        if (Chunking.carriesChunkHeaders(total)) {
            headers.add(new RecordHeader(ProtocolHeaders.TOTAL_CHUNKS, utf8(Integer.toString(total))));
            headers.add(new RecordHeader(ProtocolHeaders.CHUNK_INDEX, utf8(Integer.toString(index))));
        }
        headers.add(new RecordHeader(ProtocolHeaders.TRANSFER_ID, utf8(integrity.transferId())));
        headers.add(new RecordHeader(ProtocolHeaders.FILE_LENGTH, utf8(Long.toString(integrity.length()))));
        headers.add(new RecordHeader(ProtocolHeaders.FILE_SHA256, utf8(integrity.sha256Hex())));
        return headers;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
