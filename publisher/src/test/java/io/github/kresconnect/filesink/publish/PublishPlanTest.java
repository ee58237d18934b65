package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.protocol.ConnectorDefaults;
import io.github.kresconnect.filesink.protocol.ConfigFileValidator;
import io.github.kresconnect.filesink.protocol.FileNames;
import io.github.kresconnect.filesink.protocol.InvalidConfigFileException;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.publish.PublishPlan.PlannedFile;
import io.github.kresconnect.filesink.store.FileKind;

class PublishPlanTest {
    @TempDir
    Path dir;

    private Path file(String name, int size) throws Exception {
        Path path = dir.resolve(name);
        Files.createDirectories(path.getParent());
        Files.write(path, new byte[size]);
        return path;
    }

    private PublishPlan plan(String... extraAndFiles) throws Exception {
        List<String> args = new ArrayList<>(List.of("--to", "r1"));
        args.addAll(List.of(extraAndFiles));
        return PublishPlan.build(PublishOptions.parse(args));
    }

    @Test
    void dataFilesComeFirstInTheGivenOrderThenConfigs() throws Exception {
        Path config = text("config.yaml", "a: 1\n");
        Path a = file("a.rpz", 10);
        Path json = text("extra.JSON", "{}");
        Path b = file("b.txt", 10);
        PublishPlan plan = plan(config.toString(), a.toString(), json.toString(), b.toString());
        assertEquals(List.of("a.rpz", "b.txt", "config.yaml", "extra.JSON"),
                plan.files().stream().map(PlannedFile::name).toList());
        assertEquals(List.of(FileKind.DATA, FileKind.DATA, FileKind.CONFIG, FileKind.CONFIG),
                plan.files().stream().map(PlannedFile::kind).toList());
    }

    @Test
    void configSuffixesAreConfigurable() throws Exception {
        Path conf = text("resolver.conf", "a: 1\n");
        Path yaml = file("x.yaml", 1);
        PublishPlan plan = plan("--config-suffixes", ".conf", yaml.toString(), conf.toString());
        assertEquals(List.of("x.yaml", "resolver.conf"), plan.files().stream().map(PlannedFile::name).toList());
        assertEquals(FileKind.CONFIG, plan.files().get(1).kind());
    }

    @Test
    void chunkCountsFollowTheChunkSize() throws Exception {
        Path empty = file("empty", 0);
        Path exact = file("exact", 1000);
        Path over = file("over", 1001);
        Path many = file("many", 3500);
        PublishPlan plan = plan("--chunk-size", "1000", empty.toString(), exact.toString(), over.toString(),
                many.toString());
        assertEquals(List.of(1, 1, 2, 4), plan.files().stream().map(PlannedFile::chunks).toList());
        assertEquals(List.of(0L, 1000L, 1001L, 3500L), plan.files().stream().map(PlannedFile::size).toList());
        assertEquals(8, plan.totalChunks());
        assertEquals(5501, plan.totalBytes());
    }

    @Test
    void namesComeFromTheArgument() throws Exception {
        Path a = file("local/a.rpz", 1);
        PublishPlan plan = plan("rpz/block.rpz=" + a, a.toString());
        assertEquals(List.of("rpz/block.rpz", "a.rpz"), plan.files().stream().map(PlannedFile::name).toList());
        assertEquals(a, plan.files().get(0).path());
    }

    @Test
    void filesAboveTheConnectorsLimitsAreRefused() throws Exception {
        Path big = file("big.rpz", 101);
        PublishException e = assertThrows(PublishException.class, () -> plan("--max-file-bytes", "100", big.toString()));
        assertEquals(ExitCode.INVALID_FILE, e.exitCode());
        assertTrue(e.getMessage().contains("101 bytes") && e.getMessage().contains("--max-file-bytes"), e.getMessage());

        Path config = file("config.yaml", 101);
        e = assertThrows(PublishException.class, () -> plan("--max-config-bytes", "100", config.toString()));
        assertEquals(ExitCode.INVALID_FILE, e.exitCode());
        assertTrue(e.getMessage().contains("--max-config-bytes"), e.getMessage());

        e = assertThrows(PublishException.class, () -> plan("--chunk-size", "10", "--max-chunks", "10",
                big.toString()));
        assertEquals(ExitCode.INVALID_FILE, e.exitCode());
        assertTrue(e.getMessage().contains("11 chunks") && e.getMessage().contains("larger --chunk-size"),
                e.getMessage());
    }

    @Test
    void missingDirectoryAndDuplicateFilesAreRefused() throws Exception {
        PublishException e = assertThrows(PublishException.class, () -> plan(dir.resolve("nope").toString()));
        assertEquals(ExitCode.FILE, e.exitCode());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());

