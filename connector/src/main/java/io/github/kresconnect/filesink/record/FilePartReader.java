package io.github.kresconnect.filesink.record;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.connect.sink.SinkRecord;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.Chunking;
import io.github.kresconnect.filesink.protocol.CoSignature;
import io.github.kresconnect.filesink.protocol.InvalidHeaderException;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.TopicNames;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * Turns a sink record into the part of a file it carries, after checking it is meant for this resolver.
 * Everything malformed is rejected here with a reason naming the header and value, before any I/O. The
 * header that selects the recipient ({@code hostname}) is checked before the record is known to be ours (an
 * empty or repeated one names no recipient); the other headers only on records for this resolver.
 */
public final class FilePartReader {
    private final RecipientMode mode;
    private final String hostname;
    private final Set<String> zoneIds;
    private final int maxChunks;
    private final SkippedRecipients skipped;

    /** Summarises skipped records in the log on the system's clock (see {@link SkippedRecipients}). */
    public FilePartReader(RecipientMode mode, String hostname, Set<String> zoneIds, int maxChunks) {
        this(mode, hostname, zoneIds, maxChunks, SkippedRecipients.withSystemClock(mode, hostname, zoneIds));
    }

    public FilePartReader(RecipientMode mode, String hostname, Set<String> zoneIds, int maxChunks,
            SkippedRecipients skipped) {
        this.mode = mode;
        this.hostname = hostname;
        this.zoneIds = Set.copyOf(zoneIds);
        this.maxChunks = maxChunks;
        this.skipped = skipped;
    }

    /**
     * The file part the record carries, or empty when the record is for another resolver.
     *
     * @throws InvalidRecordException when the record is for nobody we can tell, or malformed
     */
    public Optional<FilePart> read(SinkRecord record) throws InvalidRecordException {
        RecordHeaders.Found headers = RecordHeaders.find(record.headers());
        if (!isForThisResolver(record, headers)) {
            return Optional.empty();
        }
        headers.checkAtMostOnce(ProtocolHeaders.ALL);
        headers.checkAtMostOnce(ProtocolHeaders.SIGNED_WITH_PROOF);
        String fileName = fileName(record, headers);
        int[] chunk = chunkPosition(headers);
        TransferIntegrity integrity = integrity(headers);
        SignedVersion signed = signed(headers, integrity);
        return Optional.of(new FilePart(fileName, chunk[0], chunk[1], content(record), integrity, signed,
                record.timestamp() == null ? FilePart.NO_TIMESTAMP : record.timestamp()));
    }

    /** The recipient a record that {@link #read} accepted is addressed to, as its signature covers it. */
    public record Recipient(SignedFile.RecipientKind kind, String name) {
    }

    /**
     * Which of this resolver's recipients the record is addressed to: its {@code hostname} header when that is
     * this host (in the modes that use it), else its key when that is one of this resolver's zone ids; empty for
     * a record meant for another resolver.
     */
    public Optional<Recipient> recipient(SinkRecord record) throws InvalidRecordException {
        if (mode.usesHostname()) {
            Optional<String> host = RecordHeaders.text(record.headers(), ProtocolHeaders.HOSTNAME);
            if (host.isPresent() && host.get().equals(hostname)) {
                return Optional.of(new Recipient(SignedFile.RecipientKind.HOSTNAME, host.get()));
            }
        }
        if (mode.usesZoneId()) {
            Optional<String> key = keyText(record);
            if (key.isPresent() && isOwnZone(key.get())) {
                return Optional.of(new Recipient(SignedFile.RecipientKind.ZONE_ID, key.get()));
            }
        }
        return Optional.empty();
    }

    /**
     * Where a record is and which file it names, for log lines: {@code knot-resolver-0@42 'zones/a.rpz'}. The
     * name is quoted with control characters escaped, so a hostile name cannot forge log lines.
     */
    public static String describe(SinkRecord record) {
        String where = record.topic() + "-" + record.kafkaPartition() + "@" + record.kafkaOffset();
        try {
            Optional<String> name = RecordHeaders.text(record.headers(), ProtocolHeaders.FILE_NAME);
            if (name.isEmpty() && record.key() instanceof String key) {
                name = Optional.of(key);
            }
            return name.map(n -> where + " " + RecordHeaders.quote(n)).orElse(where);
        } catch (InvalidRecordException e) {
            return where;
        }
    }

    private boolean isForThisResolver(SinkRecord record, RecordHeaders.Found headers) throws InvalidRecordException {
        Optional<String> recipientHost = mode.usesHostname()
                ? headers.text(ProtocolHeaders.HOSTNAME)
                : Optional.empty();
        if (recipientHost.isPresent() && recipientHost.get().isEmpty()) {
            throw new InvalidRecordException("header 'hostname' is empty: the record names no recipient");
        }
        Optional<String> key = mode.usesZoneId() ? keyText(record) : Optional.empty();
        if (recipientHost.isEmpty() && key.isEmpty()) {
            throw new InvalidRecordException(switch (mode) {
                case HOSTNAME -> "header 'hostname' is missing: the record names no recipient";
                case ZONE_ID -> "record key is missing: in recipient.mode=zone-id the key names the recipient zone";
                case HOSTNAME_OR_ZONE_ID -> "neither header 'hostname' nor a record key names a recipient";
            });
        }
        boolean ours = recipientHost.map(hostname::equals).orElse(false)
                || key.map(this::isOwnZone).orElse(false);
        if (ours) {
            skipped.own();
        } else {
            skipped.skipped(recipientHost.orElse(null), key.orElse(null));
        }
        return ours;
    }

