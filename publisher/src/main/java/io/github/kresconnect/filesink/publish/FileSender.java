package io.github.kresconnect.filesink.publish;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordTooLargeException;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.Chunking;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.publish.PublishPlan.PlannedFile;
import io.github.kresconnect.filesink.store.FileKind;

/**
 * Streams the plan's files to the producer, one chunk in memory at a time (the producer's bounded buffer
 * makes send() wait when the broker is slower than the disk). Each chunk is read once and sent to every
 * recipient, on the recipient's own partition. Before each configuration file, the producer is flushed and
 * every earlier record must have been acknowledged: a config is never sent after a data file that failed.
 *
 * <p>Files go in groups of up to {@link SignatureBatch#PUBLISHER_LEAVES} transfers (files times recipients).
 * Before a group's first record, each of its files is read once to compute its SHA-256; every record of a file
 * then carries a fresh random transfer id, the file's length and that digest. A signing run signs the group's
 * transfers with one signature ({@link SignatureBatch}). The bytes sent are hashed too, and a file whose sent
 * bytes differ from the digest announced is reported as changed while being sent.
 */
final class FileSender {
    /** The read size while computing a file's SHA-256 before sending it. */
    private static final int DIGEST_BLOCK_BYTES = 64 * 1024;

    /** A recipient, and the topic and partition all its records go to. */
    record Destination(String topic, String recipient, int partition) {
    }

    private final Producer<byte[], byte[]> producer;
    private final RecipientMode mode;
    private final List<Destination> destinations;
    private final Progress progress;
    /** Null when the run does not sign (no --sign). */
    private final TransferSigner signer;
    /** The transfers a co-signing request fixed, by file name ({@code --request}): their ids, lengths, digests. */
    private Map<String, TransferIntegrity> fixed = Map.of();
    private final AtomicReference<Failure> firstFailure = new AtomicReference<>();
    /** Told of every transfer as it starts (for --wait). */
    private java.util.function.Consumer<io.github.kresconnect.filesink.receipts.SentTransfer> onTransfer =
            transfer -> {
            };

    private record Failure(String what, Exception error) {
    }

    FileSender(Producer<byte[], byte[]> producer, RecipientMode mode, List<Destination> destinations,
            Progress progress) {
        this(producer, mode, destinations, progress, null);
    }

    /** A sender that signs every transfer with {@code signer} (each file and recipient), or not when null. */
    FileSender(Producer<byte[], byte[]> producer, RecipientMode mode, List<Destination> destinations,
            Progress progress, TransferSigner signer) {
        this.signer = signer;
        this.producer = producer;
        this.mode = mode;
        this.destinations = List.copyOf(destinations);
        this.progress = progress;
    }

    /** Tells {@code listener} of every transfer as it starts: file, kind, transfer id, digest, length. */
    FileSender onTransfer(java.util.function.Consumer<io.github.kresconnect.filesink.receipts.SentTransfer> listener) {
        this.onTransfer = listener;
        return this;
    }

    /**
     * Sends each file as the transfer {@code request} fixed (its transfer id), refusing a file whose length or SHA-256
     * is not the request's, so the signed bytes are those a detached co-signer signed.
     */
    FileSender withRequest(CosignRequest request) {
        Map<String, TransferIntegrity> byName = new java.util.HashMap<>();
        request.files().forEach(file -> byName.put(file.name(), file.integrity()));
        this.fixed = Map.copyOf(byName);
        return this;
    }

    void send(PublishPlan plan) throws PublishException {
        List<PlannedFile> files = plan.files();
        int filesPerGroup = CosignRequest.filesPerGroup(destinations.size());
        for (int start = 0; start < files.size(); start += filesPerGroup) {
            List<PlannedFile> group = files.subList(start, Math.min(files.size(), start + filesPerGroup));
            List<Digested> digested = new ArrayList<>(group.size());
            PublishException unreadable = null;
            for (PlannedFile file : group) {
                try {
                    digested.add(fixedBy(digest(file)));
                } catch (PublishException e) {
                    // The files before it are sent, as they would have been without the group.
                    unreadable = e;
                    break;
                }
            }
            List<SignedVersion> signatures = sign(digested, plan.chunkSize());
            for (int g = 0; g < digested.size(); g++) {
                PlannedFile file = group.get(g);
                if (file.kind() == FileKind.CONFIG) {
                    flushAndCheck(file);
                }
                progress.fileStarted(start + g + 1, files.size(), file, destinations.size());
                int first = g * destinations.size();
                sendFile(digested.get(g), signatures.subList(first, first + destinations.size()), plan.chunkSize());
            }
            if (unreadable != null) {
                flushAndCheck(null);
                throw unreadable;
            }
        }
        flushAndCheck(null);
    }