        e = assertThrows(PublishException.class, () -> plan("d=" + dir));
        assertEquals(ExitCode.FILE, e.exitCode());
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());

        Path a = file("a", 1);
        Path other = file("sub/a", 1);
        e = assertThrows(PublishException.class, () -> plan(a.toString(), other.toString()));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("given twice"), e.getMessage());
    }

    @Test
    void namesThatCannotBeRelativeToTheFilesDirectoryAreRefused() throws Exception {
        Path a = file("a", 1);
        for (String name : List.of("/etc/passwd", "../a", "rpz/../../a", "rpz//a", "./a", "rpz/", "a\\b",
                "a\nb")) {
            PublishException e = assertThrows(PublishException.class, () -> plan(name + "=" + a), name);
            assertEquals(ExitCode.INVALID_FILE, e.exitCode(), name);
        }
    }

    /** The connector's own rules (protocol.FileNames), checked before anything is read or sent. */
    @Test
    void namesTheConnectorWouldRejectAreRefusedWithItsReason() throws Exception {
        Path a = file("a", 1);
        Map<String, String> reasons = Map.of(
                ".hidden", "component '.hidden' is hidden (names starting with '.' are reserved)",
                "rpz/.git/x", "component '.git' is hidden (names starting with '.' are reserved)",
                "zone.rpz.tmp", "component 'zone.rpz.tmp' ends with the reserved suffix '.tmp'",
                "zone.BACKUP", "component 'zone.BACKUP' ends with the reserved suffix '.backup'",
                "d.chunks/a", "component 'd.chunks' ends with the reserved suffix '.chunks'",
                "a/b/c/d/e/f/g/h/i", "it has more than 8 path components",
                "x".repeat(245), "a file name component is longer than 244 bytes",
                "a\u2028b\ud800", "it contains an unpaired UTF-16 surrogate (not representable in UTF-8)");
        for (Map.Entry<String, String> entry : reasons.entrySet()) {
            String name = entry.getKey();
            PublishException e = assertThrows(PublishException.class, () -> plan(name + "=" + a), name);
            assertEquals(ExitCode.INVALID_FILE, e.exitCode(), name);
            assertEquals("file name " + FileNames.quote(name) + " would be rejected by the connector: "
                    + entry.getValue() + " (give another name with NAME=PATH)", e.getMessage());
        }
    }

    @Test
    void aBarePathWhoseBaseNameTheConnectorWouldRejectIsRefused() throws Exception {
        Path hidden = file(".zone.rpz", 1);
        PublishException e = assertThrows(PublishException.class, () -> plan(hidden.toString()));
        assertEquals(ExitCode.INVALID_FILE, e.exitCode());
        assertTrue(e.getMessage().contains("'.zone.rpz' would be rejected by the connector: component '.zone.rpz' "
                + "is hidden"), e.getMessage());
        // With another name it goes.
        assertEquals("zone.rpz", plan("zone.rpz=" + hidden).files().get(0).name());
    }

    @Test
    void aRefusedNameIsReportedBeforeAnyFileIsLookedAt() {
        PublishException e = assertThrows(PublishException.class, () -> plan("x.tmp=" + dir.resolve("absent")));
        assertEquals(ExitCode.INVALID_FILE, e.exitCode());
        assertTrue(e.getMessage().contains("reserved suffix '.tmp'"), e.getMessage());
    }

    private Path text(String name, String content) throws Exception {
        Path path = dir.resolve(name);
        Files.createDirectories(path.getParent());
        return Files.writeString(path, content);
    }

    /** The connector's own reason for a config, from the shared validator with the connector's default limit. */
    private static String connectorReason(String name, String content) {
        return assertThrows(InvalidConfigFileException.class,
                () -> new ConfigFileValidator(ConnectorDefaults.CONFIG_MAX_BYTES_DEFAULT)
                        .validate(name, content.getBytes(StandardCharsets.UTF_8))).getMessage();
    }

    @Test
    void configFilesAreValidatedAsTheConnectorValidatesThem() throws Exception {
        Map<String, String> invalid = Map.of(
                "dup.json", "{\"a\": 1, \"a\": 2}",
                "list.yaml", "- a\n- b\n",
                "empty.yml", "",
                "syntax.JSON", "{\"a\": [1, 2}",
                "dup.yaml", "a: 1\na: 2\n",
                "unclosed.yaml", "a: [1\n");
        for (Map.Entry<String, String> entry : invalid.entrySet()) {
            Path path = text(entry.getKey(), entry.getValue());
            PublishException e = assertThrows(PublishException.class, () -> plan(path.toString()), entry.getKey());
            assertEquals(ExitCode.INVALID_FILE, e.exitCode(), entry.getKey());
            assertEquals("'" + path + "' would be rejected by the connector: "
                    + connectorReason(entry.getKey(), entry.getValue()), e.getMessage());
        }
        Path dup = text("c.json", "{\"a\":1,\"a\":2}");
        assertEquals("'" + dup + "' would be rejected by the connector: invalid config file 'c.json': JSON: "
                + "Duplicate field 'a' at line 1, column 11", assertThrows(PublishException.class,
                        () -> plan(dup.toString())).getMessage());
        // Named on the topic otherwise: both names are given, and the connector's reason quotes the topic's.
        PublishException renamed = assertThrows(PublishException.class, () -> plan("etc/kres.yaml=" + dup));
        assertEquals("'" + dup + "' (sent as 'etc/kres.yaml') would be rejected by the connector: invalid config "
                + "file 'etc/kres.yaml': JSON: Duplicate field 'a' at line 1, column 11", renamed.getMessage());

        Path yaml = text("ok.yaml", "cache:\n  size-max: 100M\n");
        Path json = text("ok.json", "{\"a\": {\"b\": [1, 2]}}");
        PublishPlan plan = plan(yaml.toString(), json.toString());
        assertEquals(2, plan.files().size());
        assertEquals(TransferIntegrity.sha256Hex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(yaml))),
                plan.files().get(0).validatedSha256(), "the digest of what was validated, checked when it is sent");
    }

    @Test
    void onlyConfigurationFilesAreValidatedAndTheSuffixesFollowTheOption() throws Exception {
        Path data = text("notes.txt", "{\"a\": 1, \"a\": 2}");
        Path yamlAsData = text("x.yaml", "- a\n");
        Path conf = text("kresd.CONF", "- a\n");
        assertEquals(FileKind.DATA, plan(data.toString()).files().get(0).kind());
        PublishPlan plan = plan("--config-suffixes", ".txt,.other", "x.yaml=" + yamlAsData);
        assertEquals(FileKind.DATA, plan.files().get(0).kind(), "not a config under these suffixes");
        PublishException e = assertThrows(PublishException.class,
                () -> plan("--config-suffixes", ".conf", conf.toString()));
        assertEquals(ExitCode.INVALID_FILE, e.exitCode());
        assertTrue(e.getMessage().contains("invalid config file 'kresd.CONF': YAML: the top level must be a mapping"),
                e.getMessage());
        PublishException upper = assertThrows(PublishException.class, () -> plan("X.YML=" + conf));
        assertTrue(upper.getMessage().contains("invalid config file 'X.YML'"), upper.getMessage());
    }

    @Test
    void configurationFilesHaveTheConnectorsConfigLimitOnly() throws Exception {
        Path config = text("config.yaml", "a: " + "x".repeat(50) + "\n");
        // As the connector: config.file.max.bytes applies to a config file, file.max.bytes to the others.
        assertEquals(1, plan("--max-file-bytes", "10", config.toString()).files().size());
        PublishException e = assertThrows(PublishException.class,
                () -> plan("--max-config-bytes", "53", config.toString()));
        assertEquals(ExitCode.INVALID_FILE, e.exitCode());
        assertEquals("'" + config + "' is 54 bytes, above the connector's limit of 53 bytes for configuration files "
                + "(config.file.max.bytes; --max-config-bytes); the connector would reject it", e.getMessage());
        assertEquals(1, plan("--max-config-bytes", "54", config.toString()).files().size());
    }

    @Test
    void everyRefusedFileIsReportedAndTheFirstOneChoosesTheExitCode() throws Exception {
        Path bad = text("bad.json", "[1]");
        Path big = file("big.rpz", 101);
        Path ok = file("ok.rpz", 1);
        PublishException e = assertThrows(PublishException.class, () -> plan("--max-file-bytes", "100",
                ok.toString(), bad.toString(), "x.tmp=" + ok, big.toString(), dir.resolve("absent").toString()));
        assertEquals(ExitCode.INVALID_FILE, e.exitCode());
        String message = e.getMessage();
        assertTrue(message.startsWith("4 files refused:"), message);
        assertTrue(message.contains("invalid config file 'bad.json': JSON: the top level must be an object"), message);
        assertTrue(message.contains("file name 'x.tmp' would be rejected"), message);
        assertTrue(message.contains("'" + big + "' is 101 bytes"), message);
        assertTrue(message.contains("absent' does not exist"), message);
        assertTrue(!message.contains("ok.rpz"), message);

        PublishException missingFirst = assertThrows(PublishException.class,
                () -> plan(dir.resolve("absent").toString(), bad.toString()));
        assertEquals(ExitCode.FILE, missingFirst.exitCode());
    }
}
