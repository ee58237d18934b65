package io.github.kresconnect.filesink.store;

import static io.github.kresconnect.filesink.store.StoreDriver.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.store.FileStore.Applied;

class ConfigValidationTest {
    @TempDir
    Path filesDir;
    StoreDriver driver;

    @BeforeEach
    void setUp() throws Exception {
        driver = new StoreDriver(filesDir);
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private void assertAccepted(String name, String content) throws Exception {
        assertEquals(Applied.COMPLETED, driver.whole(name, bytes(content)), name);
        FileStore.Round round = driver.commit();
        assertEquals(1, round.published().size(), name);
        assertEquals(name, round.published().get(0).name());
        assertEquals(FileKind.CONFIG, round.published().get(0).kind());
        assertArrayEquals(bytes(content), Files.readAllBytes(filesDir.resolve(name)));
    }

    /** Rejected when applied, nothing of it published or held; returns the reason. */
    private String assertRejected(String name, byte[] content) throws IOException {
        RejectedFileException e = assertThrows(RejectedFileException.class, () -> driver.whole(name, content));
        assertTrue(e.getMessage().startsWith("invalid config file '" + name + "'"), e.getMessage());
        assertEquals(RejectedFileException.Kind.INVALID_CONFIG, e.kind());
        FileStore.Round round = driver.commit();
        assertEquals(List.of(), round.published());
        assertFalse(Files.exists(filesDir.resolve(name)), "invalid config must not be published");
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir), "invalid config's work file is discarded");
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
        assertEquals(Applied.COMPLETED, driver.whole("notes.txt", "- not: [a mapping"));
        assertEquals(Applied.COMPLETED, driver.whole("c.YmL", "a: 1"));
        FileStore.Round round = driver.commit();
        assertEquals(List.of("notes.txt:DATA", "c.YmL:CONFIG"), round.published().stream()
                .map(publication -> publication.name() + ":" + publication.kind()).toList());
        assertEquals(List.of("owe:CONFIG", "owe:DATA", "armed"), driver.events);
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
        assertEquals(Applied.STAGED, driver.chunk("chunked.json", 1, 2, whole.substring(0, 40)));
        assertEquals(Applied.COMPLETED, driver.chunk("chunked.json", 2, 2, whole.substring(40)));
        FileStore.Round round = driver.commit();
        assertEquals(FileKind.CONFIG, round.published().get(0).kind());
        assertArrayEquals(bytes(whole), Files.readAllBytes(filesDir.resolve("chunked.json")));

        // Invalid as a whole, though its last chunk alone is a valid document.
        assertEquals(Applied.STAGED, driver.chunk("chunked.yaml", 1, 2, "- not a mapping\n"));
        RejectedFileException e = assertThrows(RejectedFileException.class,
                () -> driver.chunk("chunked.yaml", 2, 2, "{\"a\": 1}\n"));
        assertTrue(e.getMessage().contains("chunked.yaml"), e.getMessage());
        assertEquals(RejectedFileException.Kind.INVALID_CONFIG, e.kind());
        assertTrue(driver.events.contains("discarded:chunked.yaml"), "an invalid set is discarded: " + driver.events);
        // Validated when assembled, before the round: the round has nothing of it to commit or publish.
        assertFalse(driver.store.hasPendingPublications());
        assertEquals(List.of(), driver.commit().published());
        assertFalse(Files.exists(filesDir.resolve("chunked.yaml")));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
        // A valid resend of the last chunk is not mixed with the discarded chunk 1.
        assertFalse(driver.chunk("chunked.yaml", 2, 2, "b: 2\n") == Applied.COMPLETED);
        assertEquals(List.of(), driver.commit().published());
        assertFalse(Files.exists(filesDir.resolve("chunked.yaml")));
    }

    @Test
    void anInvalidConfigLeavesTheFileAndItsBackupUntouched() throws Exception {
        assertAccepted("live.yaml", "version: 1\n");
        assertAccepted("live.yaml", "version: 2\n");
        assertArrayEquals(bytes("version: 1\n"), Files.readAllBytes(filesDir.resolve("live.yaml.backup")));
        TreeMap<String, String> before = StoreFixtures.snapshotOutsideState(filesDir);
        Object fileKey = fileKey(filesDir.resolve("live.yaml"));
        Object backupKey = fileKey(filesDir.resolve("live.yaml.backup"));
        driver.events.clear();

        assertThrows(RejectedFileException.class, () -> driver.whole("live.yaml", "version: [3\n"));
        assertEquals(Applied.STAGED, driver.chunk("live.yaml", 1, 2, "version: 4\n"));
        assertThrows(RejectedFileException.class, () -> driver.chunk("live.yaml", 2, 2, "version: 5\n"));
        assertEquals(List.of(), driver.commit().published());

        assertArrayEquals(bytes("version: 2\n"), Files.readAllBytes(filesDir.resolve("live.yaml")));
        assertArrayEquals(bytes("version: 1\n"), Files.readAllBytes(filesDir.resolve("live.yaml.backup")));
        assertEquals(fileKey, fileKey(filesDir.resolve("live.yaml")));
        assertEquals(backupKey, fileKey(filesDir.resolve("live.yaml.backup")));
        assertEquals(before, StoreFixtures.snapshotOutsideState(filesDir));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
        assertFalse(driver.events.contains("owe:CONFIG"), "no reload is owed for a rejected config: " + driver.events);

        // The next valid version replaces it as usual.
        assertAccepted("live.yaml", "version: 6\n");
        assertArrayEquals(bytes("version: 2\n"), Files.readAllBytes(filesDir.resolve("live.yaml.backup")));
    }

    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }
}
