package io.github.kresconnect.filesink.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The co-signature header and the counting of distinct keys for configuration files, as both sides share them. */
class SignatureThresholdTest {
    private static final KeyPair A = Signatures.generateKeyPair();
    private static final KeyPair B = Signatures.generateKeyPair();
    private static final KeyPair C = Signatures.generateKeyPair();
    private static final List<String> SUFFIXES = List.of(".json", ".yaml", ".yml");
    private static final long VERSION = 1764500000000L;

    private static String id(KeyPair pair) {
        return Signatures.keyId(pair.getPublic());
    }

    private static SignedFile file(String name) {
        byte[] content = "a: 1\n".getBytes(StandardCharsets.UTF_8);
        return new SignedFile(name, SignedFile.RecipientKind.HOSTNAME, "r1", TransferIntegrity.forNewTransfer(
                content.length, TransferIntegrity.newSha256().digest(content)), VERSION,
                new SignedFile.Binding("prod", 1, content.length));
    }

    private static SignedVersion signed(SignedFile file, KeyPair signer, KeyPair... cosigners) {
        SignedVersion signed = SignatureBatch.sign(signer.getPrivate(), id(signer), List.of(file), 256).get(0);
        List<CoSignature> cosignatures = new ArrayList<>();
        for (KeyPair cosigner : cosigners) {
            cosignatures.add(CoSignature.sign(cosigner.getPrivate(), id(cosigner), file.canonicalForm()));
        }
        return signed.withCosignatures(cosignatures);
    }

    private static Map<String, TrustedKey> trusted(KeyPair... pairs) {
        Map<String, TrustedKey> keys = new LinkedHashMap<>();
        for (KeyPair pair : pairs) {
            keys.put(id(pair), TrustedKey.of(pair.getPublic()));
        }
        return keys;
    }

    @Test
    void theHeaderValueRoundTripsAndMalformedValuesAreRefusedWithTheHeaderName() throws Exception {
        CoSignature cosignature = CoSignature.sign(B.getPrivate(), id(B), file("c.yaml").canonicalForm());
        assertEquals(cosignature, CoSignature.parse(cosignature.headerValue()));
        assertTrue(cosignature.headerValue().startsWith(id(B) + ";"));
        for (String bad : List.of("", "nosemicolon", "0123;AAAA", id(B) + ";", id(B) + ";AA;AA",
                "ABCDEF0123456789;AAAA")) {
            InvalidHeaderException e = assertThrows(InvalidHeaderException.class, () -> CoSignature.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("header 'cosignature'"), e.getMessage());
        }
    }

    @Test
    void onlyConfigurationFilesAboveAThresholdOfOneAreConcerned() {
        assertTrue(SignatureThreshold.applies("config.yaml", SUFFIXES, 2));
        assertTrue(SignatureThreshold.applies("sub/x.JSON", SUFFIXES, 2));
        assertFalse(SignatureThreshold.applies("config.yaml", SUFFIXES, 1));
        assertFalse(SignatureThreshold.applies("zones/a.rpz", SUFFIXES, 5));
        assertFalse(SignatureThreshold.applies(RevocationList.FILE_NAME, SUFFIXES, 5));
    }

    @Test
    void distinctKeysThatVerifyAreCountedOnceEach() {
        SignedFile file = file("config.yaml");
        SignedVersion signed = signed(file, A, B, A, B, C);
        AtomicInteger checks = new AtomicInteger();
        SignatureThreshold.Tally tally = SignatureThreshold.count(file, signed, trusted(A, B, C), Set.of(), SUFFIXES,
                (key, form, sig) -> {
                    checks.incrementAndGet();
                    return SignatureThreshold.ED25519.verifies(key, form, sig);
                });
        assertEquals(List.of(id(A), id(B), id(C)), tally.counted());
        assertEquals(Map.of(), tally.notCounted());
        assertEquals(2, checks.get(), "the signing key's own co-signature and repeats are not checked again");
        assertTrue(tally.reaches(3));
        assertFalse(tally.reaches(4));
    }

    @Test
    void unknownRevokedOutOfScopeAndForgedKeysDoNotCountEachWithItsReason() throws Exception {
        SignedFile file = file("config.yaml");
        KeyPair unknown = Signatures.generateKeyPair();
        KeyPair dataOnly = Signatures.generateKeyPair();
        KeyPair forger = Signatures.generateKeyPair();
        Map<String, TrustedKey> trusted = trusted(A, B, C, forger);
        trusted.put(id(dataOnly), TrustedKey.parseAll(Signatures.publicKeyOneLine(dataOnly.getPublic())
                + "[roles=data]").get(0));
        SignedVersion signed = signed(file, A, unknown, B, dataOnly);
        List<CoSignature> cosignatures = new ArrayList<>(signed.cosignatures());
        cosignatures.add(new CoSignature(id(forger), CoSignature.sign(forger.getPrivate(), id(forger),
                file("other.yaml").canonicalForm()).signatureBase64()));
        SignatureThreshold.Tally tally = SignatureThreshold.count(file, signed.withCosignatures(cosignatures),
                trusted, Set.of(id(B)), SUFFIXES, SignatureThreshold.ED25519);
        assertEquals(List.of(id(A)), tally.counted());
        assertEquals("not in the trusted keys", tally.notCounted().get(id(unknown)));
        assertEquals("revoked by the revocation list in force", tally.notCounted().get(id(B)));
        assertTrue(tally.notCounted().get(id(dataOnly)).startsWith("out of scope: key id " + id(dataOnly)
                + " may sign roles=data, not a configuration file"), tally.notCounted().toString());
        assertEquals("its co-signature does not match what the transfer's signature covers",
                tally.notCounted().get(id(forger)));
        String described = tally.describe(2);
        assertTrue(described.startsWith("valid signatures by 1 of the 2 distinct keys needed (counted: key id "
                + id(A) + "; not counted: key id " + id(unknown) + ": not in the trusted keys; key id " + id(B)
                + ": revoked"), described);
    }

    @Test
    void aCoSignatureBindsTheFleetAsTheSignatureDoes() {
        SignedFile prod = file("config.yaml");
        SignedFile staging = new SignedFile(prod.fileName(), prod.recipientKind(), prod.recipient(), prod.integrity(),
                prod.version(), new SignedFile.Binding("staging", 1, prod.integrity().length()));
        SignedVersion signed = SignatureBatch.sign(A.getPrivate(), id(A), List.of(prod), 256).get(0)
                .withCosignatures(List.of(CoSignature.sign(B.getPrivate(), id(B), staging.canonicalForm())));
        SignatureThreshold.Tally tally = SignatureThreshold.count(prod, signed, trusted(A, B), Set.of(), SUFFIXES,
                SignatureThreshold.ED25519);
        assertEquals(List.of(id(A)), tally.counted(), "B signed the staging form");
    }
}
