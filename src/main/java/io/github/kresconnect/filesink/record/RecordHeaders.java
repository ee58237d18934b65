package io.github.kresconnect.filesink.record;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.apache.kafka.connect.data.Values;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.header.Headers;

/**
 * Reads the protocol's headers whatever header converter the worker uses: the StringConverter gives
 * strings, the SimpleHeaderConverter guesses types ("3" becomes a number, "2024-01-01" a date), the
 * ByteArrayConverter gives raw bytes. Upstream producers send UTF-8 decimal strings.
 */
final class RecordHeaders {
    static final String HOSTNAME = "hostname";
    static final String FILE_NAME = "file-name";
    static final String TOTAL_CHUNKS = "total-chunks";
    static final String CHUNK_INDEX = "chunk-index";

    private RecordHeaders() {
    }

    /** The last header of that name as text, or empty when absent or null. */
    static Optional<String> text(Headers headers, String name) throws InvalidRecordException {
        Header header = headers.lastWithName(name);
        if (header == null || header.value() == null) {
            return Optional.empty();
        }
        Object value = header.value();
        if (value instanceof String s) {
            return Optional.of(s);
        }
        if (value instanceof byte[] bytes) {
            return Optional.of(utf8(name, ByteBuffer.wrap(bytes)));
        }
        if (value instanceof ByteBuffer buffer) {
            return Optional.of(utf8(name, buffer.duplicate()));
        }
        // Numbers, dates and other guessed types: back to the text the producer sent.
        return Optional.of(Values.convertToString(header.schema(), value));
    }

    /** A non-negative decimal number, or empty when absent. */
    static Optional<Integer> number(Headers headers, String name) throws InvalidRecordException {
        Header header = headers.lastWithName(name);
        if (header == null || header.value() == null) {
            return Optional.empty();
        }
        Object value = header.value();
        long parsed;
        if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long) {
            parsed = ((Number) value).longValue();
        } else {
            String text = text(headers, name).orElse("");
            if (text.isEmpty() || !text.chars().allMatch(c -> c >= '0' && c <= '9' || c == '-')) {
                throw new InvalidRecordException("header '" + name + "' is not a decimal number: " + quote(text));
            }
            try {
                parsed = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new InvalidRecordException("header '" + name + "' is not a decimal number: " + quote(text));
            }
        }
        if (parsed < 0) {
            throw new InvalidRecordException("header '" + name + "' is negative: " + parsed);
        }
        if (parsed > Integer.MAX_VALUE) {
            throw new InvalidRecordException("header '" + name + "' is too large: " + parsed);
        }
        return Optional.of((int) parsed);
    }

    private static String utf8(String name, ByteBuffer bytes) throws InvalidRecordException {
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

    /** Quotes a value for an error message, showing control characters as escapes. */
    static String quote(String value) {
        StringBuilder out = new StringBuilder("'");
        int shown = 0;
        for (int i = 0; i < value.length() && shown < 200; i++, shown++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (value.length() > 200) {
            out.append("...");
        }
        return out.append('\'').toString();
    }
}
