package io.github.kresconnect.filesink.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.kresconnect.filesink.protocol.CoSignature;
import io.github.kresconnect.filesink.protocol.KeyFormatException;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * One key's co-signatures of a {@link CosignRequest}, made where that key is kept ({@code resolver-publish cosign})
 * and handed to the run that sends the files ({@code --cosignature FILE}): the key's public key, and its signature of
 * each distinct signed form (a batch's, or a transfer's alone), found by the form's SHA-256. The sending run checks
 * every one against the public key before anything is sent.
 *
 * <pre>
 * resolver-cosignatures-v1
 * public-key=-----BEGIN PUBLIC KEY-----...-----END PUBLIC KEY-----
 * signed=&lt;SHA-256 of the signed form, hex&gt; &lt;base64 signature&gt;
 * </pre>
 */
record DetachedCosignatures(PublicKey key, String keyId, Map<String, String> byFormSha256) {
    static final String FORMAT = "resolver-cosignatures-v1";

    DetachedCosignatures {
        byFormSha256 = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byFormSha256));
    }

    static String sha256Hex(byte[] form) {
        return HexFormat.of().formatHex(TransferIntegrity.newSha256().digest(form));
    }

    /** The co-signature of {@code form}, checked against the key; a usage error when absent or not matching. */
    CoSignature forForm(byte[] form, Path file) throws PublishException {
        String signature = byFormSha256.get(sha256Hex(form));
        if (signature == null) {
            throw new PublishException(ExitCode.USAGE, "--cosignature '" + file + "' (key id " + keyId + ") does not "
                    + "co-sign this run: made for another request, or the command line differs from the request's");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            bytes = new byte[0];
        }
        if (!Signatures.verify(key, form, bytes)) {
            throw new PublishException(ExitCode.USAGE, "--cosignature '" + file + "': the signature by key id " + keyId
                    + " does not verify over what this run signs");
        }
        return new CoSignature(keyId, signature);
    }

    String text() {
        StringBuilder out = new StringBuilder(FORMAT).append('\n');
        out.append("public-key=").append(Signatures.publicKeyOneLine(key)).append('\n');
        byFormSha256.forEach((sha, signature) -> out.append("signed=").append(sha).append(' ').append(signature)
                .append('\n'));
        return out.toString();
    }

    static DetachedCosignatures read(Path file) throws PublishException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PublishException(ExitCode.USAGE, "--cosignature: cannot read '" + file + "': " + e.getMessage(),
                    e);
        }
        List<String> lines = List.of(text.split("\n", -1));
        try {
            if (lines.size() < 4 || !lines.get(0).equals(FORMAT) || !lines.get(1).startsWith("public-key=")
                    || !lines.get(lines.size() - 1).isEmpty()) {
                throw new IllegalArgumentException("expected '" + FORMAT + "', 'public-key=' and 'signed=' lines");
            }
            List<PublicKey> keys = Signatures.parsePublicKeys(lines.get(1).substring("public-key=".length()));
            if (keys.size() != 1) {
                throw new IllegalArgumentException("one public key");
            }
            Map<String, String> signed = new LinkedHashMap<>();
            for (String line : lines.subList(2, lines.size() - 1)) {
                String[] parts = line.startsWith("signed=") ? line.substring(7).split(" ", -1) : new String[0];
                if (parts.length != 2 || !ProtocolHeaders.isSha256(parts[0]) || parts[1].isEmpty()) {
                    throw new IllegalArgumentException("line '" + line + "'");
                }
                signed.put(parts[0], parts[1]);
            }
            return new DetachedCosignatures(keys.get(0), Signatures.keyId(keys.get(0)), signed);
        } catch (IllegalArgumentException | KeyFormatException e) {
            throw new PublishException(ExitCode.USAGE, "--cosignature '" + file + "' is not a co-signature file: "
                    + e.getMessage(), e);
        }
    }
}
