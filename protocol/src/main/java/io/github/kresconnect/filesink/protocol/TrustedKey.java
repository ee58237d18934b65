package io.github.kresconnect.filesink.protocol;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A public key a host trusts, with what it may sign ({@link KeyScope}). {@code signatures.trusted.keys} lists
 * them: PEM public keys, each followed by its scope in square brackets or by nothing (the
 * {@link KeyScope#DEFAULT default scope}).
 *
 * @param id the key's id ({@link Signatures#keyId})
 * @param key the Ed25519 public key
 * @param scope what it may sign
 */
public record TrustedKey(String id, PublicKey key, KeyScope scope) {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----",
            Pattern.DOTALL);

    public TrustedKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(scope, "scope");
    }

    /** A key with the default scope. */
    public static TrustedKey of(PublicKey key) {
        return new TrustedKey(Signatures.keyId(key), key, KeyScope.DEFAULT);
    }

    /** The key as {@code signatures.trusted.keys} lists it: its PEM on one line, then its scope unless default. */
    public String entry() {
        String pem = Signatures.publicKeyOneLine(key);
        return scope.equals(KeyScope.DEFAULT) ? pem : pem + "[" + scope + "]";
    }

    /**
     * Every key in the text: PEM public key blocks, each followed by an optional {@code [scope]}; whitespace between
     * entries. Anything else, a scope that does not parse, or the same key twice with different scopes is an
     * error naming the key. Blank text holds no key.
     */
    public static List<TrustedKey> parseAll(String text) throws KeyFormatException {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        Matcher blocks = BLOCK.matcher(text);
        List<int[]> spans = new ArrayList<>();
        while (blocks.find()) {
            spans.add(new int[] {blocks.start(), blocks.end()});
        }
        if (spans.isEmpty() || !text.substring(0, spans.get(0)[0]).isBlank()) {
            // the general rules and message for text that is not PEM blocks
            Signatures.parsePublicKeys(spans.isEmpty() ? text : text.substring(0, spans.get(0)[0]));
        }
        Map<String, TrustedKey> keys = new LinkedHashMap<>();
        for (int i = 0; i < spans.size(); i++) {
            String pem = text.substring(spans.get(i)[0], spans.get(i)[1]);
            List<PublicKey> parsed = Signatures.parsePublicKeys(pem);
            PublicKey key = parsed.get(0);
            String id = Signatures.keyId(key);
            String after = text.substring(spans.get(i)[1], i + 1 < spans.size() ? spans.get(i + 1)[0] : text.length())
                    .strip();
            KeyScope scope;
            if (after.isEmpty()) {
                scope = KeyScope.DEFAULT;
            } else if (after.startsWith("[") && after.endsWith("]") && after.indexOf(']') == after.length() - 1) {
                try {
                    scope = KeyScope.parse(after.substring(1, after.length() - 1));
                } catch (KeyFormatException e) {
                    throw new KeyFormatException("key " + id + ": " + e.getMessage(), e);
                }
            } else {
                throw new KeyFormatException("key " + id + " is followed by " + FileNames.quote(after.length() > 60
                        ? after.substring(0, 60) + "..." : after) + ": expected its scope in square brackets "
                        + "([roles=...; recipients=...; files=...; not-after=...]) or the next key");
            }
            TrustedKey trusted = new TrustedKey(id, key, scope);
            TrustedKey earlier = keys.putIfAbsent(id, trusted);
            if (earlier != null && !earlier.scope.equals(scope)) {
                throw new KeyFormatException("key " + id + " is listed twice with different scopes ([" + earlier.scope
                        + "] and [" + scope + "]): list it once");
            }
        }
        return List.copyOf(keys.values());
    }
}
