package io.github.kresconnect.filesink.store;

import static io.github.kresconnect.filesink.store.StoreDriver.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.store.FileStore.Applied;

class PublishTest {
    @TempDir
    Path temp;
    Path filesDir;
    StoreDriver driver;

    @BeforeEach
    void setUp() throws Exception {
        filesDir = Files.createDirectory(temp.resolve("files"));
        driver = new StoreDriver(filesDir);
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    /** Applies a whole file and commits; returns what the round published. */
    private List<FileStore.Publication> publishWhole(String name, String content) throws Exception {
        return publishWhole(name, bytes(content));
    }

    private List<FileStore.Publication> publishWhole(String name, byte[] content) throws Exception {
        assertEquals(Applied.COMPLETED, driver.whole(name, content));
        FileStore.Round round = driver.commit();
        assertEquals(List.of(), round.failed());
        return round.published();
    }

    @Test
    void theFirstVersionHasNoBackupAndEachLaterOneKeepsItsPredecessor() throws Exception {
        List<FileStore.Publication> first = publishWhole("zone.rpz", "v1\n");
        assertEquals(List.of("zone.rpz"), first.stream().map(FileStore.Publication::name).toList());
        assertEquals(List.of("owe:DATA", "armed"), driver.events);
        assertFalse(Files.exists(filesDir.resolve("zone.rpz.backup")));

        assertEquals(1, publishWhole("zone.rpz", "v2\n").size());
        assertArrayEquals(bytes("v2\n"), Files.readAllBytes(filesDir.resolve("zone.rpz")));
        assertArrayEquals(bytes("v1\n"), Files.readAllBytes(filesDir.resolve("zone.rpz.backup")));

        assertEquals(1, publishWhole("zone.rpz", "v3\n").size());
        assertArrayEquals(bytes("v3\n"), Files.readAllBytes(filesDir.resolve("zone.rpz")));
        assertArrayEquals(bytes("v2\n"), Files.readAllBytes(filesDir.resolve("zone.rpz.backup")));
        assertFalse(Files.isSameFile(filesDir.resolve("zone.rpz"), filesDir.resolve("zone.rpz.backup")));
        assertEquals(List.of(FileStore.STATE_DIR, "zone.rpz", "zone.rpz.backup"), listing(filesDir),
                "one backup generation, no leftovers");
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
        assertEquals(List.of("files"), listing(temp), "nothing is created outside the files directory");
    }

    @Test
    void anIdenticalReplayIsUnchangedAndLeavesTheBackupAlone() throws Exception {
        publishWhole("zone.rpz", "v1\n");
        publishWhole("zone.rpz", "v2 same size\n");
        Path backup = filesDir.resolve("zone.rpz.backup");
        FileTime backupTime = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(backup, backupTime);
        Object currentKey = fileKey(filesDir.resolve("zone.rpz"));
        FileTime currentTime = Files.getLastModifiedTime(filesDir.resolve("zone.rpz"));
        driver.events.clear();

        assertEquals(Applied.UNCHANGED, driver.whole("zone.rpz", "v2 same size\n"));
        driver.chunk("zone.rpz", 1, 2, "v2 same");
        assertEquals(Applied.UNCHANGED, driver.chunk("zone.rpz", 2, 2, " size\n"));
        FileStore.Round round = driver.commit();
        assertEquals(List.of(), round.published());
        assertEquals(List.of(), driver.events, "no reload or renew is owed for an unchanged file");

        assertArrayEquals(bytes("v2 same size\n"), Files.readAllBytes(filesDir.resolve("zone.rpz")));
        assertEquals(currentKey, fileKey(filesDir.resolve("zone.rpz")), "the file was not replaced");
        assertEquals(currentTime, Files.getLastModifiedTime(filesDir.resolve("zone.rpz")));
        assertArrayEquals(bytes("v1\n"), Files.readAllBytes(backup));
        assertEquals(backupTime, Files.getLastModifiedTime(backup));
        assertEquals(List.of(FileStore.STATE_DIR, "zone.rpz", "zone.rpz.backup"), listing(filesDir));
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir), "the replay's work files are removed");

