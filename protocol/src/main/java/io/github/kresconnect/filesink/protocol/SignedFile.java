package io.github.kresconnect.filesink.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What a publisher's signature covers: one transfer of one file to one recipient, at one version. Both sides
 * build the signed bytes here, with {@link #canonicalForm()}, so they cannot disagree on them.
 *
 * <p>The canonical form is UTF-8 text, one {@code key=value} line per field, each line ending in {@code \n},
 * in this order:
 * <pre>
 * resolver-file-signature-v1
 * file-name=11:zones/a.rpz
 * recipient-kind=hostname
 * recipient=9:resolver1
 * file-length=1574098
 * file-sha256=(64 lowercase hexadecimal digits)
 * transfer-id=(32 lowercase hexadecimal digits)
 * file-version=1764500000000
 * </pre>
 * The two free-form values (the file name and the recipient) are prefixed with their length in UTF-8 bytes and
 * a colon, so no value can end early or swallow the next line; every other value is digits, hexadecimal
 * digits or one of two words, which cannot contain a newline. The first line names the format, so a signature
 * made for another format (or another purpose) never verifies as this one.
 *
 * @param fileName the file's name relative to the files directory, as the {@code file-name} header carries it
 * @param recipientKind how the record is addressed: by {@code hostname} header or by zone id in the key
 * @param recipient the host name or zone id the record is for
 * @param integrity the transfer id, the whole file's length and its SHA-256
 * @param version the file's version (the publication time in milliseconds)
 */
public record SignedFile(String fileName, RecipientKind recipientKind, String recipient,
        TransferIntegrity integrity, long version) {

    /** The first line of the canonical form: the format and its version. */
    public static final String FORMAT = "resolver-file-signature-v1";

    /** How a record names its recipient. */
    public enum RecipientKind {
        /** The {@code hostname} header (recipient.mode=hostname). */
        HOSTNAME("hostname"),
        /** The record key (recipient.mode=zone-id). */
        ZONE_ID("zone-id");

        private final String text;

        RecipientKind(String text) {
            this.text = text;
        }

        /** As the canonical form writes it. */
        public String text() {
            return text;
        }
    }

    public SignedFile {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(recipientKind, "recipientKind");
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(integrity, "integrity");
        if (version < 0) {
            throw new IllegalArgumentException("file version " + version + " is negative");
        }
    }

    /** The bytes the signature is made over. */
    public byte[] canonicalForm() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + fileName.length() + recipient.length());
        line(out, FORMAT);
        field(out, "file-name", lengthPrefixed(fileName));
        field(out, "recipient-kind", recipientKind.text());
        field(out, "recipient", lengthPrefixed(recipient));
        field(out, "file-length", Long.toString(integrity.length()));
        field(out, "file-sha256", integrity.sha256Hex());
        field(out, "transfer-id", integrity.transferId());
        field(out, "file-version", Long.toString(version));
        return out.toByteArray();
    }

    private static String lengthPrefixed(String value) {
        return value.getBytes(StandardCharsets.UTF_8).length + ":" + value;
    }

    private static void field(ByteArrayOutputStream out, String key, String value) {
        line(out, key + "=" + value);
    }

    private static void line(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
    }
}
