package io.github.kresconnect.filesink.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.CoSignature;
import io.github.kresconnect.filesink.protocol.KeyFormatException;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;
import io.github.kresconnect.filesink.protocol.SignedTransfers;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.protocol.TrustedKey;
import io.github.kresconnect.filesink.publish.FileRecords;
import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.record.FilePartReader;
import io.github.kresconnect.filesink.record.InvalidRecordException;

/**
 * signatures.config.threshold: a configuration file needs signatures by that many distinct trusted keys in scope,
 * not revoked, over what the transfer's signature covers; records as the publisher builds them, read through the
 * connector's reader with the default header converter.
 */
class ConfigThresholdVerifierTest {
    private static final KeyPair A = Signatures.generateKeyPair();
    private static final KeyPair B = Signatures.generateKeyPair();
    private static final KeyPair C = Signatures.generateKeyPair();
    private static final KeyPair UNKNOWN = Signatures.generateKeyPair();
    private static final long VERSION = 1764500000000L; // 2025-11-30T10:53:20Z
    private static final List<String> SUFFIXES = List.of(".json", ".yaml", ".yml");
    private static final byte[] CONFIG = "listen: 53\n".getBytes(StandardCharsets.UTF_8);

    private final FilePartReader reader = new FilePartReader(RecipientMode.HOSTNAME, "r1", Set.of(), 100);

    private static String id(KeyPair pair) {
        return Signatures.keyId(pair.getPublic());
    }

    private static TrustedKey key(KeyPair pair, String scope) throws KeyFormatException {
        return TrustedKey.parseAll(Signatures.publicKeyOneLine(pair.getPublic()) + scope).get(0);
    }

    /** A, B and C trusted for data and configuration files, with that threshold. */
    private static SignatureVerifier verifier(int threshold) throws KeyFormatException {
        return new SignatureVerifier(List.of(key(A, ""), key(B, ""), key(C, "")), true, "", SUFFIXES, threshold, 64);
    }

    private static SignedFile file(String name, String recipient, byte[] content, int total, long chunkSize) {
        TransferIntegrity integrity = TransferIntegrity.forNewTransfer(content.length,
                TransferIntegrity.newSha256().digest(content));
        return new SignedFile(name, RecipientKind.HOSTNAME, recipient, integrity, VERSION,
                new SignedFile.Binding("", total, chunkSize));
    }

    /** Signed by {@code signer}, co-signed by each of {@code cosigners} over the same bytes. */
    private static SignedVersion signed(SignedFile file, KeyPair signer, KeyPair... cosigners) {
        SignedVersion signed = SignatureBatch.sign(signer.getPrivate(), id(signer), List.of(file), 256).get(0);
        return cosigned(file, signed, cosigners);
    }

    private static SignedVersion cosigned(SignedFile file, SignedVersion signed, KeyPair... cosigners) {
        byte[] form = SignedTransfers.signedForm(file, signed.proof());
        List<CoSignature> cosignatures = new ArrayList<>();
        for (KeyPair cosigner : cosigners) {
            cosignatures.add(CoSignature.sign(cosigner.getPrivate(), id(cosigner), form));
        }
        return signed.withCosignatures(cosignatures);
    }

    private static SinkRecord record(SignedFile file, SignedVersion signed, byte[] content, int index, int total) {
        return sink(FileRecords.record("t", 0, RecipientMode.HOSTNAME, file.recipient(), file.fileName(), index,
                total, file.integrity(), signed, content));
    }

    private static SinkRecord whole(String name, KeyPair signer, KeyPair... cosigners) {
        SignedFile file = file(name, "r1", CONFIG, 1, CONFIG.length);
        return record(file, signed(file, signer, cosigners), CONFIG, 1, 1);
    }

    private static SinkRecord sink(ProducerRecord<byte[], byte[]> record) {
        SimpleHeaderConverter converter = new SimpleHeaderConverter();
        converter.configure(Map.of("converter.type", "header"));
        ConnectHeaders headers = new ConnectHeaders();
        for (Header header : record.headers()) {
            headers.add(header.key(), converter.toConnectHeader("t", header.key(), header.value()));
        }
        return new SinkRecord("t", 0, null, null, null, record.value(), 0L, null, null, headers);
    }

    private FilePart check(SignatureVerifier verifier, SinkRecord record) throws Exception {
        FilePart part = reader.read(record).orElseThrow();
        return verifier.check(part, reader.recipient(record).orElseThrow());
    }

    private String rejection(SignatureVerifier verifier, SinkRecord record) {
        return assertThrows(SignatureRejectedException.class, () -> check(verifier, record)).getMessage();
    }

    @Test
    void aConfigurationFileSignedByTwoOfTwoKeysIsAccepted() throws Exception {
        assertNotNull(check(verifier(2), whole("config.yaml", A, B)).signed());
        assertNotNull(check(verifier(3), whole("config.yaml", A, B, C)).signed());
    }

