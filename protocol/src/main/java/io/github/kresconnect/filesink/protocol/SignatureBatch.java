package io.github.kresconnect.filesink.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * One signature for many transfers: the publisher signs the root of a Merkle tree whose leaves are the
 * transfers' {@link SignedFile#canonicalForm()}s, and every record carries, in header
 * {@link ProtocolHeaders#SIGNATURE_PROOF}, the path from its own leaf to that root. A connector verifies the
 * Ed25519 signature of a root once and then accepts every transfer whose path leads to it, at the cost of a
 * few SHA-256s instead of one Ed25519 verification per file.
 *
 * <p>The tree is the one of RFC 9162 (Certificate Transparency 2.0), section 2.1: a leaf's hash is
 * {@code SHA-256(0x00 || canonical form)}, an inner node's {@code SHA-256(0x01 || left || right)}, a tree of
 * {@code n > 1} leaves splits after the largest power of two below {@code n}; a path lists the sibling hashes
 * from the leaf up. The distinct prefixes keep a leaf from passing for an inner node. What is signed is the
 * {@link #canonicalForm(int, byte[]) batch's canonical form}: its first line names the format, so it is never
 * mistaken for a single transfer's canonical form (nor the reverse), and it carries the number of leaves, which
 * fixes the tree's shape.
 *
 * <p>The header's value is {@code <leaf index>;<leaf count>;<base64 of the concatenated sibling hashes>}, for
 * example {@code 5;256;q83v...}. (Not colons: Kafka Connect's {@code SimpleHeaderConverter}, the default header
 * converter, reads {@code 5:256:...} as the number 5 and drops the rest.) A record without the header is signed
 * on its own: its signature is over its canonical form directly.
 */
public final class SignatureBatch {
    /** The first line of the batch's canonical form. */
    public static final String FORMAT = "resolver-file-signature-batch-v1";
    /** The most leaves one signature covers: paths of at most 16 hashes (512 bytes). */
    public static final int MAX_LEAVES = 1 << 16;
    /**
     * How many transfers {@code resolver-publish} signs together at most: paths of at most 10 hashes (a 428-character
     * header). A host verifies one Ed25519 signature per batch (0.5 ms to a few ms with Java 17's implementation), the
     * largest cost of a signed small file at 256 per batch; 1,024 makes it a quarter for two more hashes per record.
     */
    public static final int PUBLISHER_LEAVES = 1024;

    private static final String SEPARATOR = ";";
    private static final int HASH_BYTES = 32;
    private static final byte LEAF = 0x00;
    private static final byte NODE = 0x01;
    private static final HexFormat HEX = HexFormat.of();

    private SignatureBatch() {
    }

    /**
     * Where one transfer sits in a batch: its leaf's index, the batch's number of leaves, and the sibling
     * hashes from the leaf to the root (32 bytes each, concatenated). A value: two proofs are equal when their
     * index, leaf count and path are.
     */
    public static final class Proof {
        private final int index;
        private final int leaves;
        private final byte[] path;

        public Proof(int index, int leaves, byte[] path) {
            this(path.clone(), index, leaves);
        }

        /** Takes {@code path} as it is: for a path no one else holds (decoded from a header). */
        private Proof(byte[] path, int index, int leaves) {
            if (leaves < 1 || leaves > MAX_LEAVES) {
                throw new IllegalArgumentException("a batch has 1 to " + MAX_LEAVES + " leaves, not " + leaves);
            }
            if (index < 0 || index >= leaves) {
                throw new IllegalArgumentException("leaf " + index + " is not in a batch of " + leaves);
            }
            if (path.length % HASH_BYTES != 0) {
                throw new IllegalArgumentException("a path is whole 32-byte hashes, not " + path.length + " bytes");
            }
            this.index = index;
            this.leaves = leaves;
            this.path = path;
        }

        /** The leaf's index in the batch, from 0. */
        public int index() {
            return index;
        }

        /** How many leaves the batch has. */
        public int leaves() {
            return leaves;
        }

        /** The sibling hashes from the leaf up, concatenated (a copy). */
        public byte[] path() {
            return path.clone();
        }

        /** The {@link ProtocolHeaders#SIGNATURE_PROOF} header's value. */
        public String headerValue() {
            return index + SEPARATOR + leaves + SEPARATOR + Base64.getEncoder().encodeToString(path);
        }

        /** The header's value, checked: three fields, decimal numbers, a leaf inside the batch, whole hashes. */
        public static Proof parse(String text) throws InvalidHeaderException {
            String header = ProtocolHeaders.SIGNATURE_PROOF;
            int first = text.indexOf(';');
            int second = first < 0 ? -1 : text.indexOf(';', first + 1);
            if (second < 0 || text.indexOf(';', second + 1) >= 0) {
                throw invalid("is not '<leaf index>;<leaf count>;<base64 path>'", text);
            }
            long index = ProtocolHeaders.parseDecimal(header, text.substring(0, first));
            long leaves = ProtocolHeaders.parseDecimal(header, text.substring(first + 1, second));
            if (leaves < 1 || leaves > MAX_LEAVES || index >= leaves) {
                throw invalid("names leaf " + index + " of " + leaves + " (a batch has 1 to " + MAX_LEAVES
                        + " leaves, indexed from 0)", text);
            }
            byte[] path;
            try { // the path's characters as bytes, decoded into an array of the decoded length
                byte[] encoded = new byte[text.length() - second - 1];
                for (int i = 0; i < encoded.length; i++) {
                    char c = text.charAt(second + 1 + i);
                    encoded[i] = c < 0x80 ? (byte) c : (byte) '?'; // past ASCII: not base64, rejected as such
                }
                path = Base64.getDecoder().decode(encoded);
            } catch (IllegalArgumentException e) {
                throw invalid("has a path that is not base64", text);
            }
            if (path.length % HASH_BYTES != 0) {
                throw invalid("has a path of " + path.length + " bytes, not whole 32-byte hashes", text);
            }
            return new Proof(path, (int) index, (int) leaves);
        }

        private static InvalidHeaderException invalid(String what, String text) {
            return new InvalidHeaderException(ProtocolHeaders.SIGNATURE_PROOF, "header '"
                    + ProtocolHeaders.SIGNATURE_PROOF + "' " + what + ": " + FileNames.quote(abbreviate(text)));
        }

        /**
         * The root the path leads to from {@code leafHash}, or null when the path does not fit the leaf's place
         * (too short or too long for a tree of this size): RFC 9162, section 2.1.3.2.
         */
        public byte[] root(byte[] leafHash) {
            return root(TransferIntegrity.newSha256(), leafHash.clone());
        }

        /** {@link #root(byte[])} with this digest, hashing in place in {@code hash} (the leaf's hash, overwritten). */
        private byte[] root(MessageDigest sha256, byte[] hash) {
            long fn = index;
            long sn = leaves - 1L;
            for (int offset = 0; offset < path.length; offset += HASH_BYTES) {
                if (sn == 0) {
                    return null;
                }
                sha256.update(NODE);
                if ((fn & 1) == 1 || fn == sn) {
                    sha256.update(path, offset, HASH_BYTES);
                    sha256.update(hash);
                    if ((fn & 1) == 0) {
                        while ((fn & 1) == 0 && fn != 0) {
                            fn >>= 1;
                            sn >>= 1;
                        }
                    }
                } else {
                    sha256.update(hash);
                    sha256.update(path, offset, HASH_BYTES);
                }
                digestInto(sha256, hash);
                fn >>= 1;
                sn >>= 1;
            }
            return sn == 0 ? hash : null;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Proof that && index == that.index && leaves == that.leaves
                    && Arrays.equals(path, that.path);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * index + leaves) + Arrays.hashCode(path);
        }

        @Override
        public String toString() {
            return "leaf " + index + " of " + leaves;
        }
    }

    /**
     * The root {@code file}'s leaf leads to along {@code proof}'s path, with one digest for the whole way, or
     * null when the path does not fit the leaf's place.
     */
    public static byte[] root(SignedFile file, Proof proof) {
        MessageDigest sha256 = TransferIntegrity.newSha256();
        sha256.update(LEAF);
        sha256.update(file.canonicalForm());
        byte[] hash = new byte[HASH_BYTES];
        digestInto(sha256, hash);
        return proof.root(sha256, hash);
    }

    private static void digestInto(MessageDigest sha256, byte[] hash) {
        try {
            sha256.digest(hash, 0, HASH_BYTES);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException("a SHA-256 digest is 32 bytes", e);
        }
    }

    /** A leaf's hash: {@code SHA-256(0x00 || file.canonicalForm())}. */
    public static byte[] leafHash(SignedFile file) {
        MessageDigest sha256 = TransferIntegrity.newSha256();
        sha256.update(LEAF);
        return sha256.digest(file.canonicalForm());
    }

    /** What the signature of a batch is made over. */
    public static byte[] canonicalForm(int leaves, byte[] root) {
        StringBuilder text = new StringBuilder(FORMAT.length() + 24 + 2 * root.length);
        text.append(FORMAT).append("\nleaves=").append(leaves).append("\nroot=");
        HEX.formatHex(text, root);
        return text.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The signature headers of each transfer, in order, all by {@code key} (whose id is {@code keyId}): one
     * transfer alone is signed over its own canonical form, without a proof; more are signed as batches of at
     * most {@code leavesPerSignature}, one signature each, every transfer carrying its proof.
     */
    public static List<SignedVersion> sign(PrivateKey key, String keyId, List<SignedFile> files,
            int leavesPerSignature) {
        if (leavesPerSignature < 1 || leavesPerSignature > MAX_LEAVES) {
            throw new IllegalArgumentException("1 to " + MAX_LEAVES + " leaves per signature, not "
                    + leavesPerSignature);
        }
        List<SignedVersion> signed = new ArrayList<>(files.size());
        if (files.size() == 1) {
            SignedFile file = files.get(0);
            signed.add(signedVersion(keyId, file, Signatures.sign(key, file.canonicalForm()), null));
            return signed;
        }
        for (int start = 0; start < files.size(); start += leavesPerSignature) {
            List<SignedFile> batch = files.subList(start, Math.min(files.size(), start + leavesPerSignature));
            byte[][] leaves = new byte[batch.size()][];
            for (int i = 0; i < leaves.length; i++) {
                leaves[i] = leafHash(batch.get(i));
            }
            byte[][] paths = new byte[leaves.length][0];
            byte[] root = tree(TransferIntegrity.newSha256(), leaves, 0, leaves.length, paths);
            String signature = Signatures.sign(key, canonicalForm(leaves.length, root));
            for (int i = 0; i < leaves.length; i++) {
                signed.add(signedVersion(keyId, batch.get(i), signature, new Proof(i, leaves.length, paths[i])));
            }
        }
        return signed;
    }

    private static SignedVersion signedVersion(String keyId, SignedFile file, String signature, Proof proof) {
        return file.binding() == null ? new SignedVersion(keyId, file.version(), signature, proof)
                : new SignedVersion(keyId, file.version(), signature, proof, SignedVersion.FORM_2,
                        file.binding().fleet());
    }

    /**
     * The hash of the tree over {@code leaves[from, to)}; appends, to the path of every leaf in the range, the
     * sibling it needs at this level (RFC 9162's PATH, computed for all leaves at once).
     */
    private static byte[] tree(MessageDigest sha256, byte[][] leaves, int from, int to, byte[][] paths) {
        int n = to - from;
        if (n == 1) {
            return leaves[from];
        }
        int k = Integer.highestOneBit(n - 1);
        byte[] left = tree(sha256, leaves, from, from + k, paths);
        byte[] right = tree(sha256, leaves, from + k, to, paths);
        for (int i = from; i < to; i++) {
            paths[i] = concat(paths[i], i < from + k ? right : left);
        }
        return node(sha256, left, right);
    }

    private static byte[] node(MessageDigest sha256, byte[] left, byte[] right) {
        sha256.update(NODE);
        sha256.update(left);
        return sha256.digest(right);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }
}
