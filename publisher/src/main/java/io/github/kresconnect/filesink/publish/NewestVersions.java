package io.github.kresconnect.filesink.publish;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.github.kresconnect.filesink.protocol.Chunking;
import io.github.kresconnect.filesink.protocol.CoSignature;
import io.github.kresconnect.filesink.protocol.FreshnessStatement;
import io.github.kresconnect.filesink.protocol.InvalidHeaderException;
import io.github.kresconnect.filesink.protocol.InvalidRevocationListException;
import io.github.kresconnect.filesink.protocol.KeyRole;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.RevocationList;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignatureThreshold;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedTransfers;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.protocol.TrustedKey;

/**
 * The newest signed version of every file for every recipient, as the topic holds it: the topic is read from its
 * beginning to its end (no consumer group), and a version counts only when a trusted key's signature of it
 * verifies, so a record someone else wrote into the topic cannot raise a stated version (and with it every host's
 * floor). The newest earlier statement found (verified the same way) is carried forward, so a file whose records
 * the topic's retention removed keeps its stated version. The topic is the source because it is what the hosts
 * read: every publisher's files are in it, whichever machine sent them.
 *
 * <p>A version counts by the rules a host of the statement's fleet applies ({@link SignedTransfers#binding}): a
 * record signed for another fleet, or in form 1 when the statement has a fleet, or whose chunk geometry fits no
 * chunk size, is refused by every host of the fleet, so its version is not stated either. So is a record outside its
 * key's scope ({@link SignedTransfers#authorize}, the rule the hosts' verifier applies): a role the key lacks (a
 * configuration file by the hosts' {@code config.file.suffixes}, signed by a data-only key), a recipient or a file
 * name outside its patterns, a version past its not-after. Stated, such a version would block the file on the
 * host, which refuses every record of it. Only an earlier statement of the same fleet, signed by a key with role
 * {@code timestamp}, is carried forward.
 *
 * <p>The revocation lists in the topic count as hosts apply them: per recipient, the newest list ({@link
 * RevocationList}, by its signed version) that verifies by a key with role {@code revocation}, is one whole record
 * matching its digest and parses. A version signed by a key that list revokes is not stated (the newest version by
 * a key not revoked is), and its {@code reset-floor} lowers a version carried forward from the earlier statement,
 * as it lowers the host's floor. Statements by a key the list revokes are refused by the recipient's hosts, so what
 * is carried forward for a recipient comes from the newest earlier statement by a key its list does not revoke.
 *
 * <p>For hosts that need configuration files signed by several keys ({@code signatures.config.threshold}, {@code
 * --config-threshold}), a configuration file's version counts only when its signature and co-signatures come from
 * that many distinct keys by the hosts' rule ({@link SignatureThreshold}), and still do once the recipient's
 * revocation list applies; one signed by a single stolen configuration key is not stated, so it cannot raise the
 * hosts' floor and block their configuration. (The newest such version per signing key is kept: when a revocation
 * leaves it short of signers, no older version of that key is stated instead, which states less, never more.)
 */
final class NewestVersions {
    private record Key(SignedFile.RecipientKind kind, String recipient, String file) {
    }

    private record Recipient(SignedFile.RecipientKind kind, String recipient) {
    }

    /** A revocation list a host of the recipient applies, with its signed version. */
    private record Revocation(long version, RevocationList list) {
    }

    private static final RevocationList EMPTY = new RevocationList(Set.of(), Map.of());

    private final Map<String, TrustedKey> trusted = new LinkedHashMap<>();
    private final String fleet;
    private final List<String> configSuffixes;
    private final int configThreshold;
    /** Per file and recipient, the newest verified version signed by each key id. */
    private final Map<Key, Map<String, Long>> newest = new HashMap<>();
    /** For those versions, the distinct keys whose signatures counted (the signing key's, and co-signers'). */
    private final Map<Key, Map<String, Set<String>>> signers = new HashMap<>();
    /** Per recipient, the newest verified revocation list addressed to it. */
    private final Map<Recipient, Revocation> revocations = new HashMap<>();
    /** The newest earlier statement verified, per the key id that signed it. */
    private final Map<String, FreshnessStatement> previous = new HashMap<>();
    private long records;
    private long unverified;
    private long otherForm;
    private long outOfScope;
    private long belowThreshold;

    /**
     * Versions for the hosts of {@code fleet} ({@code ""}: hosts without a fleet id) that trust {@code trustedKeys}
     * (with their scopes) and take files with {@code configSuffixes} for configuration files.
     */
    NewestVersions(Collection<TrustedKey> trustedKeys, String fleet, Collection<String> configSuffixes) {
        this(trustedKeys, fleet, configSuffixes, 1);
    }

