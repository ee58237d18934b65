package io.github.kresconnect.filesink.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A signed, short-lived statement of the newest version of every file a publisher manages for each recipient:
 * the timestamp and snapshot roles of The Update Framework in one record. A host that holds a file older than the
 * statement says reports it as withheld; a host whose newest statement is past its expiry reports a freeze; the
 * versions stated become version floors, so a host that lost its state (a new host, a wiped files directory)
 * refuses older signed versions again.
 *
 * <p>The record: value = {@link #canonicalForm()}, header {@link #HEADER} = {@value #HEADER_VALUE}, headers
 * {@link ProtocolHeaders#SIGNATURE_KEY_ID} and {@link ProtocolHeaders#SIGNATURE} (the Ed25519 signature of the
 * value, base64), key {@value #RECORD_KEY}. The value is UTF-8 text, one line per field, each ending in {@code \n}:
 * <pre>
 * resolver-freshness-statement-v1
 * fleet=prod
 * sequence=1764500000000
 * issued=1764500000000
 * expires=1764503600000
 * entries=2
 * entry=hostname 9:resolver1 11:zones/a.rpz 1764499000000
 * entry=zone-id 7:dc-east 8:block.rpz 1764498000000
 * </pre>
 * Entries are sorted by recipient kind, recipient and file name (UTF-8 bytes), with no two alike; names are
 * prefixed with their length in UTF-8 bytes, as in {@link SignedFile}. A value that is not exactly the canonical
 * form of what it parses to is refused, so one statement has one encoding. The first line differs from every
 * other signed form, so no signature of a transfer or batch verifies as a statement's, nor the reverse.
 *
 * @param sequence grows with every statement (a replayed, older statement is recognised and ignored)
 * @param issuedAt when the statement was made (publisher's clock, ms)
 * @param expiresAt after this instant (host's clock, ms) a host with no newer statement reports a freeze
 * @param entries the newest signed version of each file for each recipient
 * @param fleet the fleet the statement is for, as the hosts' {@code signatures.fleet} ({@code ""} for none): a
 *        host accepts only a statement of its own fleet, so a statement signed for staging does not replay into
 *        production when both trust its key (the same rule as form 2 of a file's signature, {@link SignedFile})
 */
public record FreshnessStatement(long sequence, long issuedAt, long expiresAt, List<Entry> entries, String fleet) {
    public static final String FORMAT = "resolver-freshness-statement-v1";
    /** The header that marks a statement record (a file record never carries it). */
    public static final String HEADER = "freshness-statement";
    public static final String HEADER_VALUE = "1";
    public static final String RECORD_KEY = "freshness-statement";
    /** Statements with more entries than this are refused: a bound on what one record makes a host hold. */
    public static final int MAX_ENTRIES = 1_000_000;

    /** One file of one recipient at its newest version. */
    public record Entry(SignedFile.RecipientKind kind, String recipient, String file, long version) {
        public Entry {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(recipient, "recipient");
            Objects.requireNonNull(file, "file");
            if (version < 0) {
                throw new IllegalArgumentException("version " + version + " is negative");
            }
        }
    }

    private static final Comparator<Entry> ORDER = Comparator.comparing((Entry e) -> e.kind().text())
            .thenComparing(e -> e.recipient(), FreshnessStatement::compareUtf8)
            .thenComparing(e -> e.file(), FreshnessStatement::compareUtf8);

    /** A statement for no fleet. */
    public FreshnessStatement(long sequence, long issuedAt, long expiresAt, List<Entry> entries) {
        this(sequence, issuedAt, expiresAt, entries, "");
    }

    public FreshnessStatement {
        if (sequence < 0 || issuedAt < 0 || expiresAt < 0) {
            throw new IllegalArgumentException("sequence, issued and expires must not be negative");
        }
        Objects.requireNonNull(fleet, "fleet");
        if (!fleet.isEmpty() && !SignedTransfers.isFleetId(fleet)) {
            throw new IllegalArgumentException("fleet " + FileNames.quote(fleet) + " is not a fleet id (letters, "
                    + "digits, '.', '_' and '-', at most 64)");
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(ORDER);
        for (int i = 1; i < sorted.size(); i++) {
            if (ORDER.compare(sorted.get(i - 1), sorted.get(i)) == 0) {
                throw new IllegalArgumentException("file " + FileNames.quote(sorted.get(i).file()) + " of "
                        + sorted.get(i).kind().text() + " " + FileNames.quote(sorted.get(i).recipient())
                        + " is stated twice");
            }
        }
        entries = List.copyOf(sorted);
    }

    /** The bytes the signature covers, and the record's value. */
    public byte[] canonicalForm() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + entries.size() * 64);
        line(out, FORMAT);
        line(out, "fleet=" + fleet);
        line(out, "sequence=" + sequence);
        line(out, "issued=" + issuedAt);
        line(out, "expires=" + expiresAt);
        line(out, "entries=" + entries.size());
        for (Entry entry : entries) {
            line(out, "entry=" + entry.kind().text() + " " + prefixed(entry.recipient()) + " "
                    + prefixed(entry.file()) + " " + entry.version());
        }
        return out.toByteArray();
    }

    /** Whether {@code signature} (base64) is {@code key}'s signature of this statement. */
    public boolean verifies(java.security.PublicKey key, String signatureBase64) {
        byte[] signature;
        try {
            signature = java.util.Base64.getDecoder().decode(signatureBase64);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return Signatures.verify(key, canonicalForm(), signature);
    }

    /**
     * Reads a statement record's value.
     *
     * @throws IllegalArgumentException naming what is wrong, when the value is not a canonical statement
     */
    public static FreshnessStatement parse(byte[] value) {
        Cursor in = new Cursor(value);
        in.expect(FORMAT + "\n");
        in.expect("fleet=");
        String fleet = in.word('\n');
        long sequence = in.number("sequence=");
        long issued = in.number("issued=");
        long expires = in.number("expires=");
        long count = in.number("entries=");
        if (count > MAX_ENTRIES) {
            throw new IllegalArgumentException("a statement of " + count + " entries is more than " + MAX_ENTRIES);
        }
        List<Entry> entries = new ArrayList<>((int) Math.min(count, 4096));
        for (long i = 0; i < count; i++) {
            in.expect("entry=");
            String kindText = in.word(' ');
            SignedFile.RecipientKind kind = Arrays.stream(SignedFile.RecipientKind.values())
                    .filter(k -> k.text().equals(kindText)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown recipient kind "
                            + FileNames.quote(kindText)));
            String recipient = in.prefixed();
            in.expect(" ");
            String file = in.prefixed();
            in.expect(" ");
            long version = in.decimal('\n');
            entries.add(new Entry(kind, recipient, file, version));
        }
        if (!in.atEnd()) {
            throw new IllegalArgumentException("text after the last entry");
        }
        FreshnessStatement statement = new FreshnessStatement(sequence, issued, expires, entries, fleet);
        if (!Arrays.equals(statement.canonicalForm(), value)) {
            throw new IllegalArgumentException("not in canonical form (entries out of order, or numbers with "
                    + "leading zeros)");
        }
        return statement;
    }

    private static String prefixed(String value) {
        return value.getBytes(StandardCharsets.UTF_8).length + ":" + value;
    }

    private static void line(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
    }

    private static int compareUtf8(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads the canonical form strictly, byte by byte. */
    private static final class Cursor {
        private final byte[] bytes;
        private int at;

        Cursor(byte[] bytes) {
            this.bytes = bytes;
        }

        void expect(String text) {
            byte[] wanted = text.getBytes(StandardCharsets.UTF_8);
            if (at + wanted.length > bytes.length
                    || !Arrays.equals(bytes, at, at + wanted.length, wanted, 0, wanted.length)) {
                throw new IllegalArgumentException("expected " + FileNames.quote(text.strip()) + " at byte " + at);
            }
            at += wanted.length;
        }

        long number(String field) {
            expect(field);
            return decimal('\n');
        }

        long decimal(char end) {
            String digits = word(end);
            if (!ProtocolHeaders.isDecimal(digits) || digits.length() > 19) {
                throw new IllegalArgumentException("expected a decimal number at byte " + at + ", found "
                        + FileNames.quote(digits));
            }
            try {
                return Long.parseLong(digits); // every version a signed file can carry, up to 2^63 - 1
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the number at byte " + at + " is larger than " + Long.MAX_VALUE
                        + ": " + FileNames.quote(digits));
            }
        }

        String word(char end) {
            int start = at;
            while (at < bytes.length && bytes[at] != end) {
                if (bytes[at] == '\n') {
                    throw new IllegalArgumentException("unexpected end of line at byte " + at);
                }
                at++;
            }
            if (at >= bytes.length) {
                throw new IllegalArgumentException("unexpected end of the statement");
            }
            String word = new String(bytes, start, at - start, StandardCharsets.UTF_8);
            at++; // the end character
            return word;
        }

        String prefixed() {
            String length = word(':');
            if (!ProtocolHeaders.isDecimal(length) || length.length() > 6) {
                throw new IllegalArgumentException("expected a length at byte " + at);
            }
            int n = Integer.parseInt(length);
            if (at + n > bytes.length) {
                throw new IllegalArgumentException("a name runs past the end of the statement");
            }
            String value = new String(bytes, at, n, StandardCharsets.UTF_8);
            if (value.getBytes(StandardCharsets.UTF_8).length != n) {
                throw new IllegalArgumentException("a name is not valid UTF-8");
            }
            at += n;
            return value;
        }

        boolean atEnd() {
            return at == bytes.length;
        }
    }
}
