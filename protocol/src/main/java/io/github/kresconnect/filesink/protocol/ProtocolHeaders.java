package io.github.kresconnect.filesink.protocol;

import java.util.List;

/**
 * The headers of a file record and the rules for their text. Header values are UTF-8 text; numbers are
 * decimal digits only ({@code [0-9]+}: no sign, no space, no other character).
 *
 * <ul>
 * <li>{@link #HOSTNAME}: the resolver host the record is for (recipient.mode=hostname);</li>
 * <li>{@link #FILE_NAME}: the file's name relative to the files directory (see {@link FileNames});</li>
 * <li>{@link #TOTAL_CHUNKS}, {@link #CHUNK_INDEX}: the chunk's place, 1-based (see {@link Chunking});</li>
 * <li>{@link #TRANSFER_ID}, {@link #FILE_LENGTH}, {@link #FILE_SHA256}: the whole file's integrity, the same
 * on every record of one transfer (see {@link TransferIntegrity}); either all three or none.</li>
 * <li>{@link #SIGNATURE_KEY_ID}, {@link #FILE_VERSION}, {@link #SIGNATURE}: the publisher's Ed25519 signature of
 * the transfer (see {@link SignedFile}, {@link Signatures}); either all three or none, and only together with the
 * integrity headers; with {@link #SIGNATURE_PROOF} when one signature covers several transfers
 * (see {@link SignatureBatch}); with {@link #SIGNATURE_FORM} and, when the publisher names a fleet, {@link #FLEET}
 * when signed in form 2 (see {@link SignedFile}).</li>
 * <li>{@link #COSIGNATURE}: a further key's signature of exactly what {@link #SIGNATURE} covers, for a host that
 * requires configuration files signed by several keys (see {@link CoSignature}); only on a signed record.</li>
 * </ul>
 * Each of these headers appears at most once on a record, but {@link #COSIGNATURE}, once per co-signing key.
 */
public final class ProtocolHeaders {
    public static final String HOSTNAME = "hostname";
    public static final String FILE_NAME = "file-name";
    public static final String TOTAL_CHUNKS = "total-chunks";
    public static final String CHUNK_INDEX = "chunk-index";
    /** 128 random bits as 32 lowercase hexadecimal digits, one per transfer of one file. */
    public static final String TRANSFER_ID = "transfer-id";
    /** The whole file's length in bytes, a decimal number. */
    public static final String FILE_LENGTH = "file-length";
    /** The whole file's SHA-256 as 64 lowercase hexadecimal digits. */
    public static final String FILE_SHA256 = "file-sha256";

    /** The signing key's id: 16 lowercase hexadecimal digits ({@link Signatures#keyId}). */
    public static final String SIGNATURE_KEY_ID = "signature-key-id";
    /** The file's version, a decimal number that grows with every publication (the publication time in ms). */
    public static final String FILE_VERSION = "file-version";
    /** The Ed25519 signature of the transfer's {@link SignedFile#canonicalForm()}, in base64 (RFC 4648). */
    public static final String SIGNATURE = "signature";
    /**
     * Where the transfer sits among the transfers signed together, when one signature covers several: leaf
     * index, leaf count and the path to the signed root ({@link SignatureBatch.Proof}). Absent when the transfer
     * is signed on its own.
     */
    public static final String SIGNATURE_PROOF = "signature-proof";
    /**
     * The form of the signed bytes ({@link SignedFile}): {@code 2} for form 2, which binds the fleet and the chunk
     * geometry; absent for form 1.
     */
    public static final String SIGNATURE_FORM = "signature-form";
    /** The fleet the transfer was signed for (form 2), when the publisher names one. */
    public static final String FLEET = "fleet";
    /**
     * A co-signature: {@code <key id>;<base64 of the Ed25519 signature>} of the same bytes {@link #SIGNATURE}
     * covers (the transfer's canonical form, or its batch's). Repeatable: one header per co-signing key
     * ({@link CoSignature}).
     */
    public static final String COSIGNATURE = "cosignature";

    /** Every protocol header, in the order a publisher sends them. */
    public static final List<String> ALL = List.of(HOSTNAME, FILE_NAME, TOTAL_CHUNKS, CHUNK_INDEX, TRANSFER_ID,
            FILE_LENGTH, FILE_SHA256);
    /** The headers that come together or not at all. */
    public static final List<String> INTEGRITY = List.of(TRANSFER_ID, FILE_LENGTH, FILE_SHA256);

    /** The headers of a signed transfer, in the order a publisher sends them (after {@link #ALL}). */
    public static final List<String> SIGNED = List.of(SIGNATURE_KEY_ID, FILE_VERSION, SIGNATURE);
    /** The signature headers: {@link #SIGNED}, then {@link #SIGNATURE_PROOF} on a transfer signed with others. */
    public static final List<String> SIGNED_WITH_PROOF = List.of(SIGNATURE_KEY_ID, FILE_VERSION, SIGNATURE,
            SIGNATURE_PROOF, SIGNATURE_FORM, FLEET);