    /**
     * As above, for hosts that need a configuration file signed by {@code configThreshold} distinct keys (their
     * {@code signatures.config.threshold}, {@link SignatureThreshold}): a configuration file's version counts only
     * when that many keys signed it, and still do once the recipient's revocation list applies.
     */
    NewestVersions(Collection<TrustedKey> trustedKeys, String fleet, Collection<String> configSuffixes,
            int configThreshold) {
        trustedKeys.forEach(key -> trusted.putIfAbsent(key.id(), key));
        this.fleet = fleet;
        this.configSuffixes = List.copyOf(configSuffixes);
        this.configThreshold = configThreshold;
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
        boolean list = fileName.equals(RevocationList.FILE_NAME); // not a file a host holds, so never stated
        Recipient to = new Recipient(kind, recipient);
        if (list ? revocations.containsKey(to) && stated <= revocations.get(to).version()
                : stated <= newest.getOrDefault(at, Map.of()).getOrDefault(keyId, -1L)) {
            return; // not newer: no need to verify
        }
        try {
            SignedTransfers.authorize(trusted.get(keyId), fileName, kind, recipient, stated, configSuffixes);
        } catch (SignedTransfers.Refused e) {
            outOfScope++; // every host refuses it: stated, it would block the file there
            return;
        }
        try {
            TransferIntegrity integrity = new TransferIntegrity(
                    ProtocolHeaders.parseTransferId(text(headers, ProtocolHeaders.TRANSFER_ID)),
                    ProtocolHeaders.parseFileLength(text(headers, ProtocolHeaders.FILE_LENGTH)),
                    ProtocolHeaders.parseSha256(text(headers, ProtocolHeaders.FILE_SHA256)));
            String proof = text(headers, ProtocolHeaders.SIGNATURE_PROOF);
            String form = text(headers, ProtocolHeaders.SIGNATURE_FORM);
            String recordFleet = text(headers, ProtocolHeaders.FLEET);
            if (form == null ? recordFleet != null : !form.equals(SignedFile.FORM_2)) {
                unverified++; // a host rejects it as an invalid record
                return;
            }
            SignedVersion signed = new SignedVersion(keyId, stated, signature,
                    proof == null ? null : SignatureBatch.Proof.parse(proof),
                    form == null ? SignedVersion.FORM_1 : SignedVersion.FORM_2, recordFleet == null ? "" : recordFleet);
            String totalText = text(headers, ProtocolHeaders.TOTAL_CHUNKS);
            String indexText = text(headers, ProtocolHeaders.CHUNK_INDEX);
            boolean whole = totalText == null && indexText == null; // a whole file carries no chunk headers
            int total = whole ? Chunking.WHOLE_FILE_TOTAL
                    : ProtocolHeaders.parseCount(ProtocolHeaders.TOTAL_CHUNKS, totalText);
            int index = whole ? Chunking.FIRST_INDEX
                    : ProtocolHeaders.parseCount(ProtocolHeaders.CHUNK_INDEX, indexText);
            SignedFile.Binding binding;
            try {
                binding = SignedTransfers.binding(fleet, signed, integrity.length(), total, index,
                        value == null ? 0 : value.length);
            } catch (SignedTransfers.Refused e) {
                otherForm++;
                return;
            }
            List<CoSignature> cosignatures = new java.util.ArrayList<>();
            for (Header header : headers.headers(ProtocolHeaders.COSIGNATURE)) {
                cosignatures.add(CoSignature.parse(header.value() == null ? ""
                        : new String(header.value(), StandardCharsets.UTF_8))); // a host refuses a malformed one
            }
            SignedFile file = new SignedFile(fileName, kind, recipient, integrity, stated, binding);
            if (!SignedTransfers.verifies(trusted.get(keyId).key(), file, signed)) {
                unverified++;
            } else if (list) {
                revocation(to, stated, whole, integrity, value);
            } else {
                Set<String> counted = Set.of(keyId);
                if (SignatureThreshold.applies(fileName, configSuffixes, configThreshold)) {
                    SignatureThreshold.Tally tally = SignatureThreshold.count(file, signed.withCosignatures(
                            cosignatures), trusted, Set.of(), configSuffixes, SignatureThreshold.ED25519);
                    if (!tally.reaches(configThreshold)) {
                        belowThreshold++; // every host refuses it: stated, it would block the file there
                        return;
                    }
                    counted = Set.copyOf(tally.counted());
                }
                newest.computeIfAbsent(at, k -> new HashMap<>()).put(keyId, stated);
                signers.computeIfAbsent(at, k -> new HashMap<>()).put(keyId, counted);
            }
        } catch (InvalidHeaderException | RuntimeException e) {
            unverified++;
        }
    }

    /**
     * A verified revocation list, applied as a host applies it (the connector's {@code TaskRevocation}): one whole
     * record whose content matches its length and digest, {@link RevocationList#parse parsed} by the one rule, and
     * newer than the list before it for that recipient.
     */
    private void revocation(Recipient to, long version, boolean whole, TransferIntegrity integrity, byte[] value) {
        byte[] content = value == null ? new byte[0] : value;
        if (!whole || content.length != integrity.length() || !integrity.matches(content.length,
                TransferIntegrity.newSha256().digest(content))) {
            unverified++; // a host rejects it as an invalid record
            return;
        }
        try {
            revocations.put(to, new Revocation(version, RevocationList.parse(content)));
        } catch (InvalidRevocationListException e) {
            unverified++; // a host rejects it, naming the line
        }
    }

