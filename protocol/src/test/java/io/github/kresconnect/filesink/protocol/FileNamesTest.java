package io.github.kresconnect.filesink.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FileNamesTest {
    @Test
    void aValidNameGivesItsComponents() throws Exception {
        assertEquals(List.of("a.rpz"), FileNames.check("a.rpz"));
        assertEquals(List.of("rpz", "zones", "b.rpz"), FileNames.check("rpz/zones/b.rpz"));
        assertEquals(List.of("caf\u00e9", "\ud83d\ude00.rpz"), FileNames.check("caf\u00e9/\ud83d\ude00.rpz"));
        assertEquals(List.of("a..b", "x.tmpl"), FileNames.check("a..b/x.tmpl"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "''|the name is empty",
        "/etc/passwd|it is absolute; names are relative to the files directory",
        "../a|it has a '..' component",
        "rpz/./a|it has a '.' component",
        "rpz//a|it has an empty path component",
        "rpz/|it ends with '/'",
        "a\\b|it contains a backslash",
        ".hidden|component '.hidden' is hidden (names starting with '.' are reserved)",
        "rpz/.git/x|component '.git' is hidden (names starting with '.' are reserved)",
        "a.tmp|component 'a.tmp' ends with the reserved suffix '.tmp'",
        "a.BACKUP|component 'a.BACKUP' ends with the reserved suffix '.backup'",
        "d.chunks/a|component 'd.chunks' ends with the reserved suffix '.chunks'",
        "a/b/c/d/e/f/g/h/i|it has more than 8 path components"
    })
    void namesTheConnectorRefuses(String name, String reason) {
        InvalidFileNameException e = assertThrows(InvalidFileNameException.class, () -> FileNames.check(name));
        assertEquals(reason, e.reason());
        assertEquals(name, e.name());
        assertEquals("unsafe file name " + FileNames.quote(name) + ": " + reason, e.getMessage());
    }

    @Test
    void charactersAndLengthsTheConnectorRefuses() {
        assertReason("a\u0000b", "it contains a NUL character");
        assertReason("a\nb", "it contains a control character");
        assertReason("a\u0085b", "it contains a control character");
        assertReason("a\ud800b", "it contains an unpaired UTF-16 surrogate (not representable in UTF-8)");
        assertReason("a\udc00", "it contains an unpaired UTF-16 surrogate (not representable in UTF-8)");
        assertReason(("d".repeat(200) + "/").repeat(6) + "f", "it is longer than 1024 bytes");
        assertReason("x".repeat(FileNames.MAX_FILE_COMPONENT_BYTES + 1),
                "a file name component is longer than 244 bytes");
        assertReason("\u00e9".repeat(FileNames.MAX_FILE_COMPONENT_BYTES / 2 + 1),
                "a file name component is longer than 244 bytes");
        assertReason("d".repeat(256) + "/f", "a directory component is longer than 255 bytes");
    }

    @Test
    void theLongestNamesAreAccepted() throws Exception {
        FileNames.check("x".repeat(FileNames.MAX_FILE_COMPONENT_BYTES));
        FileNames.check("d".repeat(FileNames.MAX_COMPONENT_BYTES) + "/f");
        FileNames.check("a/b/c/d/e/f/g/h");
    }

    private static void assertReason(String name, String reason) {
        InvalidFileNameException e = assertThrows(InvalidFileNameException.class, () -> FileNames.check(name));
        assertEquals(reason, e.reason());
    }

    @Test
    void quotingEscapesWhatCouldForgeOrFloodALogLine() {
        assertEquals("(none)", FileNames.quote(null));
        assertEquals("''", FileNames.quote(""));
        assertEquals("'a.rpz'", FileNames.quote("a.rpz"));
        assertEquals("'it\\'s a\\\\b'", FileNames.quote("it's a\\b"));
        assertEquals("'x\\x0aFAKE\\x0d\\x7f'", FileNames.quote("x\nFAKE\r\u007f"));
        assertEquals("'\\u0085\\u2028\\u2029\\ud800x'", FileNames.quote("\u0085\u2028\u2029\ud800x"));
        assertEquals("'\ud83d\ude00'", FileNames.quote("\ud83d\ude00"));
        assertEquals("'" + "y".repeat(200) + "'... (201 characters)", FileNames.quote("y".repeat(201)));
    }
}
