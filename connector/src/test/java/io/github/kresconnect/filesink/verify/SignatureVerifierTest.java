package io.github.kresconnect.filesink.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.publish.FileRecords;
import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.record.FilePartReader;
import io.github.kresconnect.filesink.record.InvalidRecordException;

/** Every way a signed record can be wrong, through the connector's own reader, as the task calls them. */
class SignatureVerifierTest {
    private static final KeyPair TRUSTED = Signatures.generateKeyPair();
    private static final KeyPair OTHER = Signatures.generateKeyPair();
    private static final byte[] CONTENT = "zone data".getBytes(StandardCharsets.UTF_8);
    private static final TransferIntegrity INTEGRITY = new TransferIntegrity("0123456789abcdef0123456789abcdef",
            CONTENT.length, TransferIntegrity.sha256Hex(TransferIntegrity.newSha256().digest(CONTENT)));
    private static final long VERSION = 1764500000000L;

    private final FilePartReader reader = new FilePartReader(RecipientMode.HOSTNAME_OR_ZONE_ID, "r1",
            Set.of("dc-east"), 100);

    private static SignedVersion signed(KeyPair pair, RecipientKind kind, String recipient, String name,
            TransferIntegrity integrity) {
        return new SignedVersion(Signatures.keyId(pair.getPublic()), VERSION, Signatures.sign(pair.getPrivate(),
                new SignedFile(name, kind, recipient, integrity, VERSION)));
    }

    /** A record as resolver-publish sends it to host r1, signed by {@code pair}. */
    private static SinkRecord sent(KeyPair pair) {
        return sent(RecipientMode.HOSTNAME, "r1", "a.rpz", signed(pair, RecipientKind.HOSTNAME, "r1", "a.rpz",
                INTEGRITY));
    }

    private static SinkRecord sent(RecipientMode mode, String recipient, String name, SignedVersion signed) {
        ProducerRecord<byte[], byte[]> record = FileRecords.record("t", 0, mode, recipient, name, 1, 1, INTEGRITY,
                signed, CONTENT);
        SimpleHeaderConverter converter = new SimpleHeaderConverter();
        converter.configure(Map.of("converter.type", "header"));
        ConnectHeaders headers = new ConnectHeaders();
        for (Header header : record.headers()) {
            headers.add(header.key(), converter.toConnectHeader("t", header.key(), header.value()));
        }
        return new SinkRecord("t", 0, null, new String(record.key(), StandardCharsets.UTF_8), null, record.value(),
                0L, null, null, headers);
    }

    /** The record with header {@code name} set to {@code value} (added when absent, removed when null). */
    private static SinkRecord withHeader(SinkRecord record, String name, String value) {
        ConnectHeaders headers = new ConnectHeaders();
        record.headers().forEach(h -> {
            if (!h.key().equals(name)) {
                headers.add(h.key(), h.value(), h.schema());
            }
        });
        if (value != null) {
            headers.addString(name, value);
        }
        return record.newRecord(record.topic(), record.kafkaPartition(), null, record.key(), null, record.value(),
                record.timestamp(), headers);
    }

    private FilePart check(SignatureVerifier verifier, SinkRecord record) throws Exception {
        FilePart part = reader.read(record).orElseThrow();
        return verifier.check(part, part.signed() == null ? null : reader.recipient(record).orElseThrow());
    }

    private String rejection(SignatureVerifier verifier, SinkRecord record) {
        return assertThrows(SignatureRejectedException.class, () -> check(verifier, record)).getMessage();
    }

    private static SignatureVerifier required() {
        return new SignatureVerifier(List.of(TRUSTED.getPublic()), true);
    }

    @Test
    void aRecordSignedByATrustedKeyPassesWithItsVersion() throws Exception {
        FilePart part = check(required(), sent(TRUSTED));
        assertEquals(VERSION, part.signed().version());
        assertEquals(Signatures.keyId(TRUSTED.getPublic()), part.signed().keyId());
    }

