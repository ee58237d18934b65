package io.github.kresconnect.filesink.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** signatures.trusted.keys with scopes, the revocation list's format, and the chunk size a record implies. */
class TrustedKeyTest {
    private static final KeyPair A = Signatures.generateKeyPair();
    private static final KeyPair B = Signatures.generateKeyPair();
    private static final String PEM_A = Signatures.publicKeyOneLine(A.getPublic());
    private static final String PEM_B = Signatures.publicKeyPem(B.getPublic());

    private static String error(String text) {
        return assertThrows(KeyFormatException.class, () -> TrustedKey.parseAll(text)).getMessage();
    }

    @Test
    void keysWithoutAScopeMaySignEveryFileForEveryRecipientForever() throws Exception {
        List<TrustedKey> keys = TrustedKey.parseAll(PEM_A + "\n" + PEM_B);
        assertEquals(2, keys.size());
        assertEquals(KeyScope.DEFAULT, keys.get(0).scope());
        assertEquals(Set.of(KeyRole.DATA, KeyRole.CONFIG), keys.get(1).scope().roles());
        assertTrue(keys.get(0).scope().coversRecipient("anything") && keys.get(0).scope().coversFile("a/b.rpz"));
        assertFalse(keys.get(0).scope().expiredAt(Long.MAX_VALUE));
    }

    @Test
    void aScopeFollowsItsKeyInBrackets() throws Exception {
        List<TrustedKey> keys = TrustedKey.parseAll(PEM_A + " [roles=data, config; recipients=resolver*,EDGE-?; "
                + "files=zones/*.rpz, lists/**; not-after=2027-06-30]\n" + PEM_B + "[roles=revocation]");
        KeyScope scope = keys.get(0).scope();
        assertEquals(Instant.parse("2027-06-30T00:00:00Z"), scope.notAfter());
        assertTrue(scope.coversRecipient("resolver12") && scope.coversRecipient("edge-1"));
        assertFalse(scope.coversRecipient("edge-12"));
        assertTrue(scope.coversFile("zones/a.rpz") && scope.coversFile("lists/x/y/z.txt"));
        assertFalse(scope.coversFile("zones/eu/a.rpz") || scope.coversFile("config.yaml"));
        assertEquals(Set.of(KeyRole.REVOCATION), keys.get(1).scope().roles());
        assertEquals(keys, TrustedKey.parseAll(keys.get(0).entry() + keys.get(1).entry()), "entry() reads back");
    }

    @Test
    void everyMistakeInAScopeIsNamed() {
        String id = Signatures.keyId(A.getPublic());
        assertTrue(error(PEM_A + "[role=data]").startsWith("key " + id + ": unknown scope field 'role'"));
        assertTrue(error(PEM_A + "[roles=admin]").contains("unknown role 'admin'"));
        assertTrue(error(PEM_A + "[roles=data; roles=config]").contains("'roles' is given twice"));
        assertTrue(error(PEM_A + "[files=a,,b]").contains("scope field 'files' has an empty value"));
        assertTrue(error(PEM_A + "[files=/etc/x]").contains("is absolute"));
        assertTrue(error(PEM_A + "[not-after=tomorrow]").contains("not-after 'tomorrow' is neither a date"));
        assertTrue(error(PEM_A + "[roles=revocation; files=a]").contains("recipients and files bound data and config "
                + "files"));
        assertTrue(error(PEM_A + " roles=data").contains("expected its scope in square brackets"));
        assertTrue(error(PEM_A + "[roles=data]" + PEM_A + "[roles=config]").contains("listed twice with different "
                + "scopes"));
        assertTrue(error("junk " + PEM_A).contains("expected only PEM public keys"));
    }

    @Test
    void aRevocationListReadsBackAndEveryBadLineIsNamed() throws Exception {
        RevocationList list = new RevocationList(Set.of("0123456789abcdef"), Map.of("zones/a.rpz", 5L));
        assertEquals(list, RevocationList.parse(list.toBytes()));
        assertEquals(list, RevocationList.parse(("# comment\r\n\r\nresolver-revocations-v1\r\nrevoked-key="
                + "0123456789abcdef\r\nreset-floor=zones/a.rpz 5\r\n").getBytes()));
        assertEquals("revocation list, line 1: expected the first line 'resolver-revocations-v1', found 'x'",
                assertThrows(InvalidRevocationListException.class, () -> RevocationList.parse("x\n".getBytes()))
                        .getMessage());
        assertTrue(assertThrows(InvalidRevocationListException.class, () -> RevocationList.parse(
                "resolver-revocations-v1\nrevoked-key=ABC\n".getBytes())).getMessage().startsWith(
                        "revocation list, line 2: key id 'ABC'"));
        assertTrue(assertThrows(InvalidRevocationListException.class, () -> RevocationList.parse(
                "resolver-revocations-v1\nreset-floor=../x 5\n".getBytes())).getMessage().contains("line 2"));
        assertTrue(assertThrows(InvalidRevocationListException.class, () -> RevocationList.parse(
                "resolver-revocations-v1\nrevoke=x\n".getBytes())).getMessage().contains("expected 'revoked-key="));
        assertTrue(assertThrows(InvalidRevocationListException.class, () -> RevocationList.parse(new byte[0]))
                .getMessage().contains("is empty"));
    }

    @Test
    void theChunkSizeARecordImpliesIsThePublishersOrNone() {
        assertEquals(1000, Chunking.chunkSizeOf(2500, 3, 1, 1000));
        assertEquals(1000, Chunking.chunkSizeOf(2500, 3, 3, 500));
        assertEquals(2500, Chunking.chunkSizeOf(2500, 1, 1, 2500));
        assertEquals(0, Chunking.chunkSizeOf(0, 1, 1, 0), "an empty file is one empty record");
        assertEquals(-1, Chunking.chunkSizeOf(2500, 1, 1, 2400), "a whole file is the file");
        assertEquals(-1, Chunking.chunkSizeOf(2500, 3, 1, 400), "chunks of 400 make 7");
        assertEquals(-1, Chunking.chunkSizeOf(2500, 3, 3, 1), "the rest 2499 does not split in two");
        assertEquals(-1, Chunking.chunkSizeOf(2500, 3, 3, 900), "chunks of 800 leave 900, which is not a last chunk");
        assertEquals(-1, Chunking.chunkSizeOf(2500, 3, 4, 100), "no chunk 4 of 3");
    }
}
