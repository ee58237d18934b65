package io.github.kresconnect.filesink.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared rules directly (the connector's side is covered by store.ConfigValidationTest, the publisher's by
 * publish.PublishPlanTest): a file and its bytes get the same verdict, and the size limit is its own kind.
 */
class ConfigFileValidatorTest {
    @TempDir
    Path dir;

    private final ConfigFileValidator validator = new ConfigFileValidator(100);

    private String reason(String name, String content) throws Exception {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        InvalidConfigFileException fromBytes = assertThrows(InvalidConfigFileException.class,
                () -> validator.validate(name, bytes));
        Path file = Files.write(dir.resolve("f"), bytes);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            InvalidConfigFileException fromFile = assertThrows(InvalidConfigFileException.class,
                    () -> validator.validate(name, channel));
            assertEquals(fromBytes.getMessage(), fromFile.getMessage());
            assertEquals(fromBytes.tooLarge(), fromFile.tooLarge());
        }
        return fromBytes.getMessage();
    }

    @Test
    void validDocumentsPass() throws Exception {
        validator.validate("a.json", "{\"a\": 1}".getBytes(StandardCharsets.UTF_8));
        validator.validate("a.yaml", "a: 1\nb: [1, 2]\n".getBytes(StandardCharsets.UTF_8));
        // The suffix does not choose the parser.
        validator.validate("a.json", "a: 1\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void reasonsNameTheFileAndCarryLineAndColumn() throws Exception {
        assertEquals("invalid config file 'config.json': JSON: Duplicate field 'a' at line 1, column 11",
                reason("config.json", "{\"a\":1,\"a\":2}"));
        assertEquals("invalid config file 'c.yaml': YAML: the top level must be a mapping, found a sequence",
                reason("c.yaml", "- a\n- b\n"));
        assertTrue(reason("c.yaml", "a: 1\na: 2\n").startsWith("invalid config file 'c.yaml': YAML: "), "dup");
        assertEquals("invalid config file 'x.yaml': not valid UTF-8 at byte 3 (line 1, column 4)",
                assertThrows(InvalidConfigFileException.class,
                        () -> validator.validate("x.yaml", new byte[] {'a', ':', ' ', (byte) 0xff})).getMessage());
        assertEquals("invalid config file 'empty.yaml': YAML: the top level must be a mapping, found an empty "
                + "document", reason("empty.yaml", ""));
    }

    @Test
    void aFileAboveTheLimitIsTooLargeNotInvalid() throws Exception {
        String big = "a: " + "x".repeat(100) + "\n";
        assertEquals("config file 'big.yaml' has 104 bytes, more than 100", reason("big.yaml", big));
        InvalidConfigFileException e = assertThrows(InvalidConfigFileException.class,
                () -> validator.validate("big.yaml", big.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.tooLarge());
        assertFalse(assertThrows(InvalidConfigFileException.class,
                () -> validator.validate("bad.json", "{".getBytes(StandardCharsets.UTF_8))).tooLarge());
    }

    @Test
    void configFilesAreRecognisedBySuffixIgnoringCase() {
        List<String> defaults = List.of(".json", ".yaml", ".yml");
        for (String name : List.of("config.json", "C.YAML", "rpz/x.Yml")) {
            assertTrue(ConfigFileValidator.isConfigFile(name, defaults), name);
        }
        for (String name : List.of("block.rpz", "json", "a.yaml.txt")) {
            assertFalse(ConfigFileValidator.isConfigFile(name, defaults), name);
        }
        assertTrue(ConfigFileValidator.isConfigFile("kresd.CONF", Set.of(".conf")));
    }
}