    @Test
    void aZoneAddressedRecordIsVerifiedForItsZone() throws Exception {
        SinkRecord zoned = sent(RecipientMode.ZONE_ID, "dc-east", "a.rpz",
                signed(TRUSTED, RecipientKind.ZONE_ID, "dc-east", "a.rpz", INTEGRITY));
        assertEquals(VERSION, check(required(), zoned).signed().version());
        // Signed for zone dc-east, re-addressed to a host of the same name: not what was signed.
        FilePartReader hostNamedLikeTheZone = new FilePartReader(RecipientMode.HOSTNAME, "dc-east", Set.of(), 100);
        SinkRecord readdressed = withHeader(zoned, "hostname", "dc-east");
        FilePart part = hostNamedLikeTheZone.read(readdressed).orElseThrow();
        assertThrows(SignatureRejectedException.class, () -> required().check(part,
                hostNamedLikeTheZone.recipient(readdressed).orElseThrow()));
    }

    @Test
    void unsignedWhileRequiredIsRejected() throws Exception {
        SinkRecord unsigned = sent(RecipientMode.HOSTNAME, "r1", "a.rpz", null);
        assertTrue(rejection(required(), unsigned).contains("not signed"));
        // Upstream-style records (no integrity headers either) too.
        SinkRecord upstream = withHeader(withHeader(withHeader(unsigned, "transfer-id", null), "file-length", null),
                "file-sha256", null);
        assertTrue(rejection(required(), upstream).contains("signatures.required=true"));
    }

    /** A change to each signed header but the recipient's (which depends on how the record is addressed). */
    private static Map<String, UnaryOperator<SinkRecord>> signedFieldTampering() {
        return Map.of(
                "digest", r -> withHeader(r, "file-sha256", "0" + INTEGRITY.sha256Hex().substring(1)),
                "length", r -> withHeader(r, "file-length", Long.toString(INTEGRITY.length() + 1)),
                "name", r -> withHeader(r, "file-name", "b.rpz"),
                "transfer id", r -> withHeader(r, "transfer-id", "f" + INTEGRITY.transferId().substring(1)),
                "version", r -> withHeader(r, "file-version", Long.toString(VERSION + 1)));
    }

    @Test
    void everyTamperedSignedFieldIsRejected() {
        SinkRecord good = sent(TRUSTED);
        Map<String, UnaryOperator<SinkRecord>> tampering = new java.util.HashMap<>(signedFieldTampering());
        tampering.put("recipient (zone key instead of host)", r -> withHeader(
                        r.newRecord(r.topic(), r.kafkaPartition(), null, "dc-east", null, r.value(), r.timestamp(),
                                r.headers()), "hostname", "r2"));
        tampering.forEach((what, change) -> {
            String reason = rejection(required(), change.apply(good));
            assertTrue(reason.contains("does not match"), what + ": " + reason);
        });
        // Not required: a trusted key's bad signature is still rejected.
        SignatureVerifier optional = new SignatureVerifier(List.of(TRUSTED.getPublic()), false);
        tampering.forEach((what, change) -> assertTrue(rejection(optional, change.apply(good))
                .contains("does not match"), what));
    }

    @Test
    void aSignatureForAnotherRecipientIsRejected() {
        SinkRecord forR2 = sent(RecipientMode.HOSTNAME, "r1", "a.rpz", signed(TRUSTED, RecipientKind.HOSTNAME, "r2",
                "a.rpz", INTEGRITY));
        String reason = rejection(required(), forR2);
        assertTrue(reason.contains("for hostname 'r1'"), reason);
    }

    @Test
    void anUnknownKeyIsRejectedWhileRequiredAndCountsAsUnsignedOtherwise() throws Exception {
        SinkRecord byOther = sent(OTHER);
        String reason = rejection(required(), byOther);
        assertTrue(reason.contains("signed by key id " + Signatures.keyId(OTHER.getPublic())) && reason.contains(
                "not in signatures.trusted.keys"), reason);
        FilePart passed = check(new SignatureVerifier(List.of(TRUSTED.getPublic()), false), byOther);
        assertNull(passed.signed(), "an unverified version must not reach the store");
        assertNull(check(new SignatureVerifier(List.of(), false), byOther).signed());
    }

    @Test
    void aSignatureByAnotherKeyUnderTheTrustedKeysIdIsRejected() {
        SignedVersion forged = signed(OTHER, RecipientKind.HOSTNAME, "r1", "a.rpz", INTEGRITY);
        SinkRecord record = sent(RecipientMode.HOSTNAME, "r1", "a.rpz", new SignedVersion(
                Signatures.keyId(TRUSTED.getPublic()), VERSION, forged.signatureBase64()));
        assertTrue(rejection(required(), record).contains("or was signed by another key"));
    }