    public static final int TRANSFER_ID_HEX_DIGITS = 32;
    public static final int KEY_ID_HEX_DIGITS = 16;
    public static final int SHA256_HEX_DIGITS = 64;

    /** {@code LOWERCASE_HEX[c]}: whether ASCII character {@code c} is one of {@code 0-9a-f}. */
    private static final boolean[] LOWERCASE_HEX = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            LOWERCASE_HEX[c] = true;
        }
        for (char c = 'a'; c <= 'f'; c++) {
            LOWERCASE_HEX[c] = true;
        }
    }

    private ProtocolHeaders() {
    }

    /**
     * A decimal number: {@code [0-9]+} and at most {@link Long#MAX_VALUE}. Leading zeros are allowed;
     * a sign ({@code -0}, {@code +1}), a space or any other character is not.
     */
    public static long parseDecimal(String header, String text) throws InvalidHeaderException {
        if (!isDecimal(text)) {
            throw new InvalidHeaderException(header, "header '" + header + "' is not a decimal number: "
                    + FileNames.quote(text) + " (digits 0-9 only: no sign, space or other character)");
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new InvalidHeaderException(header, "header '" + header + "' is too large: " + FileNames.quote(text));
        }
    }

    /** A decimal number ({@link #parseDecimal}) that fits an int: a chunk count or index. */
    public static int parseCount(String header, String text) throws InvalidHeaderException {
        return checkCount(header, parseDecimal(header, text));
    }

    /** A number already parsed (for example type-guessed by a converter) as a chunk count or index. */
    public static int checkCount(String header, long value) throws InvalidHeaderException {
        if (value < 0) {
            throw new InvalidHeaderException(header, "header '" + header + "' is negative: " + value);
        }
        if (value > Integer.MAX_VALUE) {
            throw new InvalidHeaderException(header, "header '" + header + "' is too large: " + value);
        }
        return (int) value;
    }

    /** The {@link #FILE_LENGTH} header: a non-negative decimal long. */
    public static long parseFileLength(String text) throws InvalidHeaderException {
        return parseDecimal(FILE_LENGTH, text);
    }

    /** A file length already parsed (for example type-guessed by a converter). */
    public static long checkFileLength(long value) throws InvalidHeaderException {
        if (value < 0) {
            throw new InvalidHeaderException(FILE_LENGTH, "header '" + FILE_LENGTH + "' is negative: " + value);
        }
        return value;
    }

    /** The {@link #TRANSFER_ID} header: exactly 32 lowercase hexadecimal digits (128 bits). */
    public static String parseTransferId(String text) throws InvalidHeaderException {
        return requireHex(TRANSFER_ID, text, TRANSFER_ID_HEX_DIGITS, "");
    }

    /** The {@link #FILE_SHA256} header: exactly 64 lowercase hexadecimal digits. */
    public static String parseSha256(String text) throws InvalidHeaderException {
        return requireHex(FILE_SHA256, text, SHA256_HEX_DIGITS, "a SHA-256 as ");
    }

    /** The {@link #SIGNATURE_KEY_ID} header: exactly 16 lowercase hexadecimal digits. */
    public static String parseKeyId(String text) throws InvalidHeaderException {
        return requireHex(SIGNATURE_KEY_ID, text, KEY_ID_HEX_DIGITS, "");
    }

    /** {@code text} when it is exactly {@code digits} lowercase hexadecimal digits; else the header's reason. */
    private static String requireHex(String header, String text, int digits, String what)
            throws InvalidHeaderException {
        if (!isLowercaseHex(text, digits)) {
            throw new InvalidHeaderException(header, "header '" + header + "' is not " + what + digits
                    + " lowercase hexadecimal digits: " + FileNames.quote(text));
        }
        return text;
    }

    public static boolean isKeyId(String text) {
        return isLowercaseHex(text, KEY_ID_HEX_DIGITS);
    }

    /** {@code [0-9]+}: one or more decimal digits and nothing else. */
    public static boolean isDecimal(String text) {
        if (text == null || text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    public static boolean isTransferId(String text) {
        return isLowercaseHex(text, TRANSFER_ID_HEX_DIGITS);
    }

    public static boolean isSha256(String text) {
        return isLowercaseHex(text, SHA256_HEX_DIGITS);
    }

    /**
     * Whether the text is exactly that many lowercase hexadecimal digits. By a table rather than by comparing with
     * the two ranges: in a random digest, whether the next character is a digit or a letter is a coin toss, which
     * the comparisons' branches would mispredict half the time (every record's digest and transfer id pass here).
     */
    private static boolean isLowercaseHex(String text, int digits) {
        if (text == null || text.length() != digits) {
            return false;
        }
        boolean hex = true;
        for (int i = 0; i < digits; i++) {
            char c = text.charAt(i);
            hex &= c < LOWERCASE_HEX.length && LOWERCASE_HEX[c];
        }
        return hex;
    }
}
