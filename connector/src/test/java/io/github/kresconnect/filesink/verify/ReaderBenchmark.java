package io.github.kresconnect.filesink.verify;

import java.lang.management.ManagementFactory;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.storage.StringConverter;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.publish.FileRecords;
import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.record.FilePartReader;

/**
 * What the task thread's own work costs for a small file, signed beside unsigned, in one JVM and without Kafka,
 * Connect's worker or the disk: {@code bin/benchmark --reader}. The same whole files of 4 KiB are sent as
 * {@code resolver-publish} sends them, unsigned and signed ({@link SignatureBatch#PUBLISHER_LEAVES} to a signature,
 * each record with its proof). Each round turns every record's headers into Connect headers with the
 * {@link StringConverter} (the shipped worker's {@code header.converter}), reads it with a fresh
 * {@link FilePartReader} and checks it with a fresh {@link SignatureVerifier} (as a new task does: every batch's
 * signature is verified once), unsigned and signed rounds in turn. It prints, per record, the median time and the
 * heap allocated by the rounds of the second half (the first half warms the JIT up), and the signed cost as a
 * ratio to the unsigned one in the same run. The delivery benchmark ({@code bin/benchmark --signed}) measures the
 * whole worker; this one says how much of it is the connector's own code.
 */
public final class ReaderBenchmark {
    private static final int FILE_BYTES = 4 * 1024;
    private static final String HOST = "resolver1";

    private ReaderBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int files = 2_000;
        int rounds = 400;
        for (String arg : args) {
            if (arg.equals("--short")) {
                rounds = 60;
            } else {
                System.err.println("unknown option: " + arg + " (bin/benchmark --reader [--short])");
                System.exit(2);
            }
        }
        List<ProducerRecord<byte[], byte[]>> unsigned = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> signed = new ArrayList<>();
        KeyPair key = Signatures.generateKeyPair();
        records(files, key, unsigned, signed);
        StringConverter converter = new StringConverter();
        converter.configure(Map.of("converter.type", "header"));

        long[][] nanos = new long[2][rounds];
        long[][] bytes = new long[2][rounds];
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
                .getThreadMXBean();
        for (int round = 0; round < rounds; round++) {
            for (int kind = 0; kind < 2; kind++) {
                List<ProducerRecord<byte[], byte[]>> records = kind == 0 ? unsigned : signed;
                FilePartReader reader = new FilePartReader(RecipientMode.HOSTNAME, HOST, Set.of(), 8192);
                SignatureVerifier verifier = new SignatureVerifier(List.of(key.getPublic()), kind == 1);
                long allocated = threads.getCurrentThreadAllocatedBytes();
                long start = System.nanoTime();
                long checked = 0;
                for (int i = 0; i < records.size(); i++) {
                    SinkRecord record = sinkRecord(converter, records.get(i), i);
                    FilePart part = reader.read(record).orElseThrow();
                    part = verifier.check(part, part.signed() == null ? null : reader.recipient(record).orElseThrow());
                    checked += part.content().length;
                }
                nanos[kind][round] = System.nanoTime() - start;
                bytes[kind][round] = threads.getCurrentThreadAllocatedBytes() - allocated;
                if (checked != (long) files * FILE_BYTES) {
                    throw new IllegalStateException("read " + checked + " bytes of content, not " + files * FILE_BYTES);
                }
            }
        }
        double unsignedMicros = median(nanos[0], rounds) / 1e3 / files;
        double signedMicros = median(nanos[1], rounds) / 1e3 / files;
        double unsignedBytes = median(bytes[0], rounds) / files;
        double signedBytes = median(bytes[1], rounds) / files;
        System.out.printf(Locale.ROOT, "Reading and checking %d whole files of 4 KiB (headers converted as the shipped "
                + "worker converts them), %d rounds each, medians of the last %d:%n", files, rounds, rounds / 2);
        System.out.printf(Locale.ROOT, "  unsigned: %.2f µs and %.0f bytes allocated per record%n", unsignedMicros,
                unsignedBytes);
        System.out.printf(Locale.ROOT, "  signed (%d per signature): %.2f µs and %.0f bytes allocated per record%n",
                SignatureBatch.PUBLISHER_LEAVES, signedMicros, signedBytes);
        System.out.printf(Locale.ROOT, "  signed - unsigned: %+.2f µs and %+.0f bytes per record (%.1fx the time)%n",
                signedMicros - unsignedMicros, signedBytes - unsignedBytes, signedMicros / unsignedMicros);
    }

    /** The files as unsigned records and as signed ones, signed together as {@code resolver-publish} signs them. */
    private static void records(int files, KeyPair key, List<ProducerRecord<byte[], byte[]>> unsigned,
            List<ProducerRecord<byte[], byte[]>> signed) {
        Random random = new Random(1);
        long version = System.currentTimeMillis();
        List<SignedFile> transfers = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            byte[] content = new byte[FILE_BYTES];
            random.nextBytes(content);
            contents.add(content);
            TransferIntegrity integrity = TransferIntegrity.forNewTransfer(content.length,
                    TransferIntegrity.newSha256().digest(content));
            transfers.add(new SignedFile(String.format(Locale.ROOT, "zone-%05d.rpz", i),
                    SignedFile.RecipientKind.HOSTNAME, HOST, integrity, version,
                    new SignedFile.Binding("", 1, content.length)));
        }
        List<SignedVersion> signatures = new ArrayList<>();
        for (int start = 0; start < files; start += SignatureBatch.PUBLISHER_LEAVES) {
            signatures.addAll(SignatureBatch.sign(key.getPrivate(), Signatures.keyId(key.getPublic()),
                    transfers.subList(start, Math.min(files, start + SignatureBatch.PUBLISHER_LEAVES)),
                    SignatureBatch.PUBLISHER_LEAVES));
        }
        for (int i = 0; i < files; i++) {
            SignedFile transfer = transfers.get(i);
            unsigned.add(FileRecords.record("knot-resolver", 0, RecipientMode.HOSTNAME, HOST, transfer.fileName(), 1,
                    1, transfer.integrity(), contents.get(i)));
            signed.add(FileRecords.record("knot-resolver", 0, RecipientMode.HOSTNAME, HOST, transfer.fileName(), 1,
                    1, transfer.integrity(), signatures.get(i), contents.get(i)));
        }
    }

    /** The record as a worker hands it to the task: its headers through the header converter. */
    private static SinkRecord sinkRecord(StringConverter converter, ProducerRecord<byte[], byte[]> record,
            long offset) {
        ConnectHeaders headers = new ConnectHeaders();
        for (Header header : record.headers()) {
            headers.add(header.key(), converter.toConnectHeader(record.topic(), header.key(), header.value()));
        }
        return new SinkRecord(record.topic(), 0, Schema.OPTIONAL_STRING_SCHEMA,
                new String(record.key(), java.nio.charset.StandardCharsets.UTF_8), Schema.OPTIONAL_BYTES_SCHEMA,
                record.value(), offset, null, null, headers);
    }

    /** The median of the second half of the rounds. */
    private static double median(long[] values, int rounds) {
        long[] late = Arrays.copyOfRange(values, rounds / 2, rounds);
        Arrays.sort(late);
        return late.length % 2 == 1 ? late[late.length / 2] : (late[late.length / 2 - 1] + late[late.length / 2]) / 2.0;
    }
}
