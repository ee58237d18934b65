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

    @Test
    void everyTamperedSignedFieldIsRejected() {
        SinkRecord good = sent(TRUSTED);
        Map<String, UnaryOperator<SinkRecord>> tampering = Map.of(
                "digest", r -> withHeader(r, "file-sha256", "0" + INTEGRITY.sha256Hex().substring(1)),
                "length", r -> withHeader(r, "file-length", Long.toString(INTEGRITY.length() + 1)),
                "name", r -> withHeader(r, "file-name", "b.rpz"),
                "transfer id", r -> withHeader(r, "transfer-id", "f" + INTEGRITY.transferId().substring(1)),
                "version", r -> withHeader(r, "file-version", Long.toString(VERSION + 1)),
                "recipient (zone key instead of host)", r -> withHeader(
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

    @Test
    void measuredCost() throws Exception {
        SignatureVerifier verifier = new SignatureVerifier(List.of(TRUSTED.getPublic()), true);
        SinkRecord good = sent(TRUSTED);
        FilePart part = reader.read(good).orElseThrow();
        FilePartReader.Recipient recipient = reader.recipient(good).orElseThrow();
        SignedFile file = new SignedFile("a.rpz", RecipientKind.HOSTNAME, "r1", INTEGRITY, VERSION);
        byte[] signature = java.util.Base64.getDecoder().decode(part.signed().signatureBase64());
        int rounds = 2000;
        for (int i = 0; i < rounds; i++) { // warm-up
            Signatures.verify(TRUSTED.getPublic(), file, signature);
            verifier.check(part, recipient);
        }
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            assertTrue(Signatures.verify(TRUSTED.getPublic(), file, signature));
        }
        long verify = (System.nanoTime() - start) / rounds;
        start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            verifier.check(part, recipient);
        }
        long cached = (System.nanoTime() - start) / rounds;
        start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            Signatures.sign(TRUSTED.getPrivate(), file);
        }
        long sign = (System.nanoTime() - start) / rounds;
        System.out.printf("Ed25519 verification: %d ns per transfer; a later chunk of a verified transfer: %d ns; "
                + "signing (publisher, per file and recipient): %d ns%n", verify, cached, sign);
        assertTrue(cached < verify, "the cache is cheaper than verifying");
    }
}
