package io.github.kresconnect.filesink.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;

/** The Merkle tree of transfers signed together, against RFC 9162's definitions written out plainly. */
class SignatureBatchTest {
    private static final KeyPair KEY = Signatures.generateKeyPair();
    private static final String KEY_ID = Signatures.keyId(KEY.getPublic());

    private static List<SignedFile> files(int n) {
        return IntStream.range(0, n).mapToObj(i -> new SignedFile("zone-" + i + ".rpz", RecipientKind.HOSTNAME,
                "r" + (i % 3), new TransferIntegrity(String.format("%032x", i), i, "ab".repeat(32)), 1000L + i))
                .toList();
    }

    /** RFC 9162, 2.1.1: MTH(D[n]), recursively. */
    private static byte[] mth(List<byte[]> leaves) {
        if (leaves.size() == 1) {
            return leaves.get(0);
        }
        int k = Integer.highestOneBit(leaves.size() - 1);
        return node(mth(leaves.subList(0, k)), mth(leaves.subList(k, leaves.size())));
    }

    /** RFC 9162, 2.1.3.1: PATH(m, D[n]), recursively. */
    private static byte[] path(int m, List<byte[]> leaves) {
        if (leaves.size() == 1) {
            return new byte[0];
        }
        int k = Integer.highestOneBit(leaves.size() - 1);
        return m < k ? concat(path(m, leaves.subList(0, k)), mth(leaves.subList(k, leaves.size())))
                : concat(path(m - k, leaves.subList(k, leaves.size())), mth(leaves.subList(0, k)));
    }

    private static byte[] node(byte[] left, byte[] right) {
        MessageDigest sha256 = TransferIntegrity.newSha256();
        sha256.update((byte) 1);
        sha256.update(left);
        return sha256.digest(right);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void treesAndPathsAreRfc9162sForEverySize() {
        for (int n : IntStream.concat(IntStream.rangeClosed(2, 70), IntStream.of(127, 128, 129, 255, 256, 257, 1000))
                .toArray()) {
            List<SignedFile> files = files(n);
            List<SignedVersion> signed = SignatureBatch.sign(KEY.getPrivate(), KEY_ID, files, SignatureBatch.MAX_LEAVES);
            List<byte[]> leaves = files.stream().map(SignatureBatch::leafHash).toList();
            byte[] root = mth(leaves);
            Set<String> signatures = new HashSet<>();
            for (int i = 0; i < n; i++) {
                SignatureBatch.Proof proof = signed.get(i).proof();
                assertEquals(i, proof.index());
                assertEquals(n, proof.leaves());
                assertArrayEquals(path(i, leaves), proof.path(), "leaf " + i + " of " + n);
                assertArrayEquals(root, proof.root(leaves.get(i)), "leaf " + i + " of " + n);
                assertEquals(files.get(i).version(), signed.get(i).version());
                signatures.add(signed.get(i).signatureBase64());
            }
            assertEquals(1, signatures.size());
            assertTrue(Signatures.verify(KEY.getPublic(), SignatureBatch.canonicalForm(n, root),
                    Base64.getDecoder().decode(signed.get(0).signatureBase64())), "signed over the root, " + n);
        }
    }

    @Test
    void aLeafHashIsPrefixedAndCoversTheWholeCanonicalForm() {
        SignedFile file = files(1).get(0);
        MessageDigest sha256 = TransferIntegrity.newSha256();
        sha256.update((byte) 0);
        assertArrayEquals(sha256.digest(file.canonicalForm()), SignatureBatch.leafHash(file));
    }

    @Test
    void aPathLeadsToTheRootOnlyFromItsOwnLeafAndPlace() {
        List<SignedFile> files = files(11);
        List<SignedVersion> signed = SignatureBatch.sign(KEY.getPrivate(), KEY_ID, files, SignatureBatch.MAX_LEAVES);
        List<byte[]> leaves = files.stream().map(SignatureBatch::leafHash).toList();
        byte[] root = mth(leaves);
        for (int i = 0; i < files.size(); i++) {
            SignatureBatch.Proof proof = signed.get(i).proof();
            for (int j = 0; j < files.size(); j++) {
                if (j != i) {
                    assertFalse(Arrays.equals(root, proof.root(leaves.get(j))), "leaf " + j + " with leaf " + i
                            + "'s path");
                    byte[] elsewhere = new SignatureBatch.Proof(j, files.size(), proof.path()).root(leaves.get(i));
                    assertFalse(elsewhere != null && Arrays.equals(root, elsewhere), "leaf " + i + " at place " + j);
                }
            }
            assertNull(new SignatureBatch.Proof(i, files.size(), Arrays.copyOf(proof.path(), proof.path().length
                    - 32)).root(leaves.get(i)), "a path one hash short");
            assertNull(new SignatureBatch.Proof(i, files.size(), concat(proof.path(), new byte[32]))
                    .root(leaves.get(i)), "a path one hash long");
        }
    }

    @Test
    void oneTransferAloneIsSignedOverItsOwnCanonicalForm() {
        SignedFile file = files(1).get(0);
        SignedVersion signed = SignatureBatch.sign(KEY.getPrivate(), KEY_ID, List.of(file), 256).get(0);
        assertNull(signed.proof());
        assertTrue(Signatures.verify(KEY.getPublic(), file, Base64.getDecoder().decode(signed.signatureBase64())));
    }

    @Test
    void aLargeRunIsSignedInBatchesOfTheGivenSize() {
        List<SignedVersion> signed = SignatureBatch.sign(KEY.getPrivate(), KEY_ID, files(600), 256);
        List<Integer> sizes = new ArrayList<>();
        String previous = null;
        for (SignedVersion one : signed) {
            if (!one.signatureBase64().equals(previous)) {
                sizes.add(one.proof().leaves());
                previous = one.signatureBase64();
            }
        }
        assertEquals(List.of(256, 256, 88), sizes);
        assertEquals(87, signed.get(599).proof().index());
        assertThrows(IllegalArgumentException.class, () -> SignatureBatch.sign(KEY.getPrivate(), KEY_ID, files(2),
                SignatureBatch.MAX_LEAVES + 1));
    }

    @Test
    void theBatchsCanonicalFormNamesItsFormatLeavesAndRoot() {
        byte[] root = new byte[32];
        root[31] = 1;
        assertEquals("resolver-file-signature-batch-v1\nleaves=3\nroot=" + "00".repeat(31) + "01\n",
                new String(SignatureBatch.canonicalForm(3, root), StandardCharsets.UTF_8));
        assertFalse(new String(files(1).get(0).canonicalForm(), StandardCharsets.UTF_8)
                .startsWith(SignatureBatch.FORMAT), "never read as a single transfer's form");
    }

    @Test
    void theHeaderRoundTripsAndRejectsWhatIsNotAProof() throws Exception {
        SignatureBatch.Proof proof = SignatureBatch.sign(KEY.getPrivate(), KEY_ID, files(5), 256).get(3).proof();
        String header = proof.headerValue();
        assertTrue(header.startsWith("3;5;"), header);
        assertEquals(proof, SignatureBatch.Proof.parse(header));
        assertNotNull(SignatureBatch.Proof.parse("0;1;"));
        for (String bad : List.of("", "3", "3;5", "3;5;x;y", "5;5;", "0;0;", "+1;5;", "0;65537;", "0;5;***",
                "0;5;AAAA", " 0;5;")) {
            InvalidHeaderException e = assertThrows(InvalidHeaderException.class,
                    () -> SignatureBatch.Proof.parse(bad), bad);
            assertEquals(ProtocolHeaders.SIGNATURE_PROOF, e.header());
        }
    }
}
