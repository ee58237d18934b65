package io.github.kresconnect.filesink.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;

class SignaturesTest {
    private static final String TRANSFER_ID = "0123456789abcdef0123456789abcdef";
    private static final String SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final SignedFile FILE = new SignedFile("zones/a.rpz", RecipientKind.HOSTNAME, "resolver1",
            new TransferIntegrity(TRANSFER_ID, 1574098, SHA256), 1764500000000L);

    /**
     * A fixed key (RFC 8032, test 1: secret key 9d61b19d...), so the stored signature below proves the form and
     * the algorithm stay the same across versions: a change breaks every signature already in a topic.
     */
    private static final String RFC8032_PRIVATE = """
            -----BEGIN PRIVATE KEY-----
            MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
            -----END PRIVATE KEY-----
            """;
    private static final String RFC8032_PUBLIC = """
            -----BEGIN PUBLIC KEY-----
            MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
            -----END PUBLIC KEY-----
            """;

    @Test
    void theCanonicalFormIsVersionedOneLinePerFieldWithFreeTextLengthPrefixed() {
        String expected = "resolver-file-signature-v1\n"
                + "file-name=11:zones/a.rpz\n"
                + "recipient-kind=hostname\n"
                + "recipient=9:resolver1\n"
                + "file-length=1574098\n"
                + "file-sha256=" + SHA256 + "\n"
                + "transfer-id=" + TRANSFER_ID + "\n"
                + "file-version=1764500000000\n";
        assertEquals(expected, new String(FILE.canonicalForm(), StandardCharsets.UTF_8));
        SignedFile unicode = new SignedFile("zóna", RecipientKind.ZONE_ID, "dc-east", FILE.integrity(), 0);
        assertTrue(new String(unicode.canonicalForm(), StandardCharsets.UTF_8)
                .contains("file-name=5:zóna\nrecipient-kind=zone-id\nrecipient=7:dc-east\n"), "UTF-8 byte lengths");
    }

    @Test
    void formTwoAddsTheFleetAndTheChunkGeometryInTheirPlaces() {
        SignedFile file = new SignedFile("zones/a.rpz", RecipientKind.HOSTNAME, "resolver1", FILE.integrity(),
                FILE.version(), new SignedFile.Binding("production", 4, 524288));
        assertEquals("resolver-file-signature-v2\n"
                + "fleet=10:production\n"
                + "file-name=11:zones/a.rpz\n"
                + "recipient-kind=hostname\n"
                + "recipient=9:resolver1\n"
                + "file-length=1574098\n"
                + "file-sha256=" + SHA256 + "\n"
                + "transfer-id=" + TRANSFER_ID + "\n"
                + "file-version=1764500000000\n"
                + "total-chunks=4\n"
                + "chunk-size=524288\n", new String(file.canonicalForm(), StandardCharsets.UTF_8));
        // Free text past ASCII counts in UTF-8 bytes; no fleet is an empty one; numbers at their edges.
        SignedFile other = new SignedFile("zóna/ä.rpz", RecipientKind.ZONE_ID, "dc-éast", new TransferIntegrity(
                TRANSFER_ID, 0, SHA256), Long.MAX_VALUE, new SignedFile.Binding("", 1, 0));
        byte[] form = other.canonicalForm();
        assertEquals("resolver-file-signature-v2\n"
                + "fleet=0:\n"
                + "file-name=12:zóna/ä.rpz\n"
                + "recipient-kind=zone-id\n"
                + "recipient=8:dc-éast\n"
                + "file-length=0\n"
                + "file-sha256=" + SHA256 + "\n"
                + "transfer-id=" + TRANSFER_ID + "\n"
                + "file-version=9223372036854775807\n"
                + "total-chunks=1\n"
                + "chunk-size=0\n", new String(form, StandardCharsets.UTF_8));
        assertEquals(new String(form, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8).length, form.length,
                "nothing after the last line");
        SignedFile emoji = new SignedFile("\uD83D\uDE00.rpz", RecipientKind.HOSTNAME, "r", FILE.integrity(), 7);
        assertTrue(new String(emoji.canonicalForm(), StandardCharsets.UTF_8).contains("file-name=8:\uD83D\uDE00.rpz\n"),
                "a character outside the BMP is four bytes");
    }