        // Equal size alone is not equal content.
        assertEquals(1, publishWhole("zone.rpz", "v2 SAME size\n").size());
        assertArrayEquals(bytes("v2 SAME size\n"), Files.readAllBytes(filesDir.resolve("zone.rpz")));
        assertArrayEquals(bytes("v2 same size\n"), Files.readAllBytes(backup));
    }

    @Test
    void anIdenticalReplayAfterARestartIsStillUnchanged() throws Exception {
        publishWhole("zone.rpz", "v1\n");
        Object currentKey = fileKey(filesDir.resolve("zone.rpz"));
        driver.restart();
        assertEquals(Applied.UNCHANGED, driver.whole("zone.rpz", "v1\n"));
        assertEquals(List.of(), driver.commit().published());
        assertEquals(currentKey, fileKey(filesDir.resolve("zone.rpz")));
        assertFalse(Files.exists(filesDir.resolve("zone.rpz.backup")));
    }

    @Test
    void aReaderAlwaysSeesACompleteOldOrNewFileNeverNone() throws Exception {
        List<byte[]> versions = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            versions.add(bytes(("version " + i + "\n").repeat(1 + i * 37)));
        }
        publishWhole("watched.rpz", versions.get(0));
        Path watched = filesDir.resolve("watched.rpz");
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> problem = new AtomicReference<>();
        AtomicInteger reads = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!done.get() && problem.get() == null) {
                try {
                    byte[] seen = Files.readAllBytes(watched);
                    if (versions.stream().noneMatch(v -> java.util.Arrays.equals(v, seen))) {
                        problem.set("read a mixed or partial file of " + seen.length + " bytes");
                    }
                    reads.incrementAndGet();
                } catch (NoSuchFileException e) {
                    problem.set("the file was missing");
                } catch (IOException e) {
                    problem.set(e.toString());
                }
            }
        }, "publish-test-reader");
        reader.start();
        try {
            for (int i = 1; i < versions.size(); i++) {
                assertEquals(1, publishWhole("watched.rpz", versions.get(i)).size());
            }
        } finally {
            done.set(true);
            reader.join(10_000);
        }
        assertEquals(null, problem.get());
        assertTrue(reads.get() > 0);
        assertArrayEquals(versions.get(versions.size() - 1), Files.readAllBytes(watched));
        assertArrayEquals(versions.get(versions.size() - 2), Files.readAllBytes(filesDir.resolve("watched.rpz.backup")));
    }

    @Test
    void aBackupNameThatIsASymbolicLinkIsReplacedNotFollowed() throws Exception {
        Path outside = Files.createDirectory(temp.resolve("outside"));
        Path victim = Files.writeString(outside.resolve("victim"), "do not touch\n");
        publishWhole("sub/zone.rpz", "v1\n");
        Files.createSymbolicLink(filesDir.resolve("sub/zone.rpz.backup"), victim);

        assertEquals(1, publishWhole("sub/zone.rpz", "v2\n").size());
        assertFalse(Files.isSymbolicLink(filesDir.resolve("sub/zone.rpz.backup")));
        assertArrayEquals(bytes("v1\n"), Files.readAllBytes(filesDir.resolve("sub/zone.rpz.backup")));
        assertArrayEquals(bytes("v2\n"), Files.readAllBytes(filesDir.resolve("sub/zone.rpz")));
        assertEquals("do not touch\n", Files.readString(victim));
        assertEquals(List.of("victim"), listing(outside));
    }

    @Test
    void openRemovesOnlyItsOwnUncommittedWorkFilesAndNeverFollowsLinks() throws Exception {
        Path outside = Files.createDirectory(temp.resolve("outside"));
        Files.writeString(outside.resolve("foreign.tmp"), "not ours\n");
        Path outsideFile = Files.writeString(outside.resolve("target"), "link target\n");
        publishWhole("keep.rpz", "published\n");
        assertEquals(Applied.STAGED, driver.chunk("rpz/set.rpz", 1, 2, "staged\n"));
        driver.commit();
        List<String> heldWork = StoreFixtures.workFiles(filesDir);
        assertEquals(1, heldWork.size(), heldWork.toString());

        // What the old layout used as intermediates, and other things the store did not write: all stay.
        Files.writeString(filesDir.resolve("keep.rpz.tmp"), "interrupted");
        Files.writeString(filesDir.resolve("keep.rpz.backup.tmp"), "interrupted backup");
        Files.writeString(filesDir.resolve("rpz/deep.rpz.tmp"), "interrupted");
        Files.createDirectories(filesDir.resolve("rpz/set.rpz.chunks"));
        Files.writeString(filesDir.resolve("rpz/set.rpz.chunks/2.tmp"), "old chunk");
        Files.createDirectories(filesDir.resolve("gone.rpz.chunks.tmp/sub"));
        Files.writeString(filesDir.resolve("gone.rpz.chunks.tmp/1"), "half-deleted set");
        Files.createSymbolicLink(filesDir.resolve("link.tmp"), outsideFile);
        Files.createSymbolicLink(filesDir.resolve("outside-dir"), outside);
        Files.createDirectories(filesDir.resolve(".state"));
        Files.writeString(filesDir.resolve(".state/pending.tmp"), "someone else's");
        // Work files no journal entry covers: an uncommitted transfer and a backup link being made.
        Path work = StoreFixtures.workDir(filesDir);
        Files.writeString(work.resolve("t999.data"), "uncommitted");
        Files.writeString(work.resolve("t999.c2"), "uncommitted");
        Files.createLink(work.resolve("b998.link"), filesDir.resolve("keep.rpz"));
        TreeMap<String, String> before = StoreFixtures.snapshotOutsideState(filesDir);
        TreeMap<String, String> outsideBefore = StoreFixtures.snapshot(outside);

        driver.crashAndReopen();

        assertEquals(before, StoreFixtures.snapshotOutsideState(filesDir));
        assertEquals(outsideBefore, StoreFixtures.snapshot(outside));
        assertEquals(heldWork, StoreFixtures.workFiles(filesDir), "only the journaled transfer's work file is kept");
        assertEquals("published\n", Files.readString(filesDir.resolve("keep.rpz")));
        // The held set is intact and completes.
        assertEquals(Applied.COMPLETED, driver.chunk("rpz/set.rpz", 2, 2, "two\n"));
        driver.commit();
        assertArrayEquals(bytes("staged\ntwo\n"), Files.readAllBytes(filesDir.resolve("rpz/set.rpz")));
        TreeMap<String, String> after = StoreFixtures.snapshotOutsideState(filesDir);
        assertEquals("file:11:" + java.util.Arrays.hashCode(bytes("staged\ntwo\n")), after.remove("rpz/set.rpz"));
        assertEquals(before, after, "publishing changed nothing else");
        assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
    }

    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }

    private static List<String> listing(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