    @Test
    void malformedSignaturesAreRejected() {
        SinkRecord good = sent(TRUSTED);
        assertTrue(rejection(required(), withHeader(good, "signature", "not*base64")).contains("not base64"));
        assertTrue(rejection(required(), withHeader(good, "signature", "AAAA")).contains("3 bytes, not the 64"));
        SignatureVerifier optional = new SignatureVerifier(List.of(TRUSTED.getPublic()), false);
        assertTrue(rejection(optional, withHeader(good, "signature", "not*base64")).contains("not base64"));
    }

    @Test
    void signatureHeadersComeTogetherAndNeedTheIntegrityHeaders() {
        SinkRecord good = sent(TRUSTED);
        assertTrue(assertThrows(InvalidRecordException.class, () -> reader.read(withHeader(good, "signature", null)))
                .getMessage().contains("header 'signature' is missing while"));
        SinkRecord noIntegrity = withHeader(withHeader(withHeader(good, "transfer-id", null), "file-length", null),
                "file-sha256", null);
        assertTrue(assertThrows(InvalidRecordException.class, () -> reader.read(noIntegrity)).getMessage()
                .contains("a signed record needs them"));
        assertThrows(InvalidRecordException.class, () -> reader.read(withHeader(good, "signature-key-id", "XYZ")));
    }

    @Test
    void unsignedRecordsPassWhenNotRequired() throws Exception {
        SignatureVerifier optional = new SignatureVerifier(List.of(TRUSTED.getPublic()), false);
        FilePart part = reader.read(sent(RecipientMode.HOSTNAME, "r1", "a.rpz", null)).orElseThrow();
        assertSame(part, optional.check(part, null));
        assertThrows(IllegalArgumentException.class, () -> new SignatureVerifier(List.of(), true));
    }

    @Test
    void eachTransferIsVerifiedOnceAndTheMemoryIsBounded() throws Exception {
        SignatureVerifier verifier = new SignatureVerifier(List.of(TRUSTED.getPublic()), true, 2);
        SinkRecord good = sent(TRUSTED);
        for (int i = 0; i < 5; i++) {
            check(verifier, good);
        }
        assertEquals(1, verifier.verifications(), "later records of the transfer come from the cache");
        // A later chunk that differs from what was verified is not taken from the cache.
        assertThrows(SignatureRejectedException.class, () -> check(verifier, withHeader(good, "file-name", "b.rpz")));
        assertEquals(2, verifier.verifications());
        // Two other transfers push the first one out; it is verified again, and still passes.
        for (String name : List.of("b.rpz", "c.rpz")) {
            check(verifier, sent(RecipientMode.HOSTNAME, "r1", name, signed(TRUSTED, RecipientKind.HOSTNAME, "r1",
                    name, INTEGRITY)));
        }
        assertEquals(4, verifier.verifications());
        check(verifier, good);
        assertEquals(5, verifier.verifications());
    }

