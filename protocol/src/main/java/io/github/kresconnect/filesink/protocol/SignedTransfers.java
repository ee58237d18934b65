package io.github.kresconnect.filesink.protocol;

import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * The rules of the signed form that every reader of the topic applies alike: the connector's verifier and the
 * freshness statement's issuer ({@code resolver-publish statement}), which must believe only versions a host of its
 * fleet would accept.
 *
 * <ul>
 * <li>{@link #binding}: what form 2 binds, checked against the reader's fleet and the record's chunk geometry. A
 * reader with a fleet id accepts only form 2 for that fleet; a reader without one accepts form 1, and form 2 signed
 * for no fleet.</li>
 * <li>{@link #authorize}: the key's scope ({@link KeyScope}): its roles, recipients, file names and not-after. A
 * record outside its key's scope is refused by the host, so the issuer does not state its version either.</li>
 * <li>{@link #signedForm}: the bytes the signature covers: the transfer's own canonical form ({@link SignedFile}),
 * or, with a proof, its batch's ({@link SignatureBatch}).</li>
 * </ul>
 */
public final class SignedTransfers {
    private SignedTransfers() {
    }

    /** A fleet id, as {@code signatures.fleet}, {@code resolver-publish --fleet} and a statement take it. */
    public static boolean isFleetId(String text) {
        return text.matches("[A-Za-z0-9._-]{1,64}");
    }

    /** A record the signed form's rules refuse, with the reason. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason);
        }
    }

    /**
     * Form 2's fleet and chunk geometry, checked against the reader's {@code fleet} and the record (chunk
     * {@code chunkIndex} of {@code totalChunks}, holding {@code contentLength} bytes of a file of {@code fileLength});
     * null for form 1.
     *
     * @throws Refused when the record was signed for another fleet (or in form 1 while the reader has a fleet id), or
     *         its geometry fits no chunk size
     */
    public static SignedFile.Binding binding(String fleet, SignedVersion signed, long fileLength, int totalChunks,
            int chunkIndex, long contentLength) throws Refused {
        if (signed.form() == SignedVersion.FORM_1) {
            if (!fleet.isEmpty()) {
                throw new Refused("signed in form 1, without a fleet id, and this host is in fleet "
                        + FileNames.quote(fleet) + " (signatures.fleet): a host with a fleet id accepts only records "
                        + "signed for its fleet (resolver-publish --fleet " + fleet + ")");
            }
            return null;
        }
        if (!signed.fleet().equals(fleet)) {
            throw new Refused(signed.fleet().isEmpty()
                    ? "signed without a fleet id, and this host is in fleet " + FileNames.quote(fleet)
                            + " (signatures.fleet)"
                    : "signed for fleet " + FileNames.quote(signed.fleet()) + ", and this host is "
                            + (fleet.isEmpty() ? "in no fleet (signatures.fleet is empty)"
                                    : "in fleet " + FileNames.quote(fleet) + " (signatures.fleet)"));
        }
        long chunkSize = Chunking.chunkSizeOf(fileLength, totalChunks, chunkIndex, contentLength);
        if (chunkSize < 0) {
            throw new Refused("chunk " + chunkIndex + " of " + totalChunks + " holds " + contentLength + " bytes, "
                    + "which no chunk size gives for a file of " + fileLength + " bytes in " + totalChunks
                    + " chunks: the record's chunk count or content was changed after it was signed");
        }
        return new SignedFile.Binding(fleet, totalChunks, chunkSize);
    }

    /**
     * The role a key needs to sign a file of that name: {@link KeyRole#REVOCATION} for the revocation list,
     * {@link KeyRole#CONFIG} for a configuration file (one of the hosts' {@code config.file.suffixes}),
     * {@link KeyRole#DATA} for any other.
     */
    public static KeyRole roleOf(String fileName, Collection<String> configSuffixes) {
        if (fileName.equals(RevocationList.FILE_NAME)) {
            return KeyRole.REVOCATION;
        }
        return ConfigFileValidator.isConfigFile(fileName, configSuffixes) ? KeyRole.CONFIG : KeyRole.DATA;
    }

    /**
     * The key's scope, checked for a file signed by it: the key must have the file's role ({@link #roleOf}), cover
     * its recipient and its name (the revocation list, addressed to the whole fleet, is checked by role only), and
     * the version must not be past the key's not-after.
     *
     * @throws Refused naming the rule the key breaks
     */
    public static void authorize(TrustedKey key, String fileName, SignedFile.RecipientKind kind, String recipient,
            long version, Collection<String> configSuffixes) throws Refused {
        KeyScope scope = key.scope();
        KeyRole role = roleOf(fileName, configSuffixes);
        if (!scope.mayRole(role)) {
            throw new Refused("key id " + key.id() + " may sign " + roles(scope) + ", not " + describe(role) + ": "
                    + FileNames.quote(fileName) + " is " + describe(role)
                    + (role == KeyRole.CONFIG ? " (config.file.suffixes " + List.copyOf(configSuffixes) + ")" : ""));
        }
        if (role != KeyRole.REVOCATION) {
            if (!scope.coversRecipient(recipient)) {
                throw new Refused("key id " + key.id() + " may sign for recipients " + scope.recipients()
                        + ", not for " + kind.text() + " " + FileNames.quote(recipient));
            }
            if (!scope.coversFile(fileName)) {
                throw new Refused("key id " + key.id() + " may sign files " + scope.files() + ", not "
                        + FileNames.quote(fileName));
            }
        }
        if (scope.expiredAt(version)) {
            throw new Refused("version " + version + " (" + Instant.ofEpochMilli(version) + ") is past key id "
                    + key.id() + "'s not-after " + scope.notAfter() + ": the key may sign versions up to that time "
                    + "only");
        }
    }

    /**
     * The key's scope, checked for a statement addressed to the whole fleet (a freshness statement, a revocation
     * list): the key must have {@code role}, and {@code version} must not be past its not-after.
     *
     * @throws Refused naming the rule the key breaks
     */
    public static void authorize(TrustedKey key, KeyRole role, long version) throws Refused {
        if (!key.scope().mayRole(role)) {
            throw new Refused("key id " + key.id() + " may sign " + roles(key.scope()) + ", not " + describe(role));
        }
        if (key.scope().expiredAt(version)) {
            throw new Refused("version " + version + " is past key id " + key.id() + "'s not-after "
                    + key.scope().notAfter());
        }
    }

    /** What a key of that role signs, in words. */
    public static String describe(KeyRole role) {
        return switch (role) {
            case DATA -> "a data file";
            case CONFIG -> "a configuration file";
            case REVOCATION -> "the revocation list";
            case TIMESTAMP -> "a freshness statement";
        };
    }

    private static String roles(KeyScope scope) {
        return "roles=" + String.join(",", scope.roles().stream().sorted().map(KeyRole::text).toList());
    }

    /**
     * The bytes the signature of {@code file} covers: its canonical form, or with {@code proof} its batch's
     * canonical form; null when the proof's path has the wrong length for its place in the batch.
     */
    public static byte[] signedForm(SignedFile file, SignatureBatch.Proof proof) {
        if (proof == null) {
            return file.canonicalForm();
        }
        byte[] root = SignatureBatch.root(file, proof);
        return root == null ? null : SignatureBatch.canonicalForm(proof.leaves(), root);
    }

    /** Whether the transfer's signature, as its headers carry it, is {@code key}'s signature of {@code file}. */
    public static boolean verifies(PublicKey key, SignedFile file, SignedVersion signed) {
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(signed.signatureBase64());
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] form = signedForm(file, signed.proof());
        return form != null && Signatures.verify(key, form, signature);
    }
}
