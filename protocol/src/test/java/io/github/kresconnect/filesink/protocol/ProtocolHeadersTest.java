package io.github.kresconnect.filesink.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProtocolHeadersTest {
    @Test
    void headerNames() {
        assertEquals(List.of("hostname", "file-name", "total-chunks", "chunk-index", "transfer-id", "file-length",
                "file-sha256"), ProtocolHeaders.ALL);
        assertEquals(List.of("transfer-id", "file-length", "file-sha256"), ProtocolHeaders.INTEGRITY);
    }

    @Test
    void decimalNumbersAreDigitsOnly() throws Exception {
        assertEquals(0, ProtocolHeaders.parseDecimal("h", "0"));
        assertEquals(7, ProtocolHeaders.parseDecimal("h", "007"));
        assertEquals(Long.MAX_VALUE, ProtocolHeaders.parseDecimal("h", Long.toString(Long.MAX_VALUE)));
        assertEquals(3, ProtocolHeaders.parseCount("h", "3"));
        assertEquals(1L << 40, ProtocolHeaders.parseFileLength(Long.toString(1L << 40)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-0", "+1", " 1", "1 ", "-1", "", "1.0", "1e3", "0x10", "\u0661", "1\n", "\uff11"})
    void anythingButDigitsIsRejectedWithTheHeaderAndTheQuotedValue(String text) {
        InvalidHeaderException e = assertThrows(InvalidHeaderException.class,
                () -> ProtocolHeaders.parseDecimal("chunk-index", text));
        assertEquals("chunk-index", e.header());
        assertEquals("header 'chunk-index' is not a decimal number: " + FileNames.quote(text)
                + " (digits 0-9 only: no sign, space or other character)", e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void numbersOutOfRangeAreTooLarge() {
        InvalidHeaderException e = assertThrows(InvalidHeaderException.class,
                () -> ProtocolHeaders.parseDecimal("file-length", "9223372036854775808"));
        assertEquals("header 'file-length' is too large: '9223372036854775808'", e.getMessage());
        e = assertThrows(InvalidHeaderException.class, () -> ProtocolHeaders.parseCount("total-chunks", "2147483648"));
        assertEquals("header 'total-chunks' is too large: 2147483648", e.getMessage());
        e = assertThrows(InvalidHeaderException.class, () -> ProtocolHeaders.checkCount("chunk-index", -1));
        assertEquals("header 'chunk-index' is negative: -1", e.getMessage());
        e = assertThrows(InvalidHeaderException.class, () -> ProtocolHeaders.checkFileLength(-1));
        assertEquals("header 'file-length' is negative: -1", e.getMessage());
    }

    @Test
    void transferIdsAre32LowercaseHexDigits() throws Exception {
        String id = "0123456789abcdef0123456789abcdef";
        assertEquals(id, ProtocolHeaders.parseTransferId(id));
        // the characters either side of 0-9 and a-f, and letters past ASCII
        for (String bad : new String[] {id.toUpperCase(), id.substring(1), id + "0", id.replace('f', 'g'), "",
                " " + id.substring(1), id.replace('0', '/'), id.replace('9', ':'), id.replace('a', '`'),
                id.replace('a', '\u00e1'), id.replace('a', '\u0161'), id.replace('a', '\u0100')}) {
            InvalidHeaderException e = assertThrows(InvalidHeaderException.class,
                    () -> ProtocolHeaders.parseTransferId(bad), bad);
            assertEquals("header 'transfer-id' is not 32 lowercase hexadecimal digits: " + FileNames.quote(bad),
                    e.getMessage());
            assertEquals("transfer-id", e.header());
        }
        assertThrows(InvalidHeaderException.class, () -> ProtocolHeaders.parseTransferId(null));
    }

    @Test
    void sha256sAre64LowercaseHexDigits() throws Exception {
        String sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assertEquals(sha, ProtocolHeaders.parseSha256(sha));
        for (String bad : new String[] {sha.toUpperCase(), sha.substring(1), sha + "0", sha.replace('e', 'x'),
                "0123456789abcdef0123456789abcdef"}) {
            InvalidHeaderException e = assertThrows(InvalidHeaderException.class,
                    () -> ProtocolHeaders.parseSha256(bad), bad);
            assertTrue(e.getMessage().startsWith("header 'file-sha256' is not a SHA-256 as 64 lowercase hexadecimal "
                    + "digits: '"), e.getMessage());
        }
    }

    @Test
    void hostileValuesAreQuotedSafely() {
        InvalidHeaderException e = assertThrows(InvalidHeaderException.class,
                () -> ProtocolHeaders.parseTransferId("x\nFAKE LOG LINE\u2028'"));
        assertTrue(e.getMessage().endsWith("'x\\x0aFAKE LOG LINE\\u2028\\''"), e.getMessage());
    }
}
