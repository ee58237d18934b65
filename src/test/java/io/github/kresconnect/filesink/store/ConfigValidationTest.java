package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigValidationTest {
    @TempDir
    Path filesDir;
    FileStore store;

    @BeforeEach
    void setUp() throws IOException {
        store = new FileStore(filesDir, StoreFixtures.settings(), new MutableClock());
        store.recover();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void assertAccepted(String name, String content) throws Exception {
        PreparedFile file = store.prepareWholeFile(name, bytes(content));
        assertEquals(FileKind.CONFIG, file.kind());
        assertEquals(PublishOutcome.PUBLISHED, file.publish());
        assertArrayEquals(bytes(content), Files.readAllBytes(filesDir.resolve(name)));
    }

    /** Rejected, nothing of it left on disk; returns the reason. */
    private String assertRejected(String name, byte[] content) throws IOException {
        RejectedFileException e = assertThrows(RejectedFileException.class,
                () -> store.prepareWholeFile(name, content));
        assertFalse(Files.exists(filesDir.resolve(name)), "invalid config must not be published");
        assertFalse(Files.exists(filesDir.resolve(name + ".tmp")), "invalid config's tmp file is discarded");
        assertTrue(e.getMessage().startsWith("invalid config file '" + name + "'"), e.getMessage());
        assertEquals(RejectedFileException.Kind.INVALID_CONFIG, e.kind());
        return e.getMessage();
    }

    private String assertRejected(String name, String content) throws IOException {
        return assertRejected(name, bytes(content));
    }

    @Test
    void acceptsJsonAndYamlMappings() throws Exception {
        assertAccepted("config.json", "{\"cache\": {\"size-max\": \"100M\"}, \"workers\": 2, \"list\": [1, 2]}\n");
        assertAccepted("config.yaml", "cache:\n  size-max: 100M\nworkers: 2\nlocal-data:\n  rpz:\n"
                + "    - file: /var/lib/knot-resolver/block.rpz\n");
        assertAccepted("flow.yml", "{cache: {size-max: 100M}}\n");
        // The suffix makes a file a config; it does not choose the parser.
        assertAccepted("yaml-content.json", "workers: 4\n");
        assertAccepted("json-content.yaml", "{\"workers\": 4}");
        assertAccepted("UPPER.YAML", "a: 1\n");
        assertAccepted("anchors.yaml", "base: &b {x: 1}\nother: *b\n");
    }

    @Test
    void onlyNamesWithAConfigSuffixAreValidated() throws Exception {
        PreparedFile data = store.prepareWholeFile("notes.txt", bytes("- not: [a mapping"));
        assertEquals(FileKind.DATA, data.kind());
        assertEquals(FileKind.CONFIG, store.prepareWholeFile("c.YmL", bytes("a: 1")).kind());
    }

    @Test
    void rejectsDuplicateKeysWithLineAndColumn() throws IOException {
        String json = assertRejected("dup.json", "{\n  \"a\": 1,\n  \"a\": 2\n}\n");
        assertTrue(json.contains("Duplicate field 'a'") && json.contains("line 3, column"), json);
        String nestedJson = assertRejected("dup2.json", "{\"x\": {\"b\": 1, \"b\": 1}}");
        assertTrue(nestedJson.contains("Duplicate field 'b'"), nestedJson);
        String yaml = assertRejected("dup.yaml", "a: 1\nb: 2\na: 3\n");
        assertTrue(yaml.startsWith("invalid config file 'dup.yaml': YAML:") && yaml.contains("duplicate key a")
                && yaml.contains("line 3, column 1"), yaml);
    }

    @Test
    void theTopLevelMustBeAMapping() throws IOException {
        String jsonList = assertRejected("list.json", "[1, 2]");
        assertTrue(jsonList.contains("top level must be an object") && jsonList.contains("an array")
                && jsonList.contains("line 1, column 1"), jsonList);
        String yamlList = assertRejected("list.yaml", "- a\n- b\n");
        assertTrue(yamlList.contains("top level must be a mapping, found a sequence"), yamlList);
        assertTrue(assertRejected("scalar.yaml", "just a string\n").contains("found a scalar"));
        assertTrue(assertRejected("number.json", "42").contains("JSON: the top level must be an object"));
        assertRejected("string.json", "\"text\"");
        assertRejected("null.yaml", "~\n");
    }

    @Test
    void anEmptyDocumentIsInvalid() throws IOException {
        assertTrue(assertRejected("empty.yaml", "").contains("empty document"));
        assertTrue(assertRejected("empty.json", "").contains("empty document"));
        assertRejected("blank.yaml", " \n\n\t\n");
        assertRejected("comment.yaml", "# nothing here\n");
    }

    @Test
    void trailingContentAfterTheJsonObjectIsInvalid() throws IOException {
        String reason = assertRejected("two.json", "{\"a\": 1}\n{\"b\": 2}\n");
        assertTrue(reason.contains("after the top-level value") && reason.contains("line 2, column 1"), reason);
        assertRejected("multi.yaml", "a: 1\n---\nb: 2\n");
    }

    @Test
    void aBillionLaughsAliasBombIsRejectedQuickly() throws IOException {
        StringBuilder bomb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char level = 'b'; level <= 'j'; level++) {
            char previous = (char) (level - 1);
            bomb.append(level).append(": &").append(level).append(" [");
            for (int i = 0; i < 9; i++) {
                bomb.append(i == 0 ? "" : ",").append('*').append(previous);
            }
            bomb.append("]\n");
        }
        long start = System.nanoTime();
        String reason = assertRejected("bomb.yaml", bomb.toString());
        assertTrue(reason.contains("aliases"), reason);
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "took too long");
    }

    @Test
    void deepNestingIsRejected() throws Exception {
        String brackets = assertRejected("deep.json", "[".repeat(10_000));
        assertTrue(brackets.contains("JSON:") && brackets.toLowerCase().contains("nesting depth"), brackets);
        assertRejected("deep-objects.json", "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000));
        StringBuilder yaml = new StringBuilder();
        for (int depth = 0; depth < 100; depth++) {
            yaml.append("  ".repeat(depth)).append("k").append(depth).append(":\n");
        }
        yaml.append("  ".repeat(100)).append("leaf\n");
        String reason = assertRejected("deep.yaml", yaml.toString());
        assertTrue(reason.contains("YAML:") && reason.toLowerCase().contains("nesting depth"), reason);
        // Within the limit is fine.
        assertAccepted("nested.json", "{\"a\":".repeat(60) + "1" + "}".repeat(60));
    }

    @Test
    void invalidUtf8IsRejectedWithItsPosition() throws IOException {
        byte[] json = {'{', '"', 'a', '"', ':', ' ', '"', (byte) 0xff, '"', '}'};
        String reason = assertRejected("bad.json", json);
        assertTrue(reason.contains("not valid UTF-8 at byte 7 (line 1, column 8)"), reason);
        byte[] overlong = bytes("a: 1\nb: x\n");
        overlong[8] = (byte) 0xc0; // an overlong encoding of '/' starting here
        overlong[9] = (byte) 0xaf;
        assertTrue(assertRejected("overlong.yaml", overlong).contains("line 2"));
        byte[] surrogate = bytes("a: 1\nb: xxx\n");
        surrogate[8] = (byte) 0xed; // an encoded UTF-16 surrogate (U+D800)
        surrogate[9] = (byte) 0xa0;
        surrogate[10] = (byte) 0x80;
        assertRejected("surrogate.yaml", surrogate);
    }

    @Test
    void syntaxErrorsCarryTheParsersLineAndColumn() throws Exception {
        String json = assertRejected("syntax.json", "{\n  \"a\": 1,\n  , \"b\": 2\n}\n");
        assertTrue(json.contains("JSON:") && json.contains("line 3, column 3"), json);
        // Not JSON, but YAML reads it (a flow mapping with an empty value): either parser may accept.
        assertAccepted("lenient.json", "{\n  \"a\": 1,\n  \"b\": }\n");
        String yaml = assertRejected("syntax.yaml", "a: 1\nb: [1, 2\nc: 3\n");
        assertTrue(yaml.contains("YAML:") && yaml.matches("(?s).*line \\d+, column \\d+.*"), yaml);
        // A YAML file that fails looks like YAML: the YAML parser's finding is reported.
        String nested = assertRejected("nested.yaml", "a: 1\nb: c: d\n");
        assertTrue(nested.contains("YAML:") && nested.contains("line 2, column 5"), nested);
    }

    @Test
    void aChunkedConfigIsValidatedAsAssembled() throws Exception {
        // Valid as a whole, though its last chunk alone is not a document (the upstream client's bug).
        String whole = "{\"cache\": {\"size-max\": \"10M\"}, \"list\": [1, 2, 3]}";
        assertTrue(store.stageChunk("chunked.json", 1, 2, bytes(whole.substring(0, 40))).isEmpty());
        PreparedFile file = store.stageChunk("chunked.json", 2, 2, bytes(whole.substring(40))).orElseThrow();
        assertEquals(FileKind.CONFIG, file.kind());
        file.publish();
        assertArrayEquals(bytes(whole), Files.readAllBytes(filesDir.resolve("chunked.json")));

        // Invalid as a whole, though its last chunk alone is a valid document.
        store.stageChunk("chunked.yaml", 1, 2, bytes("- not a mapping\n"));
        RejectedFileException e = assertThrows(RejectedFileException.class,
                () -> store.stageChunk("chunked.yaml", 2, 2, bytes("{\"a\": 1}\n")));
        assertTrue(e.getMessage().contains("chunked.yaml"), e.getMessage());
        assertFalse(Files.exists(filesDir.resolve("chunked.yaml")));
        assertFalse(Files.exists(filesDir.resolve("chunked.yaml.tmp")));
        assertFalse(Files.exists(filesDir.resolve("chunked.yaml.chunks")), "an invalid set is discarded");
        // A valid resend is not mixed with the discarded chunks.
        assertEquals(Optional.empty(), store.stageChunk("chunked.yaml", 2, 2, bytes("b: 2\n")));
    }

    @Test
    void anInvalidConfigLeavesTheFileAndItsBackupUntouched() throws Exception {
        assertAccepted("live.yaml", "version: 1\n");
        assertAccepted("live.yaml", "version: 2\n");
        assertArrayEquals(bytes("version: 1\n"), Files.readAllBytes(filesDir.resolve("live.yaml.backup")));

        assertThrows(RejectedFileException.class, () -> store.prepareWholeFile("live.yaml", bytes("version: [3\n")));
        store.stageChunk("live.yaml", 1, 2, bytes("version: 4\n"));
        assertThrows(RejectedFileException.class, () -> store.stageChunk("live.yaml", 2, 2, bytes("version: 5\n")));

        assertArrayEquals(bytes("version: 2\n"), Files.readAllBytes(filesDir.resolve("live.yaml")));
        assertArrayEquals(bytes("version: 1\n"), Files.readAllBytes(filesDir.resolve("live.yaml.backup")));
        assertFalse(Files.exists(filesDir.resolve("live.yaml.tmp")));
        assertFalse(Files.exists(filesDir.resolve("live.yaml.chunks")));
    }
}