    @Test
    void aNewlineInAValueCannotForgeAnotherField() {
        // Without length prefixes, name "a\nrecipient-kind=..." could shift fields; with them the forms differ.
        SignedFile shifted = new SignedFile("a\nrecipient-kind=hostname\nrecipient=9:resolver1", RecipientKind.HOSTNAME,
                "x", FILE.integrity(), FILE.version());
        SignedFile plain = new SignedFile("a", RecipientKind.HOSTNAME, "resolver1", FILE.integrity(), FILE.version());
        assertFalse(new String(shifted.canonicalForm(), StandardCharsets.UTF_8)
                .equals(new String(plain.canonicalForm(), StandardCharsets.UTF_8)));
    }

    @Test
    void aStoredSignatureStillVerifies() throws Exception {
        PrivateKey key = Signatures.parsePrivateKey(RFC8032_PRIVATE);
        PublicKey pub = Signatures.parsePublicKeys(RFC8032_PUBLIC).get(0);
        String signature = Signatures.sign(key, FILE);
        // Ed25519 is deterministic: the same key and form always give this signature.
        assertEquals(signature, Signatures.sign(key, FILE));
        assertTrue(Signatures.verify(pub, FILE, Base64.getDecoder().decode(signature)));
        assertEquals(STORED_SIGNATURE, signature, "the canonical form or the algorithm changed");
        assertEquals(pub, Signatures.publicKeyOf(key));
        // openssl pkey -in rfc.key -pubout -outform DER | sha256sum | cut -c1-16
        assertEquals("06e3fd8fda29bb60", Signatures.keyId(pub));
    }

    /** {@code openssl pkeyutl -sign -inkey rfc.key -rawin -in form.txt | base64}, form.txt the form above. */
    private static final String STORED_SIGNATURE = "+p2kjjpmujrWCN7IQDWppRphS2ZsmJdSM+6kLvvADHSObrffhbHPWM5om/ns6mc2Rz"
            + "qTZXrNGUwLXg5+o0oPDA==";

    @Test
    void changingAnyFieldBreaksTheSignature() {
        KeyPair pair = Signatures.generateKeyPair();
        byte[] signature = Base64.getDecoder().decode(Signatures.sign(pair.getPrivate(), FILE));
        assertTrue(Signatures.verify(pair.getPublic(), FILE, signature));
        TransferIntegrity i = FILE.integrity();
        List<SignedFile> changed = List.of(
                new SignedFile("zones/b.rpz", FILE.recipientKind(), FILE.recipient(), i, FILE.version()),
                new SignedFile(FILE.fileName(), RecipientKind.ZONE_ID, FILE.recipient(), i, FILE.version()),
                new SignedFile(FILE.fileName(), FILE.recipientKind(), "resolver2", i, FILE.version()),
                new SignedFile(FILE.fileName(), FILE.recipientKind(), FILE.recipient(),
                        new TransferIntegrity(i.transferId(), i.length() + 1, i.sha256Hex()), FILE.version()),
                new SignedFile(FILE.fileName(), FILE.recipientKind(), FILE.recipient(),
                        new TransferIntegrity(i.transferId(), i.length(), "0" + i.sha256Hex().substring(1)),
                        FILE.version()),
                new SignedFile(FILE.fileName(), FILE.recipientKind(), FILE.recipient(),
                        new TransferIntegrity("f" + i.transferId().substring(1), i.length(), i.sha256Hex()),
                        FILE.version()),
                new SignedFile(FILE.fileName(), FILE.recipientKind(), FILE.recipient(), i, FILE.version() + 1));
        Set<String> forms = new HashSet<>();
        forms.add(new String(FILE.canonicalForm(), StandardCharsets.UTF_8));
        for (SignedFile other : changed) {
            assertFalse(Signatures.verify(pair.getPublic(), other, signature), "still verifies: " + other);
            assertTrue(forms.add(new String(other.canonicalForm(), StandardCharsets.UTF_8)), "same form: " + other);
        }
        assertEquals(7 + 1, forms.size(), "every field of the record is covered");
        assertFalse(Signatures.verify(Signatures.generateKeyPair().getPublic(), FILE, signature), "another key");
        assertFalse(Signatures.verify(pair.getPublic(), FILE, new byte[63]), "wrong length");
    }