    private void statement(byte[] value, TrustedKey key, String signature) {
        try {
            FreshnessStatement statement = FreshnessStatement.parse(value);
            if (!statement.fleet().equals(fleet)) {
                otherForm++;
                return;
            }
            try {
                SignedTransfers.authorize(key, KeyRole.TIMESTAMP, statement.issuedAt()); // as hosts check it
            } catch (SignedTransfers.Refused e) {
                outOfScope++;
                return;
            }
            FreshnessStatement before = previous.get(key.id());
            if ((before == null || statement.sequence() > before.sequence())
                    && statement.verifies(key.key(), signature)) {
                previous.put(key.id(), statement);
            }
        } catch (IllegalArgumentException e) {
            unverified++;
        }
    }

    /** The statement to sign: the newest versions read, merged with the previous statement's. */
    FreshnessStatement statement(long now, Duration expiresIn) {
        Map<Key, Long> merged = new HashMap<>();
        newest.forEach((at, byKey) -> {
            Set<String> revoked = revocation(new Recipient(at.kind(), at.recipient())).revokedKeys();
            byKey.entrySet().stream().filter(e -> !revoked.contains(e.getKey()) && enoughSigners(at, e.getKey(),
                    revoked)).mapToLong(Map.Entry::getValue).max().ifPresent(version -> merged.put(at, version));
        });
        previous.forEach((keyId, earlier) -> {
            for (FreshnessStatement.Entry e : earlier.entries()) {
                RevocationList in = revocation(new Recipient(e.kind(), e.recipient()));
                if (!keyId.equals(carriedFrom(in))) {
                    continue; // the recipient's hosts hold a newer statement, or refuse this one's key
                }
                Long reset = in.floorResets().get(e.file());
                long carried = reset == null ? e.version() : Math.min(e.version(), reset); // as the host's floor
                merged.merge(new Key(e.kind(), e.recipient(), e.file()), carried, Math::max);
            }
        });
        FreshnessStatement newestEarlier = previous();
        long sequence = Math.max(now, newestEarlier == null ? 0 : newestEarlier.sequence() + 1);
        return new FreshnessStatement(sequence, now, now + expiresIn.toMillis(), merged.entrySet().stream()
                .map(e -> new FreshnessStatement.Entry(e.getKey().kind(), e.getKey().recipient(), e.getKey().file(),
                        e.getValue()))
                .toList(), fleet);
    }

    /**
     * Whether the version of {@code at} signed by {@code keyId} still has the signers a host needs once the keys
     * {@code revoked} no longer count (a data file: its signing key alone).
     */
    private boolean enoughSigners(Key at, String keyId, Set<String> revoked) {
        if (!SignatureThreshold.applies(at.file(), configSuffixes, configThreshold)) {
            return true;
        }
        return signers.get(at).get(keyId).stream().filter(id -> !revoked.contains(id)).count() >= configThreshold;
    }

    /**
     * The key id of the earlier statement a host applying {@code list} holds: the newest one by a key the list does
     * not revoke ({@code null}: none).
     */
    private String carriedFrom(RevocationList list) {
        return previous.entrySet().stream().filter(e -> !list.revokedKeys().contains(e.getKey()))
                .max(Comparator.comparingLong(e -> e.getValue().sequence())).map(Map.Entry::getKey).orElse(null);
    }

    /** The revocation list a host of the recipient applies (an empty one when none was read). */
    private RevocationList revocation(Recipient to) {
        Revocation in = revocations.get(to);
        return in == null ? EMPTY : in.list();
    }

    long records() {
        return records;
    }

    /** Records signed by a trusted key id whose signature did not verify (ignored). */
    long unverified() {
        return unverified;
    }

    /**
     * Records (and statements) a host of this fleet refuses whatever their signature: signed for another fleet, in
     * form 1 while the fleet has an id, or with a chunk geometry no chunk size gives (ignored).
     */
    long otherForm() {
        return otherForm;
    }

    /**
     * Records (and statements) signed by a trusted key outside its scope, which every host refuses: a role, recipient
     * or file name the key may not sign, a version past its not-after (ignored).
     */
    long outOfScope() {
        return outOfScope;
    }

    /**
     * Configuration files signed by fewer distinct keys than the hosts' threshold (ignored): every host refuses
     * them.
     */
    long belowThreshold() {
        return belowThreshold;
    }

    /** The newest earlier statement verified, whoever signed it ({@code null}: none). */
    FreshnessStatement previous() {
        return previous.values().stream().max(Comparator.comparingLong(FreshnessStatement::sequence)).orElse(null);
    }

    private static String text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