    /** One of this resolver's zone ids, or the one that addresses every host ({@link TopicNames#BROADCAST_ZONE_ID}). */
    private boolean isOwnZone(String key) {
        return zoneIds.contains(key) || TopicNames.BROADCAST_ZONE_ID.equals(key);
    }

    private String fileName(SinkRecord record, RecordHeaders.Found headers) throws InvalidRecordException {
        Optional<String> fromHeader = headers.text(ProtocolHeaders.FILE_NAME);
        if (fromHeader.isPresent()) {
            return fromHeader.get();
        }
        if (mode == RecipientMode.ZONE_ID) {
            throw new InvalidRecordException(
                    "header 'file-name' is missing: in recipient.mode=zone-id the key is a zone id, not a file name");
        }
        return keyText(record).orElseThrow(() -> new InvalidRecordException(
                "header 'file-name' is missing and the record has no key to take the file name from"));
    }

    /** {index, total}, 1-based; a whole file is {1, 1}. */
    private int[] chunkPosition(RecordHeaders.Found headers) throws InvalidRecordException {
        int total = headers.number(ProtocolHeaders.TOTAL_CHUNKS).orElse(0);
        int index = headers.number(ProtocolHeaders.CHUNK_INDEX).orElse(0);
        if (total == 0 && index == 0) {
            return new int[] {Chunking.FIRST_INDEX, Chunking.WHOLE_FILE_TOTAL};
        }
        if (total == 0) {
            throw new InvalidRecordException("header 'chunk-index' is " + index
                    + " but header 'total-chunks' is missing or 0");
        }
        if (index == 0) {
            throw new InvalidRecordException("header 'chunk-index' is missing or 0 (indexes are 1-based) while "
                    + "header 'total-chunks' is " + total);
        }
        if (total > maxChunks) {
            throw new InvalidRecordException("header 'total-chunks' is " + total + ", above chunks.max.count="
                    + maxChunks);
        }
        if (index > total) {
            throw new InvalidRecordException("header 'chunk-index' is " + index + ", above header 'total-chunks' "
                    + total);
        }
        return new int[] {index, total};
    }

    /**
     * The whole file's transfer id, length and SHA-256, or null when the record carries none of the three
     * headers. Some but not all of them is an error: a record either announces its file or does not.
     */
    private static TransferIntegrity integrity(RecordHeaders.Found headers) throws InvalidRecordException {
        Optional<String> transferId = headers.text(ProtocolHeaders.TRANSFER_ID);
        Optional<Long> length = headers.longNumber(ProtocolHeaders.FILE_LENGTH);
        Optional<String> sha256 = headers.text(ProtocolHeaders.FILE_SHA256);
        List<String> missing = new ArrayList<>();
        List<String> present = new ArrayList<>();
        (transferId.isPresent() ? present : missing).add(ProtocolHeaders.TRANSFER_ID);
        (length.isPresent() ? present : missing).add(ProtocolHeaders.FILE_LENGTH);
        (sha256.isPresent() ? present : missing).add(ProtocolHeaders.FILE_SHA256);
        if (present.isEmpty()) {
            return null;
        }
        if (!missing.isEmpty()) {
            throw new InvalidRecordException(names(missing) + (missing.size() == 1 ? " is" : " are") + " missing while "
                    + names(present) + (present.size() == 1 ? " is" : " are") + " present: headers 'transfer-id', "
                    + "'file-length' and 'file-sha256' come together or not at all");
        }
        try {
            return new TransferIntegrity(ProtocolHeaders.parseTransferId(transferId.get()), length.get(),
                    ProtocolHeaders.parseSha256(sha256.get()));
        } catch (InvalidHeaderException e) {
            throw RecordHeaders.invalid(e);
        }
    }