    @Test
    void keysRoundTripThroughPemAndTheirIdIsTheDigestOfTheDer() throws Exception {
        KeyPair pair = Signatures.generateKeyPair();
        String pub = Signatures.publicKeyPem(pair.getPublic());
        assertTrue(pub.startsWith("-----BEGIN PUBLIC KEY-----\n") && pub.endsWith("\n-----END PUBLIC KEY-----\n"), pub);
        assertEquals(pair.getPublic(), Signatures.parsePublicKeys(pub).get(0));
        assertEquals(pair.getPublic(), Signatures.parsePublicKeys(Signatures.publicKeyOneLine(pair.getPublic())).get(0));
        PrivateKey back = Signatures.parsePrivateKey(Signatures.privateKeyPem(pair.getPrivate()));
        assertEquals(pair.getPublic(), Signatures.publicKeyOf(back));
        String id = Signatures.keyId(pair.getPublic());
        assertTrue(ProtocolHeaders.isKeyId(id), id);
        assertEquals(java.util.HexFormat.of().formatHex(TransferIntegrity.newSha256()
                .digest(pair.getPublic().getEncoded())).substring(0, 16), id);
    }

    @Test
    void severalPublicKeysConcatenatedWithOrWithoutLineBreaks() throws Exception {
        KeyPair a = Signatures.generateKeyPair();
        KeyPair b = Signatures.generateKeyPair();
        String text = Signatures.publicKeyPem(a.getPublic()) + "\n" + Signatures.publicKeyOneLine(b.getPublic())
                + Signatures.publicKeyPem(a.getPublic());
        assertEquals(List.of(a.getPublic(), b.getPublic()), Signatures.parsePublicKeys(text), "a duplicate counts once");
        assertEquals(List.of(), Signatures.parsePublicKeys(""));
        assertEquals(List.of(), Signatures.parsePublicKeys("  \n"));
    }

    @Test
    void textThatIsNotPublicKeysIsRefusedWithTheReason() {
        KeyPair a = Signatures.generateKeyPair();
        String pem = Signatures.publicKeyPem(a.getPublic());
        assertTrue(assertThrows(KeyFormatException.class, () -> Signatures.parsePublicKeys("not a key")).getMessage()
                .contains("expected only PEM public keys"));
        assertTrue(assertThrows(KeyFormatException.class, () -> Signatures.parsePublicKeys(pem + "junk"))
                .getMessage().contains("outside them"));
        assertTrue(assertThrows(KeyFormatException.class, () -> Signatures.parsePublicKeys(
                "-----BEGIN PUBLIC KEY-----MCow*BQ-----END PUBLIC KEY-----")).getMessage().contains("base64"));
        // An RSA or EC key is not Ed25519.
        String ec = "-----BEGIN PUBLIC KEY-----MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEWdp8GPcGqB5zqkfYv8YsJ3d0v4Yv7bq4"
                + "6K5Fz6iVzOq3v7X9ZsZ1V0m2wE8Zq1G7R5o3bq7m1k9X5oZyE3nQ6g==-----END PUBLIC KEY-----";
        assertTrue(assertThrows(KeyFormatException.class, () -> Signatures.parsePublicKeys(ec)).getMessage()
                .contains("not an Ed25519 public key"));
        assertThrows(KeyFormatException.class, () -> Signatures.parsePrivateKey(pem));
        assertThrows(KeyFormatException.class, () -> Signatures.parsePrivateKey(""));
    }

    @Test
    void signatureHeadersHaveTheirOwnNames() {
        assertEquals(List.of("signature-key-id", "file-version", "signature"), ProtocolHeaders.SIGNED);
        assertNotEquals(ProtocolHeaders.ALL, ProtocolHeaders.SIGNED);
        assertThrows(InvalidHeaderException.class, () -> ProtocolHeaders.parseKeyId("ABCDEF0123456789"));
        assertEquals("abcdef0123456789", assertDoesNotThrowKeyId("abcdef0123456789"));
    }

    private static String assertDoesNotThrowKeyId(String text) {
        try {
            return ProtocolHeaders.parseKeyId(text);
        } catch (InvalidHeaderException e) {
            throw new AssertionError(e);
        }
    }
}
