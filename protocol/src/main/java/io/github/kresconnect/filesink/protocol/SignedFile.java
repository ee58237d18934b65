package io.github.kresconnect.filesink.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What a publisher's signature covers: one transfer of one file to one recipient, at one version, in one fleet,
 * cut into chunks of one geometry. Both sides build the signed bytes here, with {@link #canonicalForm()}, so they
 * cannot disagree on them.
 *
 * <p>The canonical form is UTF-8 text, one {@code key=value} line per field, each line ending in {@code \n},
 * in this order (form 2, which {@code resolver-publish} signs):
 * <pre>
 * resolver-file-signature-v2
 * fleet=10:production
 * file-name=11:zones/a.rpz
 * recipient-kind=hostname
 * recipient=9:resolver1
 * file-length=1574098
 * file-sha256=(64 lowercase hexadecimal digits)
 * transfer-id=(32 lowercase hexadecimal digits)
 * file-version=1764500000000
 * total-chunks=4
 * chunk-size=524288
 * </pre>
 * The three free-form values (the fleet id, the file name and the recipient) are prefixed with their length in
 * UTF-8 bytes and a colon, so no value can end early or swallow the next line ({@code fleet=0:} when the
 * publisher names no fleet); every other value is digits, hexadecimal digits or one of two words, which cannot
 * contain a newline. {@code chunk-size} is the length of every chunk but the last: the file's length when it is
 * sent whole ({@code total-chunks=1}). A record carries neither: the verifier derives the chunk size from the
 * record's own place and length ({@link Chunking#chunkSizeOf}), so a chunk copy whose {@code total-chunks} or
 * length was altered leads to another canonical form and does not verify. The first line names the format, so a
 * signature made for another format (or another purpose) never verifies as this one.
 *
 * <p>Form 1 ({@code resolver-file-signature-v1}, {@link #binding} null) is the same without the lines
 * {@code fleet}, {@code total-chunks} and {@code chunk-size}: what earlier publishers signed. A record says it is
 * signed in form 2 by header {@link ProtocolHeaders#SIGNATURE_FORM} {@code 2}; without it, form 1.
 *
 * @param fileName the file's name relative to the files directory, as the {@code file-name} header carries it
 * @param recipientKind how the record is addressed: by {@code hostname} header or by zone id in the key
 * @param recipient the host name or zone id the record is for
 * @param integrity the transfer id, the whole file's length and its SHA-256
 * @param version the file's version: higher than every earlier version of the file (see {@link SignedVersion})
 * @param binding form 2's fleet and chunk geometry, or null for form 1
 */
public record SignedFile(String fileName, RecipientKind recipientKind, String recipient,
        TransferIntegrity integrity, long version, Binding binding) {

    /** The first line of form 1's canonical form. */
    public static final String FORMAT = "resolver-file-signature-v1";
    /** The first line of form 2's canonical form. */
    public static final String FORMAT_V2 = "resolver-file-signature-v2";
    /** The value of header {@link ProtocolHeaders#SIGNATURE_FORM} on a record signed in form 2. */
    public static final String FORM_2 = "2";

    /**
     * What form 2 adds: the fleet the transfer is for ({@code ""} for none) and how it is cut into records.
     *
     * @param fleet the fleet id both the publisher and the host are configured with, or {@code ""}
     * @param totalChunks how many records the transfer takes ({@code total-chunks}, 1 for a whole file)
     * @param chunkSize the length of every chunk but the last; the file's length for a whole file
     */
    public record Binding(String fleet, int totalChunks, long chunkSize) {
        public Binding {
            Objects.requireNonNull(fleet, "fleet");
            if (totalChunks < 1 || chunkSize < 0) {
                throw new IllegalArgumentException("total chunks " + totalChunks + ", chunk size " + chunkSize);
            }
        }
    }

    /** A transfer signed in form 1 (no fleet, no chunk geometry). */
    public SignedFile(String fileName, RecipientKind recipientKind, String recipient, TransferIntegrity integrity,
            long version) {
        this(fileName, recipientKind, recipient, integrity, version, null);
    }

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
        Text counted = new Text(null);
        writeTo(counted);
        Text text = new Text(new byte[counted.length]); // the array returned: no buffer, no copy
        writeTo(text);
        return text.bytes;
    }

    private void writeTo(Text text) {
        text.append(binding == null ? FORMAT : FORMAT_V2).newline();
        if (binding != null) {
            text.lengthPrefixed("fleet", binding.fleet());
        }
        text.lengthPrefixed("file-name", fileName);
        text.key("recipient-kind").append(recipientKind.text()).newline();
        text.lengthPrefixed("recipient", recipient);
        text.key("file-length").append(integrity.length()).newline();
        text.key("file-sha256").append(integrity.sha256Hex()).newline();
        text.key("transfer-id").append(integrity.transferId()).newline();
        text.key("file-version").append(version).newline();
        if (binding != null) {
            text.key("total-chunks").append(binding.totalChunks()).newline();
            text.key("chunk-size").append(binding.chunkSize()).newline();
        }
    }

    /**
     * The canonical form's UTF-8 bytes, written twice by the same code: first only counted ({@code bytes} null),
     * then into an array of exactly that length. Every part is a whole string between ASCII delimiters, so encoding
     * the parts one by one gives the bytes of the whole text encoded at once.
     */
    private static final class Text {
        final byte[] bytes;
        int length;

        Text(byte[] bytes) {
            this.bytes = bytes;
        }

        Text key(String key) {
            return append(key).put('=');
        }

        Text newline() {
            return put('\n');
        }

        /** {@code key=<length in UTF-8 bytes>:value}, a line. */
        void lengthPrefixed(String key, String value) {
            byte[] utf8 = isAscii(value) ? null : value.getBytes(StandardCharsets.UTF_8);
            key(key).append(utf8 == null ? value.length() : utf8.length).put(':');
            if (utf8 == null) {
                append(value);
            } else {
                append(utf8);
            }
            newline();
        }

        Text append(String value) {
            if (!isAscii(value)) {
                return append(value.getBytes(StandardCharsets.UTF_8));
            }
            if (bytes != null) {
                for (int i = 0; i < value.length(); i++) {
                    bytes[length + i] = (byte) value.charAt(i);
                }
            }
            length += value.length();
            return this;
        }

        /** A decimal number, as {@link Long#toString(long)} writes it. */
        Text append(long value) {
            if (value < 0) {
                return append(Long.toString(value));
            }
            int digits = 1;
            for (long rest = value; rest >= 10; rest /= 10) {
                digits++;
            }
            if (bytes != null) {
                long rest = value;
                for (int i = length + digits - 1; i >= length; i--) {
                    bytes[i] = (byte) ('0' + rest % 10);
                    rest /= 10;
                }
            }
            length += digits;
            return this;
        }

        private Text append(byte[] utf8) {
            if (bytes != null) {
                System.arraycopy(utf8, 0, bytes, length, utf8.length);
            }
            length += utf8.length;
            return this;
        }

        private Text put(char ascii) {
            if (bytes != null) {
                bytes[length] = (byte) ascii;
            }
            length++;
            return this;
        }

        private static boolean isAscii(String value) {
            for (int i = 0; i < value.length(); i++) {
                if (value.charAt(i) >= 0x80) {
                    return false;
                }
            }
            return true;
        }
    }
}