    @Test
    void aConfigurationFileSignedByOneKeyOfTwoIsRejectedWithTheCount() throws Exception {
        String reason = rejection(verifier(2), whole("config.yaml", A));
        assertTrue(reason.contains("configuration file 'config.yaml' for hostname 'r1' (version " + VERSION
                + ") carries valid signatures by 1 of the 2 distinct keys needed (counted: key id " + id(A) + ")"),
                reason);
        assertTrue(reason.endsWith("signatures.config.threshold=2"), reason);
        reason = rejection(verifier(3), whole("config.yaml", A, B));
        assertTrue(reason.contains("by 2 of the 3 distinct keys needed (counted: key ids " + id(A) + ", " + id(B)
                + ")"), reason);
    }

    @Test
    void aKeyCountsOnceHoweverOftenItSigns() throws Exception {
        String reason = rejection(verifier(2), whole("config.yaml", A, A));
        assertTrue(reason.contains("by 1 of the 2"), reason);
        reason = rejection(verifier(3), whole("config.yaml", A, B, B));
        assertTrue(reason.contains("by 2 of the 3"), reason);
        // a bad signature under a key id, then a good one under the same id: only the first is checked
        SignedFile file = file("config.yaml", "r1", CONFIG, 1, CONFIG.length);
        SignedVersion good = signed(file, A, B);
        SignedVersion forged = good.withCosignatures(List.of(new CoSignature(id(B), good.signatureBase64()),
                good.cosignatures().get(0)));
        reason = rejection(verifier(2), record(file, forged, CONFIG, 1, 1));
        assertTrue(reason.contains("by 1 of the 2") && reason.contains("not counted: key id " + id(B)
                + ": its co-signature does not match"), reason);
    }

    @Test
    void anUnknownCoSigningKeyDoesNotCountAndTheReasonSaysSo() throws Exception {
        String reason = rejection(verifier(2), whole("config.yaml", A, UNKNOWN));
        assertTrue(reason.contains("not counted: key id " + id(UNKNOWN) + ": not in the trusted keys"), reason);
    }

    @Test
    void aRevokedCoSigningKeyDoesNotCountAndTheReasonSaysSo() throws Exception {
        SignatureVerifier verifier = verifier(2);
        SinkRecord record = whole("config.yaml", A, B);
        assertNotNull(check(verifier, record).signed(), "verified, and remembered");
        verifier.revoke(Set.of(id(B)), 7);
        String reason = rejection(verifier, record);
        assertTrue(reason.contains("by 1 of the 2") && reason.contains("not counted: key id " + id(B)
                + ": revoked by the revocation list in force"), reason);
    }

    @Test
    void aCoSigningKeyOutOfScopeDoesNotCountAndTheReasonNamesTheRule() throws Exception {
        SignatureVerifier dataOnly = new SignatureVerifier(List.of(key(A, ""), key(B, "[roles=data]")), true, "",
                SUFFIXES, 2, 64);
        String reason = rejection(dataOnly, whole("config.yaml", A, B));
        assertTrue(reason.contains("not counted: key id " + id(B) + ": out of scope: key id " + id(B)
                + " may sign roles=data, not a configuration file"), reason);

        SignatureVerifier otherHost = new SignatureVerifier(List.of(key(A, ""), key(B, "[recipients=r2]")), true, "",
                SUFFIXES, 2, 64);
        reason = rejection(otherHost, whole("config.yaml", A, B));
        assertTrue(reason.contains("out of scope: key id " + id(B) + " may sign for recipients [r2], not for "
                + "hostname 'r1'"), reason);

        SignatureVerifier otherFiles = new SignatureVerifier(List.of(key(A, ""), key(B, "[files=edge/*.yaml]")), true,
                "", SUFFIXES, 2, 64);
        reason = rejection(otherFiles, whole("config.yaml", A, B));
        assertTrue(reason.contains("may sign files [edge/*.yaml], not 'config.yaml'"), reason);

        SignatureVerifier expired = new SignatureVerifier(List.of(key(A, ""), key(B, "[not-after=2025-01-01]")),
                true, "", SUFFIXES, 2, 64);
        reason = rejection(expired, whole("config.yaml", A, B));
        assertTrue(reason.contains("out of scope: version " + VERSION) && reason.contains("is past key id " + id(B)
                + "'s not-after"), reason);
    }

    @Test
    void aCoSignatureOfOtherBytesDoesNotCount() throws Exception {
        SignedFile file = file("config.yaml", "r1", CONFIG, 1, CONFIG.length);
        SignedFile other = file("other.yaml", "r1", CONFIG, 1, CONFIG.length);
        SignedVersion signed = signed(file, A).withCosignatures(List.of(CoSignature.sign(B.getPrivate(), id(B),
                other.canonicalForm())));
        String reason = rejection(verifier(2), record(file, signed, CONFIG, 1, 1));
        assertTrue(reason.contains("key id " + id(B) + ": its co-signature does not match what the transfer's "
                + "signature covers"), reason);
        SignedVersion garbage = signed(file, A).withCosignatures(List.of(new CoSignature(id(B), "not base64!")));
        reason = rejection(verifier(2), record(file, garbage, CONFIG, 1, 1));
        assertTrue(reason.contains("key id " + id(B) + ": its co-signature does not match"), reason);
    }

