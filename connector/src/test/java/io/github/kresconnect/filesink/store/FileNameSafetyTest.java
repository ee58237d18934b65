package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileNameSafetyTest {
    private static final byte[] CONTENT = "payload\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path temp;
    Path filesDir;
    Path outside;
    StoreDriver driver;

    @BeforeEach
    void setUp() throws Exception {
        filesDir = Files.createDirectory(temp.resolve("files"));
        outside = Files.createDirectory(temp.resolve("outside"));
        Files.writeString(outside.resolve("victim.conf"), "outside content\n");
        Files.createDirectory(outside.resolve("victim-dir"));
        // Traps inside the files directory: links out (and in), a file where a directory is needed,
        // directories where a file would go.
        Files.createSymbolicLink(filesDir.resolve("link"), outside);
        Files.createSymbolicLink(filesDir.resolve("link-file"), outside.resolve("victim.conf"));
        Files.createDirectory(filesDir.resolve("dir"));
        Files.createSymbolicLink(filesDir.resolve("dirlink"), filesDir.resolve("dir"));
        Files.createSymbolicLink(filesDir.resolve("dir").resolve("inner-link"), outside);
        Files.createSymbolicLink(filesDir.resolve("dangling"), outside.resolve("does-not-exist"));
        Files.writeString(filesDir.resolve("file"), "a regular file\n");
        Files.writeString(filesDir.resolve("dir").resolve("file-in-dir"), "another\n");
        Files.createDirectory(filesDir.resolve("sub"));
        driver = new StoreDriver(filesDir);
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void rejectsEveryHostileNameAndWritesNothing() throws IOException {
        Set<String> names = hostileNames();
        assertTrue(names.size() > 5000, "generated " + names.size() + " names");
        TreeMap<String, String> insideBefore = StoreFixtures.snapshotOutsideState(filesDir);
        TreeMap<String, String> outsideBefore = StoreFixtures.snapshot(outside);

        List<String> accepted = new ArrayList<>();
        for (String name : names) {
            expectRejected(name, () -> driver.whole(name, CONTENT), accepted);
            expectRejected(name, () -> driver.chunk(name, 1, 2, CONTENT), accepted);
            expectRejected(name, () -> driver.chunk(name, 2, 2, CONTENT), accepted);
        }
        assertEquals(List.of(), accepted, "names accepted although hostile");
        assertFalse(driver.store.hasPendingPublications());
        FileStore.Round round = driver.commit();
        assertEquals(List.of(), round.published());
        assertEquals(List.of(), round.failed());
        driver.clock.advance(StoreFixtures.STALE_AFTER.plusSeconds(1));
        assertEquals(List.of(), driver.store.expireStale(), "a rejected name holds no transfer");
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
        assertEquals((long) names.size() * 3, driver.store.durableOffset(StoreDriver.PARTITION).orElseThrow(),
                "every rejected record is done");

        assertEquals(outsideBefore, StoreFixtures.snapshot(outside), "something changed outside the files dir");
        assertEquals(insideBefore, StoreFixtures.snapshotOutsideState(filesDir),
                "something was created inside the files dir");
        assertEquals(List.of(), driver.events);
    }

    private interface StoreCall {
        Object call() throws RejectedFileException, IOException;
    }

    private static void expectRejected(String name, StoreCall call, List<String> accepted) {
        try {
            call.call();
            accepted.add(SafeFileName.quote(name));
        } catch (RejectedFileException e) {
            assertTrue(e.kind() == RejectedFileException.Kind.UNSAFE_NAME
                    || e.kind() == RejectedFileException.Kind.PATH_CONFLICT, e.kind() + " for " + SafeFileName.quote(name));
            String message = e.getMessage();
            for (int i = 0; i < message.length(); i++) {
                char c = message.charAt(i);
                boolean pairedSurrogate = Character.isHighSurrogate(c) && i + 1 < message.length()
                        && Character.isLowSurrogate(message.charAt(i + 1));
                if (Character.isISOControl(c) || Character.isSurrogate(c) && !pairedSurrogate) {
                    fail("reason for " + SafeFileName.quote(name) + " carries a raw control character: "
                            + SafeFileName.quote(message));
                }
                if (pairedSurrogate) {
                    i++;
                }
            }
            assertTrue(message.length() < 1000, "reason too long: " + message.length());
        } catch (IOException e) {
            fail("hostile name " + SafeFileName.quote(name) + " gave an I/O error (retried forever): " + e);
        }
    }

    /** Thousands of names, each hostile by its syntax or by what it meets on disk. */
    private static Set<String> hostileNames() {
        List<String> hostile = List.of("", ".", "..", "...", ".hidden", ".git", ".chunks", "/", "\0", "a\0b",
                "\n", "a\rb", "\t", "\u0001", "\u001b[31m", "\u007f", "\u0085", "\u009b", "a\\b", "\\", "..\\..",
                "C:\\x", "x.tmp", "X.TMP", "x.Tmp", "y.backup", "y.BACKUP", "z.chunks", "z.Chunks", "k.json.tmp",
                "x".repeat(256), "\u00e9".repeat(128), "\ud800", "a\udc00", "\ud83d");
        List<String> harmless = List.of("a", "b", "rpz", "\u0434\u0438\u0440");
        List<String> fragments = new ArrayList<>(hostile);
        fragments.addAll(harmless);

        Set<String> names = new LinkedHashSet<>();
        for (String first : fragments) {
            for (String second : fragments) {
                if (hostile.contains(first) || hostile.contains(second)) {
                    names.add(first + "/" + second);
                    names.add("/" + first + "/" + second);
                }
            }
            if (hostile.contains(first)) {
                names.add(first);
                names.add("/" + first);
                names.add(first + "/");
            }
        }
        Random random = new Random(42);
        while (names.size() < 9000) {
            int length = 3 + random.nextInt(4);
            StringBuilder name = new StringBuilder();
            boolean anyHostile = false;
            for (int i = 0; i < length; i++) {
                String fragment = fragments.get(random.nextInt(fragments.size()));
                anyHostile |= hostile.contains(fragment);
                name.append(i == 0 ? "" : "/").append(fragment);
            }
            if (anyHostile) {
                names.add(name.toString());
            }
        }
        // Well-formed names that are hostile through what already exists on disk.
        List<String> onDisk = List.of("link", "link-file", "dangling", "dirlink", "file", "dir", "sub",
                "dir/inner-link", "dir/file-in-dir");
        List<String> tails = List.of("x", "victim.conf", "victim-dir", "a/b.rpz", "config.yaml", "c.json",
                "victim-dir/new", "does-not-exist");
        for (String trap : onDisk) {
            names.add(trap.equals("dir/file-in-dir") || trap.equals("file") ? trap + "/x" : trap);
            for (String tail : tails) {
                if (!trap.equals("dir") && !trap.equals("sub")) {
                    names.add(trap + "/" + tail);
                }
            }
        }
        // The store's own directory and what is in it.
        names.add(FileStore.STATE_DIR);
        names.add(FileStore.STATE_DIR + "/store/journal");
        names.add(FileStore.STATE_DIR + "/store/lock");
        names.add(FileStore.STATE_DIR + "/store/work/t1.data");
        names.add("rpz/" + FileStore.STATE_DIR + "/x");
        names.add("dir"); // a directory where the file would go
        names.add("sub");
        // Length and depth limits.
        names.add("a/".repeat(8) + "b");
        names.add(("d" + "x".repeat(200) + "/").repeat(6) + "f");
        names.add("x".repeat(SafeFileName.MAX_FILE_COMPONENT_BYTES + 1));
        names.add("\u00e9".repeat(SafeFileName.MAX_FILE_COMPONENT_BYTES / 2 + 1));
        names.add("x".repeat(SafeFileName.MAX_COMPONENT_BYTES + 1) + "/f");
        return names;
    }

    @Test
    void acceptsOrdinaryNamesInsideTheFilesDirectory() throws Exception {
        Map<String, String> accepted = Map.of(
                "block.rpz", "block.rpz",
                "rpz/block.rpz", "rpz/block.rpz",
                "a/b/c/d/e/f/g/h.rpz", "a/b/c/d/e/f/g/h.rpz",
                "\u00dcn\u00efc\u00f6d\u00e9/\u0444\u0430\u0439\u043b.rpz", "\u00dcn\u00efc\u00f6d\u00e9/\u0444\u0430\u0439\u043b.rpz",
                "dir/ok.rpz", "dir/ok.rpz",
                "name.tmp.rpz", "name.tmp.rpz",
                "\uff0e\uff0e", "\uff0e\uff0e", // fullwidth dots: ordinary letters to the file system
                "a\u2215b", "a\u2215b", // division slash: not a separator
                "x".repeat(SafeFileName.MAX_FILE_COMPONENT_BYTES), "x".repeat(SafeFileName.MAX_FILE_COMPONENT_BYTES));
        for (Map.Entry<String, String> entry : accepted.entrySet()) {
            assertEquals(FileStore.Applied.COMPLETED, driver.whole(entry.getKey(), CONTENT), entry.getKey());
            FileStore.Round round = driver.commit();
            assertEquals(List.of(entry.getKey()), round.published().stream().map(FileStore.Publication::name).toList());
            Path written = filesDir.resolve(entry.getValue());
            assertTrue(written.toRealPath().startsWith(filesDir.toRealPath()));
            assertArrayEquals(CONTENT, Files.readAllBytes(written), entry.getKey());
        }
        // Its backup name stays within the file system's limits too, and so does a transfer held for it.
        String longest = "x".repeat(SafeFileName.MAX_FILE_COMPONENT_BYTES);
        assertEquals(FileStore.Applied.COMPLETED, driver.whole(longest, "v2".getBytes()));
        assertEquals(List.of(), driver.commit().failed());
        assertArrayEquals(CONTENT, Files.readAllBytes(filesDir.resolve(longest + ".backup")));
        assertEquals(FileStore.Applied.STAGED, driver.chunk(longest, 1, 2, CONTENT));
        assertEquals(FileStore.Applied.COMPLETED, driver.chunk(longest, 2, 2, CONTENT));
        assertEquals(List.of(), driver.commit().failed());
        assertEquals(new String(CONTENT, StandardCharsets.UTF_8).repeat(2), Files.readString(filesDir.resolve(longest)));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
    }

    @Test
    void reasonQuotesTheNameWithControlCharactersEscaped() {
        RejectedFileException e = org.junit.jupiter.api.Assertions.assertThrows(RejectedFileException.class,
                () -> driver.whole("evil\nINFO fake log line\u0000'", CONTENT));
        assertEquals("unsafe file name 'evil\\x0aINFO fake log line\\x00\\'': it contains a control character",
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aDirectoryAtTheBackupNameRejectsTheVersionThatWouldReplaceTheFileInPlace() throws Exception {
        Path backupDir = Files.createDirectory(filesDir.resolve("zone.rpz.backup"));
        Files.writeString(backupDir.resolve("kept"), "not the store's\n");
        // a new file makes no backup: placed as any other
        assertEquals(FileStore.Applied.COMPLETED, driver.whole("zone.rpz", CONTENT));
        assertEquals(List.of(), driver.commit().failed());
        assertArrayEquals(CONTENT, Files.readAllBytes(filesDir.resolve("zone.rpz")));
        // the next version would back the first one up there: rejected before anything changes
        RejectedFileException e = org.junit.jupiter.api.Assertions.assertThrows(RejectedFileException.class,
                () -> driver.whole("zone.rpz", "v2\n".getBytes()));
        assertTrue(e.getMessage().contains("'zone.rpz.backup' is a directory"), e.getMessage());
        assertEquals(RejectedFileException.Kind.PATH_CONFLICT, e.kind());
        driver.commit();
        assertArrayEquals(CONTENT, Files.readAllBytes(filesDir.resolve("zone.rpz")));
        assertEquals("not the store's\n", Files.readString(backupDir.resolve("kept")));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
    }

    @Test
    void fileWhereDirectoryIsNeededAndDirectoryWhereFileGoesAreRejectionsNamingTheConflict() throws IOException {
        TreeMap<String, String> before = StoreFixtures.snapshotOutsideState(filesDir);
        RejectedFileException fileInTheWay = org.junit.jupiter.api.Assertions.assertThrows(
                RejectedFileException.class, () -> driver.chunk("file/x.rpz", 1, 3, CONTENT));
        assertTrue(fileInTheWay.getMessage().contains("'file' exists and is not a directory"),
                fileInTheWay.getMessage());
        RejectedFileException dirInTheWay = org.junit.jupiter.api.Assertions.assertThrows(
                RejectedFileException.class, () -> driver.whole("dir", CONTENT));
        assertTrue(dirInTheWay.getMessage().contains("'dir' is a directory"), dirInTheWay.getMessage());
        RejectedFileException link = org.junit.jupiter.api.Assertions.assertThrows(
                RejectedFileException.class, () -> driver.whole("link/victim.conf", CONTENT));
        assertTrue(link.getMessage().contains("'link' is a symbolic link"), link.getMessage());
        assertEquals(RejectedFileException.Kind.PATH_CONFLICT, link.kind());
        driver.commit();
        assertEquals(before, StoreFixtures.snapshotOutsideState(filesDir));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
    }
}
