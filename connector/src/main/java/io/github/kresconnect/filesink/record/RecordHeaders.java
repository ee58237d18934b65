package io.github.kresconnect.filesink.record;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.connect.data.Values;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.header.Headers;

import io.github.kresconnect.filesink.protocol.FileNames;
import io.github.kresconnect.filesink.protocol.InvalidHeaderException;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;

/**
 * Reads the protocol's headers ({@link ProtocolHeaders}) whatever header converter the worker uses: the
 * StringConverter gives strings, the SimpleHeaderConverter guesses types ("3" becomes a number, "2024-01-01"
 * a date), the ByteArrayConverter gives raw bytes. Upstream producers send UTF-8 decimal strings. A protocol
 * header appears at most once: a record carrying one twice is rejected, never read by its first or last copy.
 */
public final class RecordHeaders {

    private RecordHeaders() {
    }

    /** The header of that name as text, or empty when absent or null. */
    public static Optional<String> text(Headers headers, String name) throws InvalidRecordException {
        Header header = single(headers, name);
        if (header == null || header.value() == null) {
            return Optional.empty();
        }
        return Optional.of(textOf(name, header));
    }

    /**
     * Every header of that name as text, in the record's order: for the one protocol header that may repeat
     * ({@link ProtocolHeaders#COSIGNATURE}). A null value is an error: it names nothing.
     */
    public static List<String> texts(Headers headers, String name) throws InvalidRecordException {
        Iterator<Header> all = headers.allWithName(name);
        if (!all.hasNext()) {
            return List.of();
        }
        List<String> texts = new ArrayList<>();
        while (all.hasNext()) {
            Header header = all.next();
            if (header.value() == null) {
                throw new InvalidRecordException("header '" + name + "' has no value");
            }
            texts.add(textOf(name, header));
        }
        return texts;
    }

    /** The number, checked to fit an int (a chunk count or index); empty when absent. */
    private static Optional<Integer> count(String name, Optional<Long> value) throws InvalidRecordException {
        if (value.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(ProtocolHeaders.checkCount(name, value.get()));
        } catch (InvalidHeaderException e) {
            throw invalid(e);
        }
    }

