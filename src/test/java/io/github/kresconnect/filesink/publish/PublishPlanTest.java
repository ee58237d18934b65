package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.protocol.FileNames;
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
        Path config = file("config.yaml", 10);
        Path a = file("a.rpz", 10);
        Path json = file("extra.JSON", 10);
        Path b = file("b.txt", 10);
        PublishPlan plan = plan(config.toString(), a.toString(), json.toString(), b.toString());
        assertEquals(List.of("a.rpz", "b.txt", "config.yaml", "extra.JSON"),
                plan.files().stream().map(PlannedFile::name).toList());
        assertEquals(List.of(FileKind.DATA, FileKind.DATA, FileKind.CONFIG, FileKind.CONFIG),
                plan.files().stream().map(PlannedFile::kind).toList());
    }

    @Test
    void configSuffixesAreConfigurable() throws Exception {
        Path conf = file("resolver.conf", 1);
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
        assertEquals(ExitCode.FILE, e.exitCode());
        assertTrue(e.getMessage().contains("101 bytes") && e.getMessage().contains("--max-file-bytes"), e.getMessage());

        Path config = file("config.yaml", 101);
        e = assertThrows(PublishException.class, () -> plan("--max-config-bytes", "100", config.toString()));
        assertEquals(ExitCode.FILE, e.exitCode());
        assertTrue(e.getMessage().contains("--max-config-bytes"), e.getMessage());

        e = assertThrows(PublishException.class, () -> plan("--chunk-size", "10", "--max-chunks", "10",
                big.toString()));
        assertEquals(ExitCode.FILE, e.exitCode());
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
            assertEquals(ExitCode.USAGE, e.exitCode(), name);
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
            assertEquals(ExitCode.USAGE, e.exitCode(), name);
            assertEquals("file name " + FileNames.quote(name) + " would be rejected by the connector: "
                    + entry.getValue() + " (give another name with NAME=PATH)", e.getMessage());
        }
    }

    @Test
    void aBarePathWhoseBaseNameTheConnectorWouldRejectIsRefused() throws Exception {
        Path hidden = file(".zone.rpz", 1);
        PublishException e = assertThrows(PublishException.class, () -> plan(hidden.toString()));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("'.zone.rpz' would be rejected by the connector: component '.zone.rpz' "
                + "is hidden"), e.getMessage());
        // With another name it goes.
        assertEquals("zone.rpz", plan("zone.rpz=" + hidden).files().get(0).name());
    }

    @Test
    void aRefusedNameIsReportedBeforeAnyFileIsLookedAt() {
        PublishException e = assertThrows(PublishException.class, () -> plan("x.tmp=" + dir.resolve("absent")));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("reserved suffix '.tmp'"), e.getMessage());
    }
}