    /**
     * The signature's key id, file version and signature, the proof of a transfer signed with others and the
     * co-signatures (parsed, not yet checked), or null
     * when the record carries none of the three headers. Some but not all of them, a proof without them, or a
     * signature without the integrity headers, is an error. The signature itself is kept as text: the verifier
     * decodes and checks it.
     */
    private static SignedVersion signed(RecordHeaders.Found headers, TransferIntegrity integrity)
            throws InvalidRecordException {
        Optional<String> keyId = headers.text(ProtocolHeaders.SIGNATURE_KEY_ID);
        Optional<Long> version = headers.longNumber(ProtocolHeaders.FILE_VERSION);
        Optional<String> signature = headers.text(ProtocolHeaders.SIGNATURE);
        Optional<String> proof = headers.text(ProtocolHeaders.SIGNATURE_PROOF);
        Optional<String> form = headers.text(ProtocolHeaders.SIGNATURE_FORM);
        Optional<String> fleet = headers.text(ProtocolHeaders.FLEET);
        List<String> cosignatures = headers.texts(ProtocolHeaders.COSIGNATURE);
        List<String> missing = new ArrayList<>();
        List<String> present = new ArrayList<>();
        (keyId.isPresent() ? present : missing).add(ProtocolHeaders.SIGNATURE_KEY_ID);
        (version.isPresent() ? present : missing).add(ProtocolHeaders.FILE_VERSION);
        (signature.isPresent() ? present : missing).add(ProtocolHeaders.SIGNATURE);
        if (present.isEmpty() && (form.isPresent() || fleet.isPresent())) {
            throw new InvalidRecordException("header '" + (form.isPresent() ? ProtocolHeaders.SIGNATURE_FORM
                    : ProtocolHeaders.FLEET) + "' is present without 'signature-key-id', 'file-version' and "
                    + "'signature': it belongs to a signature");
        }
        if (present.isEmpty() && !cosignatures.isEmpty()) {
            throw new InvalidRecordException("header '" + ProtocolHeaders.COSIGNATURE + "' is present without "
                    + "'signature-key-id', 'file-version' and 'signature': a co-signature signs what the signature "
                    + "covers");
        }
        if (present.isEmpty() && proof.isPresent()) {
            throw new InvalidRecordException("header '" + ProtocolHeaders.SIGNATURE_PROOF + "' is present without "
                    + "'signature-key-id', 'file-version' and 'signature': a proof belongs to a signature");
        }
        if (present.isEmpty()) {
            return null;
        }
        if (!missing.isEmpty()) {
            throw new InvalidRecordException(names(missing) + (missing.size() == 1 ? " is" : " are") + " missing while "
                    + names(present) + (present.size() == 1 ? " is" : " are") + " present: headers 'signature-key-id', "
                    + "'file-version' and 'signature' come together or not at all");
        }
        if (integrity == null) {
            throw new InvalidRecordException("the record is signed but carries no 'transfer-id', 'file-length' and "
                    + "'file-sha256': a signature covers them, so a signed record needs them");
        }
        if (form.isPresent() && !form.get().equals(SignedFile.FORM_2)) {
            throw new InvalidRecordException("header '" + ProtocolHeaders.SIGNATURE_FORM + "' is "
                    + RecordHeaders.quote(form.get()) + ": the only signed form a record names is " + SignedFile.FORM_2
                    + " (form 1 carries no such header)");
        }
        if (fleet.isPresent() && form.isEmpty()) {
            throw new InvalidRecordException("header '" + ProtocolHeaders.FLEET + "' is present without '"
                    + ProtocolHeaders.SIGNATURE_FORM + "' 2: only form 2 binds a fleet");
        }
        try {
            List<CoSignature> parsed = new ArrayList<>(cosignatures.size());
            for (String cosignature : cosignatures) {
                parsed.add(CoSignature.parse(cosignature));
            }
            return new SignedVersion(ProtocolHeaders.parseKeyId(keyId.get()), version.get(), signature.get(),
                    proof.isPresent() ? SignatureBatch.Proof.parse(proof.get()) : null,
                    form.isPresent() ? SignedVersion.FORM_2 : SignedVersion.FORM_1, fleet.orElse(""), parsed);
        } catch (InvalidHeaderException e) {
            throw RecordHeaders.invalid(e);
        }
    }

    private static String names(List<String> headers) {
        StringBuilder out = new StringBuilder(headers.size() == 1 ? "header " : "headers ");
        for (int i = 0; i < headers.size(); i++) {
            out.append(i == 0 ? "" : i == headers.size() - 1 ? " and " : ", ").append('\'').append(headers.get(i))
                    .append('\'');
        }
        return out.toString();
    }

    private static byte[] content(SinkRecord record) throws InvalidRecordException {
        Object value = record.value();
        if (value == null) {
            throw new InvalidRecordException("record value is null: a file or chunk needs content "
                    + "(an empty file is an empty value, not a tombstone)");
        }
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        if (value instanceof ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            return bytes;
        }
        throw new InvalidRecordException("record value is " + value.getClass().getSimpleName()
                + ", not bytes: set value.converter=org.apache.kafka.connect.converters.ByteArrayConverter "
                + "so files are never decoded as text");
    }

    private static Optional<String> keyText(SinkRecord record) throws InvalidRecordException {
        Object key = record.key();
        if (key == null) {
            return Optional.empty();
        }
        if (key instanceof byte[] || key instanceof ByteBuffer) {
            ByteBuffer buffer = key instanceof byte[] b ? ByteBuffer.wrap(b) : ((ByteBuffer) key).duplicate();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return Optional.of(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        }
        return Optional.of(key.toString());
    }
}
