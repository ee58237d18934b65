package io.github.kresconnect.filesink.publish;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.github.kresconnect.filesink.protocol.FreshnessStatement;
import io.github.kresconnect.filesink.protocol.InvalidHeaderException;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedTransfers;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * The newest signed version of every file for every recipient, as the topic holds it: the topic is read from its
 * beginning to its end (no consumer group), and a version counts only when a trusted key's signature of it
 * verifies, so a record someone else wrote into the topic cannot raise a stated version (and with it every host's
 * floor). The newest earlier statement found (verified the same way) is carried forward, so a file whose records
 * the topic's retention removed keeps its stated version. The topic is the source because it is what the hosts
 * read: every publisher's files are in it, whichever machine sent them.
 */
final class NewestVersions {
    private record Key(SignedFile.RecipientKind kind, String recipient, String file) {
    }

    private final Map<String, PublicKey> trusted;
    private final Map<Key, Long> newest = new HashMap<>();
    private FreshnessStatement previous;
    private long records;
    private long unverified;

    NewestVersions(Map<String, PublicKey> trustedById) {
        this.trusted = Map.copyOf(trustedById);
    }

    /** Reads the whole topic as it is now. */
    void read(Map<String, Object> clientSettings, String topic, Duration timeout) {
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic '" + topic + "' could not be read to its end within "
                            + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    accept(record.key(), record.value(), record.headers());
                }
            }
        }
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    /** Takes in one record of the topic. */
    void accept(byte[] key, byte[] value, Headers headers) {
        records++;
        String keyId = text(headers, ProtocolHeaders.SIGNATURE_KEY_ID);
        String signature = text(headers, ProtocolHeaders.SIGNATURE);
        if (keyId == null || signature == null || !trusted.containsKey(keyId)) {
            return;
        }
        if (text(headers, FreshnessStatement.HEADER) != null) {
            statement(value, trusted.get(keyId), signature);
            return;
        }
        String fileName = text(headers, ProtocolHeaders.FILE_NAME);
        String version = text(headers, ProtocolHeaders.FILE_VERSION);
        String host = text(headers, ProtocolHeaders.HOSTNAME);
        if (fileName == null || version == null || !ProtocolHeaders.isDecimal(version)
                || (host == null && key == null)) {
            return;
        }
        SignedFile.RecipientKind kind = host != null ? SignedFile.RecipientKind.HOSTNAME
                : SignedFile.RecipientKind.ZONE_ID;
        String recipient = host != null ? host : new String(key, StandardCharsets.UTF_8);
        Key at = new Key(kind, recipient, fileName);
        long stated;
        try {
            stated = ProtocolHeaders.parseDecimal(ProtocolHeaders.FILE_VERSION, version);
        } catch (InvalidHeaderException e) {
            return;
        }
        if (stated <= newest.getOrDefault(at, -1L)) {
            return; // not newer: no need to verify
        }
        try {
            TransferIntegrity integrity = new TransferIntegrity(
                    ProtocolHeaders.parseTransferId(text(headers, ProtocolHeaders.TRANSFER_ID)),
                    ProtocolHeaders.parseFileLength(text(headers, ProtocolHeaders.FILE_LENGTH)),
                    ProtocolHeaders.parseSha256(text(headers, ProtocolHeaders.FILE_SHA256)));
            String proof = text(headers, ProtocolHeaders.SIGNATURE_PROOF);
            SignedVersion signed = new SignedVersion(keyId, stated, signature,
                    proof == null ? null : SignatureBatch.Proof.parse(proof));
            if (SignedTransfers.verifies(trusted.get(keyId), new SignedFile(fileName, kind, recipient, integrity,
                    stated), signed)) {
                newest.put(at, stated);
            } else {
                unverified++;
            }
        } catch (InvalidHeaderException | RuntimeException e) {
            unverified++;
        }
    }

    private void statement(byte[] value, PublicKey key, String signature) {
        try {
            FreshnessStatement statement = FreshnessStatement.parse(value);
            if ((previous == null || statement.sequence() > previous.sequence())
                    && statement.verifies(key, signature)) {
                previous = statement;
            }
        } catch (IllegalArgumentException e) {
            unverified++;
        }
    }

    /** The statement to sign: the newest versions read, merged with the previous statement's. */
    FreshnessStatement statement(long now, Duration expiresIn) {
        Map<Key, Long> merged = new HashMap<>(newest);
        if (previous != null) {
            previous.entries().forEach(e -> merged.merge(new Key(e.kind(), e.recipient(), e.file()), e.version(),
                    Math::max));
        }
        long sequence = Math.max(now, previous == null ? 0 : previous.sequence() + 1);
        return new FreshnessStatement(sequence, now, now + expiresIn.toMillis(), merged.entrySet().stream()
                .map(e -> new FreshnessStatement.Entry(e.getKey().kind(), e.getKey().recipient(), e.getKey().file(),
                        e.getValue()))
                .toList());
    }

    long records() {
        return records;
    }

    /** Records signed by a trusted key id whose signature did not verify (ignored). */
    long unverified() {
        return unverified;
    }

    FreshnessStatement previous() {
        return previous;
    }

    private static String text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