    /** A file about to be sent: its integrity headers, and its modification time when they were computed. */
    private record Digested(PlannedFile file, TransferIntegrity integrity, FileTime modified) {
    }

    /** The transfer as the request fixed it; a file that differs from the request is not sent. */
    private Digested fixedBy(Digested digested) throws PublishException {
        TransferIntegrity wanted = fixed.get(digested.file().name());
        if (fixed.isEmpty()) {
            return digested;
        }
        if (wanted == null || wanted.length() != digested.integrity().length()
                || !wanted.sha256Hex().equals(digested.integrity().sha256Hex())) {
            throw new PublishException(ExitCode.FILE, "'" + digested.file().path() + "' is not the file the "
                    + "co-signing request names " + digested.file().name() + (wanted == null ? "" : " (SHA-256 "
                    + wanted.sha256Hex() + ")") + "; it and every file after it were not sent");
        }
        return new Digested(digested.file(), wanted, digested.modified());
    }

    /** The transfer's integrity (a fresh transfer id) of a file, as the run would send it: for a request. */
    static TransferIntegrity integrityOf(PlannedFile file) throws PublishException {
        return digest(file).integrity();
    }

    /** Reads the file once for its SHA-256: the transfer's integrity headers, with a fresh transfer id. */
    private static Digested digest(PlannedFile file) throws PublishException {
        try (FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ)) {
            FileTime modified = Files.getLastModifiedTime(file.path());
            TransferIntegrity integrity = TransferIntegrity.forNewTransfer(file.size(), sha256(channel, file));
            if (file.validatedSha256() != null && !file.validatedSha256().equalsIgnoreCase(integrity.sha256Hex())) {
                throw new PublishException(ExitCode.FILE, "'" + file.path() + "': it changed after it was "
                        + "validated as a configuration file; it and every file after it were not sent");
            }
            return new Digested(file, integrity, modified);
        } catch (IOException e) {
            throw new PublishException(ExitCode.FILE, "cannot read '" + file.path() + "': " + e.getMessage()
                    + "; it and every file after it were not sent", e);
        }
    }

    private void sendFile(Digested digested, List<SignedVersion> signatures, int chunkSize) throws PublishException {
        PlannedFile file = digested.file();
        TransferIntegrity integrity = digested.integrity();
        try (FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ)) {
            onTransfer.accept(new io.github.kresconnect.filesink.receipts.SentTransfer(file.name(),
                    file.kind() == FileKind.CONFIG, integrity.transferId(), integrity.sha256Hex(), file.size()));
            MessageDigest sent = TransferIntegrity.newSha256();
            for (int index = Chunking.FIRST_INDEX; index <= file.chunks(); index++) {
                int length = Chunking.chunkLength(file.size(), chunkSize, index);
                // A fresh array per chunk: the producer keeps a reference until the record is serialized.
                byte[] chunk = readFully(channel, Chunking.chunkOffset(index, chunkSize), length, file);
                sent.update(chunk);
                for (int d = 0; d < destinations.size(); d++) {
                    Destination destination = destinations.get(d);
                    checkNoFailure();
                    ProducerRecord<byte[], byte[]> record = FileRecords.record(destination.topic(),
                            destination.partition(), mode,
                            destination.recipient(), file.name(), index, file.chunks(), integrity, signatures.get(d),
                            chunk);
                    String what = describe(file, index, destination);
                    try {
                        producer.send(record, (metadata, error) -> {
                            if (error == null) {
                                progress.acknowledged(length);
                            } else {
                                firstFailure.compareAndSet(null, new Failure(what, error));
                            }
                        });
                    } catch (KafkaException e) {
                        firstFailure.compareAndSet(null, new Failure(what, e));
                        checkNoFailure();
                    }
                }
            }
            if (channel.size() != file.size() || !Files.getLastModifiedTime(file.path()).equals(digested.modified())
                    || !integrity.matches(file.size(), sent.digest())) {
                throw changed(file, "it changed while being sent");
            }
        } catch (IOException e) {
            throw new PublishException(ExitCode.FILE, "cannot read '" + file.path() + "': " + e.getMessage()
                    + incompleteNote(file), e);
        }
    }

    /**
     * The signature headers of every transfer of the group, file by file and, within a file, recipient by
     * recipient (each covers its recipient); one signature covers the whole group. Nulls when the run does not
     * sign.
     */
    private List<SignedVersion> sign(List<Digested> group, int chunkSize) {
        List<SignedFile> transfers = new ArrayList<>(group.size() * destinations.size());
        for (Digested digested : group) {
            for (Destination destination : destinations) {
                transfers.add(signer == null ? null
                        : signer.transfer(mode, destination.recipient(), digested.file().name(), digested.integrity(),
                                chunkSize));
            }
        }
        return signer == null ? Collections.nCopies(transfers.size(), null) : signer.sign(transfers);
    }

    /** The SHA-256 of the file's first {@code file.size()} bytes, read in small blocks: memory stays flat. */
    private static byte[] sha256(FileChannel channel, PlannedFile file) throws IOException, PublishException {
        MessageDigest digest = TransferIntegrity.newSha256();
        ByteBuffer buffer = ByteBuffer.allocate(DIGEST_BLOCK_BYTES);
        long position = 0;
        while (position < file.size()) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), file.size() - position));
            int read = channel.read(buffer, position);
            if (read < 0) {
                throw new PublishException(ExitCode.FILE, "'" + file.path() + "': it became shorter while its "
                        + "SHA-256 was computed; it and every file after it were not sent");
            }
            buffer.flip();
            digest.update(buffer);
            position += read;
        }
        return digest.digest();
    }

    private static byte[] readFully(FileChannel channel, long position, int length, PlannedFile file)
            throws IOException, PublishException {
        byte[] chunk = new byte[length];
        ByteBuffer buffer = ByteBuffer.wrap(chunk);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw changed(file, "it became shorter while being sent");
            }
        }
        return chunk;
    }

    private static PublishException changed(PlannedFile file, String what) {
        return new PublishException(ExitCode.FILE, "'" + file.path() + "': " + what + "; nothing after it was sent"
                + incompleteNote(file));
    }

    private static String incompleteNote(PlannedFile file) {
        return file.isChunked()
                ? " (chunks already sent form an incomplete set, which the connector never assembles and discards "
                        + "after chunks.stale.after.ms; send the file again)"
                : "";
    }

    private void flushAndCheck(PlannedFile nextConfig) throws PublishException {
        try {
            producer.flush();
        } catch (KafkaException e) {
            firstFailure.compareAndSet(null, new Failure("flushing the producer", e));
        }
        if (firstFailure.get() != null && nextConfig != null) {
            progress.interrupted();
            Failure failure = firstFailure.get();
            throw failed(failure, "; configuration file '" + nextConfig.name() + "' and every file after it were not "
                    + "sent");
        }
        checkNoFailure();
    }

    private void checkNoFailure() throws PublishException {
        Failure failure = firstFailure.get();
        if (failure != null) {
            progress.interrupted();
            throw failed(failure, "; nothing after it was sent");
        }
    }

    private static PublishException failed(Failure failure, String consequence) {
        Exception error = failure.error();
        ExitCode code = error instanceof AuthenticationException || error instanceof AuthorizationException
                ? ExitCode.NOT_AUTHORIZED : ExitCode.DELIVERY_FAILED;
        String hint = error instanceof RecordTooLargeException
                ? " (the broker's message.max.bytes or the topic's max.message.bytes is below the record: use a "
                        + "smaller --chunk-size)"
                : "";
        return new PublishException(code, "the broker did not acknowledge " + failure.what() + ": "
                + TopicCheck.causes(error) + hint + consequence, error);
    }

    private String describe(PlannedFile file, int index, Destination destination) {
        String part = file.isChunked() ? "chunk " + index + "/" + file.chunks() + " of '" + file.name() + "'"
                : "'" + file.name() + "'";
        return part + " for " + (mode == RecipientMode.ZONE_ID ? "zone " : "host ") + destination.recipient()
                + " (partition " + destination.partition() + ")";
    }
}
