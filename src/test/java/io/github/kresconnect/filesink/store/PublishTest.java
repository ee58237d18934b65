package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishTest {
    @TempDir
    Path temp;
    Path filesDir;
    FileStore store;

    @BeforeEach
    void setUp() throws IOException {
        filesDir = Files.createDirectory(temp.resolve("files"));
        store = new FileStore(filesDir, StoreFixtures.settings(), new MutableClock());
        store.recover();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private PublishOutcome publishWhole(String name, String content) throws Exception {
        return store.prepareWholeFile(name, bytes(content)).publish();
    }

    @Test
    void theFirstVersionHasNoBackupAndEachLaterOneKeepsItsPredecessor() throws Exception {
        assertEquals(PublishOutcome.PUBLISHED, publishWhole("zone.rpz", "v1\n"));
        assertFalse(Files.exists(filesDir.resolve("zone.rpz.backup")));

        assertEquals(PublishOutcome.PUBLISHED, publishWhole("zone.rpz", "v2\n"));
        assertArrayEquals(bytes("v2\n"), Files.readAllBytes(filesDir.resolve("zone.rpz")));
        assertArrayEquals(bytes("v1\n"), Files.readAllBytes(filesDir.resolve("zone.rpz.backup")));

        assertEquals(PublishOutcome.PUBLISHED, publishWhole("zone.rpz", "v3\n"));
        assertArrayEquals(bytes("v3\n"), Files.readAllBytes(filesDir.resolve("zone.rpz")));
        assertArrayEquals(bytes("v2\n"), Files.readAllBytes(filesDir.resolve("zone.rpz.backup")));
        assertFalse(Files.isSameFile(filesDir.resolve("zone.rpz"), filesDir.resolve("zone.rpz.backup")));
        assertEquals(List.of("zone.rpz", "zone.rpz.backup"), listing(filesDir), "one backup generation, no leftovers");
    }

    @Test
    void anIdenticalReplayIsUnchangedAndLeavesTheBackupAlone() throws Exception {
        publishWhole("zone.rpz", "v1\n");
        publishWhole("zone.rpz", "v2 same size\n");
        Path backup = filesDir.resolve("zone.rpz.backup");
        FileTime backupTime = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(backup, backupTime);
        Object currentKey = Files.readAttributes(filesDir.resolve("zone.rpz"),
                java.nio.file.attribute.BasicFileAttributes.class).fileKey();

        PreparedFile replay = store.prepareWholeFile("zone.rpz", bytes("v2 same size\n"));
        assertFalse(replay.changesCurrentFile());
        assertEquals(PublishOutcome.UNCHANGED, replay.publish());

        PreparedFile sameSizeOtherContent = store.prepareWholeFile("zone.rpz", bytes("v2 SAME size\n"));
        assertTrue(sameSizeOtherContent.changesCurrentFile(), "equal size alone is not equal content");
        Files.delete(filesDir.resolve("zone.rpz.tmp"));

        store.stageChunk("zone.rpz", 1, 2, bytes("v2 same"));
        PreparedFile chunkedReplay = store.stageChunk("zone.rpz", 2, 2, bytes(" size\n")).orElseThrow();
        assertFalse(chunkedReplay.changesCurrentFile());
        assertEquals(PublishOutcome.UNCHANGED, chunkedReplay.publish());

        assertArrayEquals(bytes("v2 same size\n"), Files.readAllBytes(filesDir.resolve("zone.rpz")));
        assertEquals(currentKey, Files.readAttributes(filesDir.resolve("zone.rpz"),
                java.nio.file.attribute.BasicFileAttributes.class).fileKey(), "the file was not replaced");
        assertArrayEquals(bytes("v1\n"), Files.readAllBytes(backup));
        assertEquals(backupTime, Files.getLastModifiedTime(backup));
        assertEquals(List.of("zone.rpz", "zone.rpz.backup"), listing(filesDir), "tmp and chunk set cleaned up");
    }

    @Test
    void aReaderAlwaysSeesACompleteOldOrNewFileNeverNone() throws Exception {
        List<byte[]> versions = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            versions.add(bytes(("version " + i + "\n").repeat(1 + i * 37)));
        }
        publishWhole("watched.rpz", new String(versions.get(0), StandardCharsets.UTF_8));
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
                assertEquals(PublishOutcome.PUBLISHED,
                        store.prepareWholeFile("watched.rpz", versions.get(i)).publish());
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

        publishWhole("sub/zone.rpz", "v2\n");
        assertFalse(Files.isSymbolicLink(filesDir.resolve("sub/zone.rpz.backup")));
        assertArrayEquals(bytes("v1\n"), Files.readAllBytes(filesDir.resolve("sub/zone.rpz.backup")));
        assertEquals("do not touch\n", Files.readString(victim));
    }

    @Test
    void recoverRemovesIntermediatesOnlyAndNeverFollowsLinks() throws Exception {
        Path outside = Files.createDirectory(temp.resolve("outside"));
        Files.writeString(outside.resolve("foreign.tmp"), "not ours\n");
        Path outsideFile = Files.writeString(outside.resolve("target"), "link target\n");
        publishWhole("keep.rpz", "published\n");
        store.stageChunk("rpz/set.rpz", 1, 2, bytes("staged\n"));

        Files.writeString(filesDir.resolve("keep.rpz.tmp"), "interrupted");
        Files.writeString(filesDir.resolve("keep.rpz.backup.tmp"), "interrupted backup");
        Files.writeString(filesDir.resolve("rpz/deep.rpz.tmp"), "interrupted");
        Files.writeString(filesDir.resolve("rpz/set.rpz.chunks/2.tmp"), "interrupted chunk");
        Files.writeString(filesDir.resolve("rpz/set.rpz.chunks/total.tmp"), "2");
        Files.createDirectories(filesDir.resolve("gone.rpz.chunks.tmp/sub"));
        Files.writeString(filesDir.resolve("gone.rpz.chunks.tmp/1"), "half-deleted set");
        Files.createSymbolicLink(filesDir.resolve("link.tmp"), outsideFile);
        Files.createSymbolicLink(filesDir.resolve("outside-dir"), outside);
        Files.createDirectories(filesDir.resolve(".state"));
        Files.writeString(filesDir.resolve(".state/pending.tmp"), "someone else's");

        FileStore restarted = new FileStore(filesDir, StoreFixtures.settings(), new MutableClock());
        restarted.recover();

        assertEquals(List.of(".state", ".state/pending.tmp", "keep.rpz", "outside-dir", "rpz", "rpz/set.rpz.chunks",
                "rpz/set.rpz.chunks/1", "rpz/set.rpz.chunks/total"), tree(filesDir));
        assertEquals("link target\n", Files.readString(outsideFile));
        assertEquals("not ours\n", Files.readString(outside.resolve("foreign.tmp")));
        // The staged set is intact and completes.
        restarted.stageChunk("rpz/set.rpz", 2, 2, bytes("two\n")).orElseThrow().publish();
        assertArrayEquals(bytes("staged\ntwo\n"), Files.readAllBytes(filesDir.resolve("rpz/set.rpz")));
    }

    private static List<String> listing(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<String> tree(Path root) throws IOException {
        try (var entries = Files.walk(root)) {
            return entries.filter(p -> !p.equals(root))
                    .filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }
}