    /** Transfers of files {@code names} to host r1, all signed with one signature by {@code pair}. */
    private static List<SinkRecord> batch(KeyPair pair, List<String> names) {
        List<SignedFile> files = names.stream().map(name -> new SignedFile(name, RecipientKind.HOSTNAME, "r1",
                INTEGRITY, VERSION)).toList();
        List<SignedVersion> signed = SignatureBatch.sign(pair.getPrivate(), Signatures.keyId(pair.getPublic()), files,
                SignatureBatch.MAX_LEAVES);
        List<SinkRecord> records = new java.util.ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            records.add(sent(RecipientMode.HOSTNAME, "r1", names.get(i), signed.get(i)));
        }
        return records;
    }

    @Test
    void transfersSignedTogetherAreVerifiedOnceForAll() throws Exception {
        SignatureVerifier verifier = required();
        List<String> names = java.util.stream.IntStream.range(0, 37).mapToObj(i -> "zone-" + i + ".rpz").toList();
        List<SinkRecord> records = batch(TRUSTED, names);
        for (SinkRecord record : records) {
            FilePart part = check(verifier, record);
            assertEquals(VERSION, part.signed().version());
            assertEquals(37, part.signed().proof().leaves());
        }
        assertEquals(1, verifier.verifications(), "one Ed25519 verification for the 37 transfers");
    }

    @Test
    void everyTamperedFieldOfATransferSignedTogetherIsRejected() throws Exception {
        List<SinkRecord> records = batch(TRUSTED, List.of("a.rpz", "b.rpz", "c.rpz", "d.rpz", "e.rpz"));
        SinkRecord good = records.get(2);
        SignatureVerifier verifier = required();
        check(verifier, records.get(0)); // the batch's signature is now known to be good
        Map<String, UnaryOperator<SinkRecord>> tampering = new java.util.HashMap<>(signedFieldTampering());
        tampering.put("recipient", r -> withHeader(r, "hostname", "r2"));
        tampering.put("another transfer's place", r -> withHeader(r, "signature-proof", header(records.get(1),
                "signature-proof")));
        tampering.put("another place, same path", r -> withHeader(r, "signature-proof", "3" + header(r,
                "signature-proof").substring(1)));
        tampering.forEach((what, change) -> {
            SinkRecord changed = change.apply(good);
            FilePartReader anyHost = new FilePartReader(RecipientMode.HOSTNAME,
                    header(changed, "hostname"), Set.of(), 100);
            String reason = assertThrows(SignatureRejectedException.class, () -> {
                FilePart part = anyHost.read(changed).orElseThrow();
                verifier.check(part, anyHost.recipient(changed).orElseThrow());
            }).getMessage();
            assertTrue(reason.contains("does not match") && reason.contains("of 5 signed together"), what + ": "
                    + reason);
        });
        check(verifier, good);
    }

    @Test
    void aProofOfTheWrongShapeIsRejected() {
        List<SinkRecord> records = batch(TRUSTED, List.of("a.rpz", "b.rpz", "c.rpz"));
        String proof = header(records.get(0), "signature-proof"); // leaf 0 of 3: two hashes
        String shortened = "0;3;" + java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(
                java.util.Base64.getDecoder().decode(proof.substring(4)), 32));
        String reason = rejection(required(), withHeader(records.get(0), "signature-proof", shortened));
        assertTrue(reason.contains("path of the wrong length"), reason);
        assertTrue(reason.contains("leaf 0 of 3"), reason);
        byte[] path = java.util.Base64.getDecoder().decode(proof.substring(4));
        byte[] twice = java.util.Arrays.copyOf(path, path.length * 2);
        System.arraycopy(path, 0, twice, path.length, path.length);
        String lengthened = "0;3;" + java.util.Base64.getEncoder().encodeToString(twice);
        assertTrue(rejection(required(), withHeader(records.get(0), "signature-proof", lengthened))
                .contains("path of the wrong length"));
        // A batch claimed to be of one transfer, with no path: its root is the leaf, which was not signed.
        assertTrue(rejection(required(), withHeader(records.get(0), "signature-proof", "0;1;"))
                .contains("does not match"));
    }

    @Test
    void aProofNeedsTheSignatureHeadersAndItsOwnForm() {
        SinkRecord good = batch(TRUSTED, List.of("a.rpz", "b.rpz")).get(1);
        SinkRecord unsigned = withHeader(withHeader(withHeader(good, "signature", null), "signature-key-id", null),
                "file-version", null);
        assertTrue(assertThrows(InvalidRecordException.class, () -> reader.read(unsigned)).getMessage()
                .contains("a proof belongs to a signature"));
        for (String bad : List.of("1;2", "1;2;x;y", "2;2;", "0;0;", "-1;2;", "0;65537;", "0;2;not*base64",
                "0;2;AAAA")) {
            String reason = assertThrows(InvalidRecordException.class, () -> reader.read(withHeader(good,
                    "signature-proof", bad))).getMessage();
            assertTrue(reason.contains("'signature-proof'"), bad + ": " + reason);
        }
    }

    @Test
    void aSingleTransfersSignatureIsNotABatchsAndTheReverse() {
        // A transfer signed on its own, given a proof: the signature is over its canonical form, not a root.
        SinkRecord alone = sent(TRUSTED);
        assertTrue(rejection(required(), withHeader(alone, "signature-proof", "0;1;")).contains("does not match"));
        // A transfer signed together with one other, without its proof: the signature is over the root.
        SinkRecord together = batch(TRUSTED, List.of("a.rpz", "b.rpz")).get(0);
        assertTrue(rejection(required(), withHeader(together, "signature-proof", null)).contains("does not match"));
    }

    private static String header(SinkRecord record, String name) {
        return record.headers().lastWithName(name).value().toString();
    }
}
