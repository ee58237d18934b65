package io.github.kresconnect.filesink.protocol;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * M-of-N signatures for configuration files (TUF's role threshold): a host may require that a configuration file
 * (one of its {@code config.file.suffixes}, the files whose change makes the resolver reload) is signed by at least
 * M distinct keys it trusts for it. Data files and the revocation list are not concerned.
 *
 * <p>What counts, the same for every reader of the topic: the transfer's own signature (already verified and
 * authorized by the caller) counts for its key; each co-signature ({@link CoSignature}) counts for its key when
 * that key is trusted, not revoked, in scope for this file as the signature's key must be ({@link
 * SignedTransfers#authorize}: role {@code config}, this recipient and file name, the version within its not-after)
 * and its signature verifies over exactly the bytes the transfer's signature covers ({@link
 * SignedTransfers#signedForm}). A key counts once however many times it signs: only its first signature on the
 * record is checked (the transfer's own for its key), so the work is bounded by the number of keys trusted, not by
 * the number of headers a record carries. A co-signature that does not count
 * is kept with the reason, so a refusal names every key it did not count and why.
 */
public final class SignatureThreshold {
    private SignatureThreshold() {
    }

    /** Checks one co-signature: whether {@code signatureBase64} is {@code key}'s signature of {@code signedForm}. */
    @FunctionalInterface
    public interface Verifier {
        boolean verifies(TrustedKey key, byte[] signedForm, String signatureBase64);
    }

    /** The Ed25519 check itself, without memory: a signature that is not base64 of 64 bytes does not verify. */
    public static final Verifier ED25519 = (key, signedForm, signatureBase64) -> {
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(signatureBase64);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return Signatures.verify(key.key(), signedForm, signature);
    };

    /** Whether a file of that name needs {@code threshold} keys: a configuration file, with a threshold above 1. */
    public static boolean applies(String fileName, Collection<String> configSuffixes, int threshold) {
        return threshold > 1 && SignedTransfers.roleOf(fileName, configSuffixes) == KeyRole.CONFIG;
    }

    /**
     * The keys that count for a transfer and the co-signatures that do not.
     *
     * @param counted the ids of the distinct keys whose signatures count, the transfer's own first
     * @param notCounted each co-signing key id that does not count, with the reason
     */
    public record Tally(List<String> counted, Map<String, String> notCounted) {
        public Tally {
            counted = List.copyOf(counted);
            notCounted = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(notCounted));
        }

        /** Whether at least {@code threshold} distinct keys count. */
        public boolean reaches(int threshold) {
            return counted.size() >= threshold;
        }

        /**
         * In words: {@code valid signatures by 1 of the 2 distinct keys needed (counted: key id a; not counted:
         * key id b: not trusted)}.
         */
        public String describe(int threshold) {
            StringBuilder out = new StringBuilder("valid signatures by ").append(counted.size()).append(" of the ")
                    .append(threshold).append(" distinct keys needed (counted: key id")
                    .append(counted.size() == 1 ? " " : "s ").append(String.join(", ", counted));
            if (!notCounted.isEmpty()) {
                out.append("; not counted: ");
                String separator = "";
                for (Map.Entry<String, String> entry : notCounted.entrySet()) {
                    out.append(separator).append("key id ").append(entry.getKey()).append(": ")
                            .append(entry.getValue());
                    separator = "; ";
                }
            }
            return out.append(')').toString();
        }
    }

    /**
     * Counts the keys that signed {@code file}.
     *
     * @param file the transfer, as its signature covers it
     * @param signed its signature (already verified and its key authorized) and co-signatures
     * @param trusted the keys trusted, by id, with their scopes
     * @param revoked the ids of the keys revoked now
     * @param configSuffixes the names of configuration files
     * @param verifier the signature check (a host may remember what it verified)
     */
    public static Tally count(SignedFile file, SignedVersion signed, Map<String, TrustedKey> trusted,
            Set<String> revoked, Collection<String> configSuffixes, Verifier verifier) {
        Set<String> counted = new LinkedHashSet<>();
        counted.add(signed.keyId());
        Set<String> seen = new LinkedHashSet<>(counted);
        Map<String, String> notCounted = new LinkedHashMap<>();
        byte[] signedForm = SignedTransfers.signedForm(file, signed.proof());
        for (CoSignature cosignature : signed.cosignatures()) {
            String id = cosignature.keyId();
            if (!seen.add(id)) {
                continue; // a key counts once: its first signature on the record is the one checked
            }
            String refusal = refusal(file, cosignature, trusted.get(id), revoked, configSuffixes, signedForm,
                    verifier);
            if (refusal == null) {
                counted.add(id);
            } else {
                notCounted.put(id, refusal);
            }
        }
        return new Tally(new ArrayList<>(counted), notCounted);
    }

    private static String refusal(SignedFile file, CoSignature cosignature, TrustedKey key, Set<String> revoked,
            Collection<String> configSuffixes, byte[] signedForm, Verifier verifier) {
        if (key == null) {
            return "not in the trusted keys";
        }
        if (revoked.contains(key.id())) {
            return "revoked by the revocation list in force";
        }
        try {
            SignedTransfers.authorize(key, file.fileName(), file.recipientKind(), file.recipient(), file.version(),
                    configSuffixes);
        } catch (SignedTransfers.Refused e) {
            return "out of scope: " + e.getMessage();
        }
        if (signedForm == null || !verifier.verifies(key, signedForm, cosignature.signatureBase64())) {
            return "its co-signature does not match what the transfer's signature covers";
        }
        return null;
    }
}