    @Test
    void aCoSignatureOfTheBatchRootCountsForEveryTransferOfTheBatch() throws Exception {
        SignedFile config = file("config.yaml", "r1", CONFIG, 1, CONFIG.length);
        byte[] zone = "zone\n".getBytes(StandardCharsets.UTF_8);
        SignedFile data = file("a.rpz", "r1", zone, 1, zone.length);
        List<SignedVersion> batch = SignatureBatch.sign(A.getPrivate(), id(A), List.of(data, config), 256);
        assertNotNull(batch.get(1).proof(), "signed together");
        SignatureVerifier verifier = verifier(2);
        assertNotNull(check(verifier, record(config, cosigned(config, batch.get(1), B), CONFIG, 1, 1)).signed());
        // B's co-signature of the transfer's own canonical form, not of the batch's root: it does not count
        SignedVersion leafOnly = batch.get(1).withCosignatures(List.of(CoSignature.sign(B.getPrivate(), id(B),
                config.canonicalForm())));
        String reason = rejection(verifier(2), record(config, leafOnly, CONFIG, 1, 1));
        assertTrue(reason.contains("by 1 of the 2"), reason);
    }

    @Test
    void dataFilesNeedOneSignatureWhateverTheThreshold() throws Exception {
        SinkRecord zone = whole("zones/a.rpz", A);
        assertNotNull(check(verifier(3), zone).signed());
    }

    @Test
    void withTheDefaultThresholdOneSignatureSufficesAndCoSignaturesAreNotChecked() throws Exception {
        SignedFile file = file("config.yaml", "r1", CONFIG, 1, CONFIG.length);
        SignedVersion signed = signed(file, A).withCosignatures(List.of(new CoSignature(id(B), "AAAA")));
        SignatureVerifier verifier = verifier(1);
        assertNotNull(check(verifier, record(file, signed, CONFIG, 1, 1)).signed());
        assertEquals(1, verifier.verifications());
    }

    @Test
    void eachCoSignatureOfAChunkedTransferIsVerifiedOnce() throws Exception {
        byte[] content = "a: 1\nb: 2\nc: 3\n".getBytes(StandardCharsets.UTF_8);
        int chunk = 6;
        SignedFile file = file("config.yaml", "r1", content, 3, chunk);
        SignedVersion signed = signed(file, A, B);
        SignatureVerifier verifier = verifier(2);
        for (int i = 1; i <= 3; i++) {
            byte[] part = Arrays.copyOfRange(content, (i - 1) * chunk, Math.min(content.length, i * chunk));
            assertNotNull(check(verifier, record(file, signed, part, i, 3)).signed(), "chunk " + i);
        }
        assertEquals(2, verifier.verifications(), "one Ed25519 verification per key, not per chunk");
    }

    @Test
    void theHeaderArrivesIntactThroughTheDefaultHeaderConverterAndRepeats() throws Exception {
        SinkRecord record = whole("config.yaml", A, B, C);
        List<String> values = new ArrayList<>();
        record.headers().allWithName(ProtocolHeaders.COSIGNATURE).forEachRemaining(h -> values.add((String) h.value()));
        assertEquals(2, values.size(), values.toString());
        assertTrue(values.get(0).startsWith(id(B) + ";"), values.toString());
        // a key id of digits only: still text, not a number
        CoSignature digits = new CoSignature("0123456789012345", "AAAA");
        SimpleHeaderConverter converter = new SimpleHeaderConverter();
        converter.configure(Map.of("converter.type", "header"));
        Object value = converter.toConnectHeader("t", ProtocolHeaders.COSIGNATURE,
                digits.headerValue().getBytes(StandardCharsets.UTF_8)).value();
        assertEquals(digits.headerValue(), value);
    }

    @Test
    void aCoSignatureWithoutASignatureOrMalformedIsAnInvalidRecord() {
        org.apache.kafka.connect.header.Headers headers = new ConnectHeaders().addString("hostname", "r1").addString("file-name", "c.yaml")
                .addString(ProtocolHeaders.COSIGNATURE, id(B) + ";AAAA");
        SinkRecord unsigned = new SinkRecord("t", 0, null, null, null, CONFIG, 0L, null, null, headers);
        InvalidRecordException e = assertThrows(InvalidRecordException.class, () -> reader.read(unsigned));
        assertTrue(e.getMessage().contains("header 'cosignature' is present without 'signature-key-id'"),
                e.getMessage());

        SinkRecord signed = whole("config.yaml", A);
        signed.headers().addString(ProtocolHeaders.COSIGNATURE, "nokeyid");
        e = assertThrows(InvalidRecordException.class, () -> reader.read(signed));
        assertTrue(e.getMessage().contains("header 'cosignature' is not '<key id>;<base64 signature>'"),
                e.getMessage());
    }
}