    /**
     * A non-negative decimal number. Text must be digits only ({@code [0-9]+}); a value the SimpleHeaderConverter
     * already typed as an integer is taken as it is (its text is gone).
     */
    private static long numberOf(String name, Header header) throws InvalidRecordException {
        Object value = header.value();
        if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long) {
            long parsed = ((Number) value).longValue();
            if (parsed < 0) {
                throw new InvalidRecordException("header '" + name + "' is negative: " + parsed);
            }
            return parsed;
        }
        try {
            return ProtocolHeaders.parseDecimal(name, textOf(name, header));
        } catch (InvalidHeaderException e) {
            throw invalid(e);
        }
    }

    /**
     * Rejects the record when one of these headers appears more than once. One pass over the record's headers
     * (without an iterator per name) finds whether any does; only then are they counted, name by name.
     */
    public static void checkAtMostOnce(Headers headers, List<String> names) throws InvalidRecordException {
        long seen = 0; // bit i: names.get(i) was met
        boolean repeated = false;
        for (Header header : headers) {
            int i = names.indexOf(header.key());
            if (i >= 0 && i < Long.SIZE) {
                repeated |= (seen & 1L << i) != 0;
                seen |= 1L << i;
            } else if (i >= 0) {
                repeated = true; // more names than bits: counted below
            }
        }
        if (repeated) {
            for (String name : names) {
                single(headers, name);
            }
        }
    }

    /**
     * The protocol headers of one record ({@link ProtocolHeaders#ALL}, {@link ProtocolHeaders#SIGNED_WITH_PROOF},
     * {@link ProtocolHeaders#COSIGNATURE}), found in one pass over its headers: each name's first header and how
     * many there are. Reading a header by name then costs no pass of its own (the record's headers are a linked
     * list, and a file part's reader asks for a dozen names). The rules are those of the static methods: a repeated
     * protocol header is an error when it is read or checked, never read by its first copy.
     */
    public static final class Found {
        private static final List<String> NAMES = names();
        private static final Map<String, Integer> INDEX = index(NAMES);

        private final Headers headers;
        private final Header[] first = new Header[NAMES.size()];
        private final int[] count = new int[NAMES.size()];

        private Found(Headers headers) {
            this.headers = headers;
            for (Header header : headers) {
                Integer i = INDEX.get(header.key());
                if (i != null && count[i]++ == 0) {
                    first[i] = header;
                }
            }
        }

        private static List<String> names() {
            List<String> names = new ArrayList<>(ProtocolHeaders.ALL);
            names.addAll(ProtocolHeaders.SIGNED_WITH_PROOF);
            names.add(ProtocolHeaders.COSIGNATURE);
            return List.copyOf(names);
        }

        private static Map<String, Integer> index(List<String> names) {
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
                index.put(names.get(i), i);
            }
            return Map.copyOf(index);
        }

        /** As {@link RecordHeaders#text}. */
        public Optional<String> text(String name) throws InvalidRecordException {
            Header header = single(name);
            if (header == null || header.value() == null) {
                return Optional.empty();
            }
            return Optional.of(textOf(name, header));
        }

        /** As {@link RecordHeaders#texts}: every header of the name, for the one that may repeat. */
        public List<String> texts(String name) throws InvalidRecordException {
            return count[position(name)] == 0 ? List.of() : RecordHeaders.texts(headers, name);
        }

        /** A non-negative decimal number ({@link #numberOf}), or empty when absent. */
        Optional<Long> longNumber(String name) throws InvalidRecordException {
            Header header = single(name);
            return header == null || header.value() == null ? Optional.empty() : Optional.of(numberOf(name, header));
        }

        /** A non-negative decimal number that fits an int (a chunk count or index), or empty when absent. */
        Optional<Integer> number(String name) throws InvalidRecordException {
            return count(name, longNumber(name));
        }

        /** As {@link RecordHeaders#checkAtMostOnce}: the first of these names (in their order) found twice fails. */
        public void checkAtMostOnce(List<String> names) throws InvalidRecordException {
            for (String name : names) {
                single(name);
            }
        }

        private Header single(String name) throws InvalidRecordException {
            int i = position(name);
            if (count[i] > 1) {
                throw repeated(name, count[i]);
            }
            return first[i];
        }

        private static int position(String name) {
            Integer i = INDEX.get(name);
            if (i == null) {
                throw new IllegalArgumentException("not a protocol header: " + name);
            }
            return i;
        }
    }

    /** The protocol headers of the record, found in one pass ({@link Found}). */
    public static Found find(Headers headers) {
        return new Found(headers);
    }

    /** The only header of that name, or null when there is none. */
    private static Header single(Headers headers, String name) throws InvalidRecordException {
        Iterator<Header> all = headers.allWithName(name);
        if (!all.hasNext()) {
            return null;
        }
        Header first = all.next();
        if (!all.hasNext()) {
            return first;
        }
        int count = 1;
        while (all.hasNext()) {
            all.next();
            count++;
        }
        throw repeated(name, count);
    }

    private static InvalidRecordException repeated(String name, int count) {
        return new InvalidRecordException("header '" + name + "' appears " + count + " times: a protocol header "
                + "appears at most once, so the record is ambiguous");
    }

    private static String textOf(String name, Header header) throws InvalidRecordException {
        Object value = header.value();
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof byte[] bytes) {
            return utf8(name, ByteBuffer.wrap(bytes));
        }
        if (value instanceof ByteBuffer buffer) {
            return utf8(name, buffer.duplicate());
        }
        // Numbers, dates and other guessed types: back to the text the producer sent.
        return Values.convertToString(header.schema(), value);
    }

    private static String utf8(String name, ByteBuffer bytes) throws InvalidRecordException {
        if (bytes.hasArray() && isAscii(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining())) {
            // the usual header (names, numbers, hex digests): valid UTF-8 as it is, no decoder needed
            return new String(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining(),
                    StandardCharsets.US_ASCII);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidRecordException("header '" + name + "' is not valid UTF-8");
        }
    }

    private static boolean isAscii(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (bytes[i] < 0) {
                return false;
            }
        }
        return true;
    }

    static InvalidRecordException invalid(InvalidHeaderException e) {
        return new InvalidRecordException(e.getMessage());
    }

    /** Quotes a value for an error message or log line, escaping what could forge or flood a log line. */
    static String quote(String value) {
        return FileNames.quote(value);
    }
}
