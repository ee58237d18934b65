package io.github.kresconnect.filesink.store.powercut;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.store.DurableFiles;
import io.github.kresconnect.filesink.store.powercut.PowerCutFileSystem.Variant;

class PowerCutFileSystemTest {
    @TempDir
    Path temp;

    /** What a scenario does on the layer's root; the real directory may be prepared beforehand. */
    private interface Scenario {
        void run(Path root) throws IOException;
    }

    private interface Setup {
        void prepare(Path realRoot) throws IOException;
    }

    /** Runs {@code scenario} once per variant, each in a fresh real directory, cuts and reboots. */
    private Map<Variant, Path> everyVariant(Setup setup, Scenario scenario) throws IOException {
        Map<Variant, Path> result = new EnumMap<>(Variant.class);
        for (Variant variant : Variant.values()) {
            Path real = Files.createDirectory(temp.resolve(variant.name()));
            setup.prepare(real);
            PowerCutFileSystem layer = PowerCutFileSystem.over(real);
            scenario.run(layer.root());
            layer.cutNow();
            layer.reboot(variant, 42).close();
            result.put(variant, real);
        }
        return result;
    }

    private Map<Variant, Path> everyVariant(Scenario scenario) throws IOException {
        return everyVariant(real -> { }, scenario);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes a new file and leaves it unforced. */
    private static void create(Path file, String content) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            DurableFiles.writeFully(channel, ByteBuffer.wrap(bytes(content)));
        }
    }

    /** Writes a new file and forces it. */
    private static void createSynced(Path file, String content) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            DurableFiles.writeFully(channel, ByteBuffer.wrap(bytes(content)));
            channel.force(true);
        }
    }

    private static void forceFile(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.force(false);
        }
    }

    private static String read(Path real) throws IOException {
        return new String(Files.readAllBytes(real), StandardCharsets.UTF_8);
    }

    private static Set<String> names(Path realDir) throws IOException {
        try (Stream<Path> entries = Files.list(realDir)) {
            return entries.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(
                    TreeSet::new));
        }
    }

    private static Object inode(Path real) throws IOException {
        return Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    @Test
    void aFileForcedWithItsDirectorySurvivesEveryVariant() throws IOException {
        Map<Variant, Path> after = everyVariant(root -> {
            createSynced(root.resolve("a.conf"), "durable");
            DurableFiles.syncDirectory(root);
        });
        for (Map.Entry<Variant, Path> rebooted : after.entrySet()) {
            assertEquals(Set.of("a.conf"), names(rebooted.getValue()), rebooted.getKey().name());
            assertEquals("durable", read(rebooted.getValue().resolve("a.conf")), rebooted.getKey().name());
        }
    }

    @Test
    void aFileWrittenButNotForcedLosesItsData() throws IOException {
        Map<Variant, Path> after = everyVariant(root -> {
            create(root.resolve("a.conf"), "hello");
            DurableFiles.syncDirectory(root);
        });
        assertArrayEquals(new byte[0], Files.readAllBytes(after.get(Variant.DROP_UNSYNCED).resolve("a.conf")));
        assertArrayEquals(new byte[5], Files.readAllBytes(after.get(Variant.ZERO_FILLED).resolve("a.conf")));
        assertArrayEquals(new byte[0],
                Files.readAllBytes(after.get(Variant.ENTRIES_KEPT_DATA_LOST).resolve("a.conf")));
        byte[] torn = Files.readAllBytes(after.get(Variant.TORN_PAGES).resolve("a.conf"));
        assertTrue(torn.length == 0 || Arrays.equals(torn, new byte[5]) || Arrays.equals(torn, bytes("hello")),
                Arrays.toString(torn));
    }

    @Test
    void aFileWhoseEntryWasNeverMadeDurableIsGoneUnlessEntriesAreKept() throws IOException {
        Map<Variant, Path> after = everyVariant(root -> {
            createSynced(root.resolve("synced.conf"), "data");
            create(root.resolve("unsynced.conf"), "data");
        });
        for (Variant variant : List.of(Variant.DROP_UNSYNCED, Variant.ZERO_FILLED, Variant.TORN_PAGES)) {
            assertEquals(Set.of(), names(after.get(variant)), variant.name());
        }
        Path kept = after.get(Variant.ENTRIES_KEPT_DATA_LOST);
        assertEquals(Set.of("synced.conf", "unsynced.conf"), names(kept));
        assertEquals("data", read(kept.resolve("synced.conf")));
        assertEquals("", read(kept.resolve("unsynced.conf")));
    }

    @Test
    void whatWasThereAtTheStartIsDurable() throws IOException {
        Map<Variant, Path> after = everyVariant(real -> {
            Files.createDirectories(real.resolve("sub/deeper"));
            Files.writeString(real.resolve("sub/deeper/x"), "x");
            Files.writeString(real.resolve("top"), "top");
            Files.createLink(real.resolve("sub/top-link"), real.resolve("top"));
        }, root -> { });
        for (Map.Entry<Variant, Path> rebooted : after.entrySet()) {
            Path real = rebooted.getValue();
            assertEquals("x", read(real.resolve("sub/deeper/x")));
            assertEquals("top", read(real.resolve("top")));
            assertEquals(inode(real.resolve("top")), inode(real.resolve("sub/top-link")), rebooted.getKey().name());
        }
    }

    private static void prepareTarget(Path real) throws IOException {
        Files.writeString(real.resolve("target"), "old");
    }

    /** The atomic replacement: write a temporary file, (maybe) force it, rename it over the target. */
    private static void replace(Path root, boolean forceTemp) throws IOException {
        Path temp = root.resolve("target.new");
        if (forceTemp) {
            createSynced(temp, "new");
        } else {
            create(temp, "new");
        }
        Files.move(temp, root.resolve("target"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aRenameOverAFileIsNotDurableUntilItsDirectoryIsForced() throws IOException {
        Map<Variant, Path> after = everyVariant(PowerCutFileSystemTest::prepareTarget, root -> replace(root, true));
        assertEquals(Set.of("target"), names(after.get(Variant.DROP_UNSYNCED)));
        assertEquals("old", read(after.get(Variant.DROP_UNSYNCED).resolve("target")));
        assertEquals("old", read(after.get(Variant.ZERO_FILLED).resolve("target")));
        assertEquals("old", read(after.get(Variant.TORN_PAGES).resolve("target")));
        assertEquals(Set.of("target"), names(after.get(Variant.ENTRIES_KEPT_DATA_LOST)));
        assertEquals("new", read(after.get(Variant.ENTRIES_KEPT_DATA_LOST).resolve("target")));
    }

    @Test
    void aRenameWithItsDirectoryForcedHasTheNewContentEverywhere() throws IOException {
        Map<Variant, Path> after = everyVariant(PowerCutFileSystemTest::prepareTarget, root -> {
            replace(root, true);
            DurableFiles.syncDirectory(root);
        });
        for (Map.Entry<Variant, Path> rebooted : after.entrySet()) {
            assertEquals(Set.of("target"), names(rebooted.getValue()), rebooted.getKey().name());
            assertEquals("new", read(rebooted.getValue().resolve("target")), rebooted.getKey().name());
        }
    }

    @Test
    void aRenameOfUnsyncedDataLeavesAnEmptyOrZeroedTarget() throws IOException {
        Map<Variant, Path> after = everyVariant(PowerCutFileSystemTest::prepareTarget, root -> {
            replace(root, false);
            DurableFiles.syncDirectory(root);
        });
        assertArrayEquals(new byte[0], Files.readAllBytes(after.get(Variant.DROP_UNSYNCED).resolve("target")));
        assertArrayEquals(new byte[3], Files.readAllBytes(after.get(Variant.ZERO_FILLED).resolve("target")));
        assertArrayEquals(new byte[0],
                Files.readAllBytes(after.get(Variant.ENTRIES_KEPT_DATA_LOST).resolve("target")));
    }

    @Test
    void theLayersOwnReplaceIsDurable() throws IOException {
        Map<Variant, Path> after = everyVariant(PowerCutFileSystemTest::prepareTarget,
                root -> DurableFiles.replace(root.resolve("target"), bytes("replaced")));
        for (Map.Entry<Variant, Path> rebooted : after.entrySet()) {
            assertEquals(Set.of("target"), names(rebooted.getValue()), rebooted.getKey().name());
            assertEquals("replaced", read(rebooted.getValue().resolve("target")), rebooted.getKey().name());
        }
    }

    private static void prepareStore(Path real) throws IOException {
        Files.createDirectory(real.resolve("files"));
        Files.createDirectory(real.resolve("work"));
        Files.writeString(real.resolve("files/a.conf"), "v1");
        Files.setPosixFilePermissions(real.resolve("files/a.conf"), PosixFilePermissions.fromString("rw-r-----"));
    }

    /** The store's placement: a backup by hard link and rename, then the work file renamed over the target. */
    private static void place(Path root) throws IOException {
        Path work = root.resolve("work");
        Path target = root.resolve("files/a.conf");
        createSynced(work.resolve("t1.data"), "v2");
        Files.createLink(work.resolve("b1.link"), target);
        Files.move(work.resolve("b1.link"), root.resolve("files/a.conf.bak"), StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(work.resolve("b1.link"));
        Files.move(work.resolve("t1.data"), target, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void theBackupDanceIsDurableOnceTheTargetDirectoryIsForced() throws IOException {
        Map<Variant, Path> after = everyVariant(PowerCutFileSystemTest::prepareStore, root -> {
            place(root);
            DurableFiles.syncDirectory(root.resolve("files"));
        });
        for (Map.Entry<Variant, Path> rebooted : after.entrySet()) {
            Path real = rebooted.getValue();
            String variant = rebooted.getKey().name();
            assertEquals(Set.of("a.conf", "a.conf.bak"), names(real.resolve("files")), variant);
            assertEquals("v2", read(real.resolve("files/a.conf")), variant);
            assertEquals("v1", read(real.resolve("files/a.conf.bak")), variant);
            assertEquals("rw-r-----", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(real.resolve("files/a.conf.bak"))), variant);
            assertEquals(Set.of(), names(real.resolve("work")), variant);
        }
    }

    @Test
    void theBackupDanceWithoutAnyDirectoryForcedIsUndoneOrKeptWhole() throws IOException {
        Map<Variant, Path> after = everyVariant(PowerCutFileSystemTest::prepareStore, PowerCutFileSystemTest::place);
        Path dropped = after.get(Variant.DROP_UNSYNCED);
        assertEquals(Set.of("a.conf"), names(dropped.resolve("files")));
        assertEquals("v1", read(dropped.resolve("files/a.conf")));
        assertEquals(Set.of(), names(dropped.resolve("work")));
        Path kept = after.get(Variant.ENTRIES_KEPT_DATA_LOST);
        assertEquals(Set.of("a.conf", "a.conf.bak"), names(kept.resolve("files")));
        assertEquals("v2", read(kept.resolve("files/a.conf")));
        assertEquals("v1", read(kept.resolve("files/a.conf.bak")));
        assertEquals(Set.of(), names(kept.resolve("work")));
    }

    @Test
    void aHardLinkWhoseBothNamesAreDurableIsStillOneFile() throws IOException {
        Map<Variant, Path> after = everyVariant(PowerCutFileSystemTest::prepareStore, root -> {
            Files.createLink(root.resolve("work/b1.link"), root.resolve("files/a.conf"));
            DurableFiles.syncDirectory(root.resolve("work"));
        });
        for (Map.Entry<Variant, Path> rebooted : after.entrySet()) {
            Path real = rebooted.getValue();
            String variant = rebooted.getKey().name();
            assertEquals("v1", read(real.resolve("work/b1.link")), variant);
            assertEquals(inode(real.resolve("files/a.conf")), inode(real.resolve("work/b1.link")), variant);
            assertEquals(2, Files.getAttribute(real.resolve("files/a.conf"), "unix:nlink"), variant);
        }
    }

    @Test
    void aModeIsKeptAsItWasAtTheCut() throws IOException {
        Map<Variant, Path> after = everyVariant(root -> {
            createSynced(root.resolve("a"), "a");
            DurableFiles.syncDirectory(root);
            Files.setPosixFilePermissions(root.resolve("a"), PosixFilePermissions.fromString("r--r-----"));
            Files.getFileAttributeView(root.resolve("a"), java.nio.file.attribute.PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).setGroup(Files.readAttributes(root.resolve("a"),
                            java.nio.file.attribute.PosixFileAttributes.class).group());
        });
        for (Map.Entry<Variant, Path> rebooted : after.entrySet()) {
            assertEquals("r--r-----", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(rebooted.getValue().resolve("a"))), rebooted.getKey().name());
        }
    }

    @Test
    void aSubdirectoryWhoseParentWasNeverForcedDisappearsWithItsContent() throws IOException {
        Map<Variant, Path> after = everyVariant(root -> {
            Path sub = Files.createDirectory(root.resolve("sub"));
            createSynced(sub.resolve("x"), "x");
            DurableFiles.syncDirectory(sub);
        });
        for (Variant variant : List.of(Variant.DROP_UNSYNCED, Variant.ZERO_FILLED, Variant.TORN_PAGES)) {
            assertEquals(Set.of(), names(after.get(variant)), variant.name());
        }
        assertEquals("x", read(after.get(Variant.ENTRIES_KEPT_DATA_LOST).resolve("sub/x")));
    }

    @Test
    void aSubdirectoryWithItsParentForcedSurvives() throws IOException {
        Map<Variant, Path> after = everyVariant(root -> {
            Path sub = Files.createDirectories(root.resolve("sub/deeper"));
            createSynced(sub.resolve("x"), "x");
            DurableFiles.syncDirectory(sub);
            DurableFiles.syncDirectory(sub.getParent());
            DurableFiles.syncDirectory(root);
        });
        for (Map.Entry<Variant, Path> rebooted : after.entrySet()) {
            assertEquals("x", read(rebooted.getValue().resolve("sub/deeper/x")), rebooted.getKey().name());
        }
    }

    /** Two files, each written, forced and its directory forced: four forces. */
    private static void twoFiles(Path root) throws IOException {
        createSynced(root.resolve("a"), "1");
        DurableFiles.syncDirectory(root);
        createSynced(root.resolve("b"), "2");
        DurableFiles.syncDirectory(root);
    }

    @Test
    void aCutAtEveryForceFreezesTheImageThere() throws IOException {
        PowerCutFileSystem counting = PowerCutFileSystem.over(Files.createDirectory(temp.resolve("count")));
        twoFiles(counting.root());
        int forces = counting.durableOperations();
        assertEquals(4, forces);
        List<Set<String>> expected = List.of(Set.of(), Set.of(), Set.of("a"), Set.of("a"), Set.of("a", "b"));
        for (int k = 0; k <= forces; k++) {
            Path real = Files.createDirectory(temp.resolve("cut" + k));
            PowerCutFileSystem layer = PowerCutFileSystem.over(real);
            layer.cutAtOperation(k);
            try {
                twoFiles(layer.root());
                assertEquals(forces, k, "the scenario ran to its end with a cut armed at " + k);
                assertFalse(layer.isCut());
            } catch (IOException e) {
                assertEquals("power cut", e.getMessage());
                assertTrue(layer.isCut());
                assertEquals(k, layer.durableOperations());
            }
            layer.reboot(Variant.DROP_UNSYNCED, 1).close();
            assertEquals(expected.get(k), names(real), "cut at " + k);
            for (String name : names(real)) {
                assertEquals(name.equals("a") ? "1" : "2", read(real.resolve(name)), "cut at " + k);
            }
        }
    }

    @Test
    void afterTheCutEveryOperationFailsAndNothingMoreReachesTheImage() throws IOException {
        Path real = Files.createDirectory(temp.resolve("real"));
        PowerCutFileSystem layer = PowerCutFileSystem.over(real);
        Path root = layer.root();
        FileChannel open = FileChannel.open(root.resolve("a"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        DurableFiles.writeFully(open, ByteBuffer.wrap(bytes("abc")));
        DurableFiles.syncDirectory(root);
        layer.cutAtOperation(1);
        IOException cut = assertThrows(IOException.class, () -> open.force(true));
        assertEquals("power cut", cut.getMessage());

        for (Scenario operation : List.<Scenario>of(
                r -> open.write(ByteBuffer.wrap(bytes("def"))),
                r -> open.force(false),
                r -> open.truncate(0),
                r -> open.size(),
                r -> open.tryLock(),
                r -> FileChannel.open(r.resolve("a"), StandardOpenOption.READ).close(),
                r -> FileChannel.open(r.resolve("b"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close(),
                r -> Files.move(r.resolve("a"), r.resolve("c"), StandardCopyOption.ATOMIC_MOVE),
                r -> Files.delete(r.resolve("a")),
                r -> Files.createLink(r.resolve("d"), r.resolve("a")),
                r -> Files.createDirectory(r.resolve("e")),
                r -> Files.readAttributes(r.resolve("a"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS),
                r -> Files.newDirectoryStream(r).close(),
                r -> Files.setPosixFilePermissions(r.resolve("a"), PosixFilePermissions.fromString("rw-------")),
                r -> r.toRealPath(),
                DurableFiles::syncDirectory)) {
            IOException failure = assertThrows(IOException.class, () -> operation.run(root));
            assertEquals("power cut", failure.getMessage());
        }
        open.close(); // closing still works
        assertFalse(open.isOpen());

        // Behind the layer's back: neither reaches the image frozen at the cut.
        Files.writeString(real.resolve("a"), "abcdefgh");
        Files.writeString(real.resolve("late"), "late");

        layer.reboot(Variant.ZERO_FILLED, 1).close();
        assertEquals(Set.of("a"), names(real));
        assertArrayEquals(new byte[3], Files.readAllBytes(real.resolve("a")));
    }

    @Test
    void theEntriesAtTheCutAreTheOnesKept() throws IOException {
        Path real = Files.createDirectory(temp.resolve("real"));
        PowerCutFileSystem layer = PowerCutFileSystem.over(real);
        create(layer.root().resolve("a"), "a");
        layer.cutNow();
        Files.writeString(real.resolve("late"), "late");
        Files.delete(real.resolve("a"));
        layer.reboot(Variant.ENTRIES_KEPT_DATA_LOST, 1).close();
        assertEquals(Set.of("a"), names(real));
    }

    /** A journal: written and forced, then appended to through a write-only channel without a force. */
    private static void journal(Path root) throws IOException {
        Path journal = root.resolve("journal");
        createSynced(journal, "first;");
        DurableFiles.syncDirectory(root);
        try (FileChannel channel = FileChannel.open(journal, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            channel.position(channel.size());
            DurableFiles.writeFully(channel, ByteBuffer.wrap(bytes("second;")));
        }
    }

    @Test
    void anAppendNotForcedIsLostOrZeroed() throws IOException {
        Map<Variant, Path> after = everyVariant(PowerCutFileSystemTest::journal);
        assertEquals("first;", read(after.get(Variant.DROP_UNSYNCED).resolve("journal")));
        byte[] zeroed = new byte["first;second;".length()];
        System.arraycopy(bytes("first;"), 0, zeroed, 0, 6);
        assertArrayEquals(zeroed, Files.readAllBytes(after.get(Variant.ZERO_FILLED).resolve("journal")));
        assertEquals("first;", read(after.get(Variant.ENTRIES_KEPT_DATA_LOST).resolve("journal")));
    }

    @Test
    void anAppendForcedThroughAWriteOnlyChannelIsKept() throws IOException {
        Map<Variant, Path> after = everyVariant(root -> {
            journal(root);
            try (FileChannel channel = FileChannel.open(root.resolve("journal"), StandardOpenOption.WRITE)) {
                channel.position(channel.size());
                DurableFiles.writeFully(channel, ByteBuffer.wrap(bytes("third;")));
                channel.force(false);
                assertThrows(java.nio.channels.NonReadableChannelException.class,
                        () -> channel.read(ByteBuffer.allocate(1), 0));
            }
        });
        for (Map.Entry<Variant, Path> rebooted : after.entrySet()) {
            assertEquals("first;second;third;", read(rebooted.getValue().resolve("journal")),
                    rebooted.getKey().name());
        }
    }

    @Test
    void aForceOnAnyChannelToTheInodeCountsEvenAfterARename() throws IOException {
        Map<Variant, Path> after = everyVariant(root -> {
            FileChannel channel = FileChannel.open(root.resolve("a"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            DurableFiles.writeFully(channel, ByteBuffer.wrap(bytes("content")));
            Files.move(root.resolve("a"), root.resolve("b"), StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.syncDirectory(root);
            forceFile(root.resolve("b")); // another channel, same inode
            DurableFiles.writeFully(channel, ByteBuffer.wrap(bytes(" more")));
            channel.close();
        });
        for (Map.Entry<Variant, Path> rebooted : after.entrySet()) {
            if (rebooted.getKey() != Variant.TORN_PAGES) {
                assertEquals(Set.of("b"), names(rebooted.getValue()), rebooted.getKey().name());
            }
        }
        assertEquals("content", read(after.get(Variant.DROP_UNSYNCED).resolve("b")));
        assertEquals("content\0\0\0\0\0", read(after.get(Variant.ZERO_FILLED).resolve("b")));
    }

    @Test
    void aNewFileOnAReusedInodeNumberIsANewFile() throws IOException {
        Map<Variant, Path> after = everyVariant(root -> {
            for (int i = 0; i < 20; i++) {
                createSynced(root.resolve("old" + i), "old");
                DurableFiles.syncDirectory(root);
                Files.delete(root.resolve("old" + i));
                create(root.resolve("new" + i), "newer");
                DurableFiles.syncDirectory(root);
                Files.delete(root.resolve("new" + i));
            }
            create(root.resolve("last"), "newer");
            DurableFiles.syncDirectory(root);
        });
        assertEquals(Set.of("last"), names(after.get(Variant.DROP_UNSYNCED)));
        assertEquals("", read(after.get(Variant.DROP_UNSYNCED).resolve("last")));
    }

    @Test
    void tornPagesMixWrittenAndForcedPagesByTheSeed() throws IOException {
        int pages = 8;
        Set<String> patterns = new TreeSet<>();
        for (long seed = 0; seed < 6; seed++) {
            Path real = Files.createDirectory(temp.resolve("torn" + seed));
            PowerCutFileSystem layer = PowerCutFileSystem.over(real);
            Path file = layer.root().resolve("f");
            byte[] forced = new byte[pages * PowerCutFileSystem.PAGE];
            Arrays.fill(forced, (byte) 'A');
            byte[] written = new byte[pages * PowerCutFileSystem.PAGE];
            Arrays.fill(written, (byte) 'B');
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    StandardOpenOption.READ)) {
                DurableFiles.writeFully(channel, ByteBuffer.wrap(forced));
                channel.force(true);
                channel.position(0);
                DurableFiles.writeFully(channel, ByteBuffer.wrap(written));
            }
            DurableFiles.syncDirectory(layer.root());
            layer.reboot(Variant.TORN_PAGES, seed).close();
            byte[] torn = Files.readAllBytes(real.resolve("f"));
            assertEquals(forced.length, torn.length);
            StringBuilder pattern = new StringBuilder();
            for (int page = 0; page < pages; page++) {
                byte first = torn[page * PowerCutFileSystem.PAGE];
                assertTrue(first == 'A' || first == 'B');
                for (int i = 0; i < PowerCutFileSystem.PAGE; i++) {
                    assertEquals(first, torn[page * PowerCutFileSystem.PAGE + i], "page " + page + " is one page");
                }
                pattern.append((char) first);
            }
            patterns.add(pattern.toString());
        }
        assertTrue(patterns.stream().anyMatch(p -> p.contains("A") && p.contains("B")), patterns.toString());
        assertTrue(patterns.size() > 1, patterns.toString());
    }

    @Test
    void forcesFromManyThreadsAreAllAccountedFor() throws Exception {
        Path real = Files.createDirectory(temp.resolve("real"));
        PowerCutFileSystem layer = PowerCutFileSystem.over(real);
        Path root = layer.root();
        int threads = 8;
        int perThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        String name = "t" + thread + "-" + i;
                        createSynced(root.resolve(name), name);
                        create(root.resolve(name + ".unsynced"), name);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
        DurableFiles.syncDirectory(root);
        assertEquals(threads * perThread + 1, layer.durableOperations());
        layer.reboot(Variant.DROP_UNSYNCED, 1).close();
        assertEquals(2 * threads * perThread, names(real).size());
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) {
                String name = "t" + t + "-" + i;
                assertEquals(name, read(real.resolve(name)));
                assertEquals("", read(real.resolve(name + ".unsynced")));
            }
        }
    }

    @Test
    void pathsStayOnTheLayer() throws IOException {
        Path real = Files.createDirectory(temp.resolve("real"));
        Files.createDirectories(real.resolve("a/b"));
        Files.writeString(real.resolve("a/b/f"), "f");
        PowerCutFileSystem layer = PowerCutFileSystem.over(real);
        Path root = layer.root();
        assertEquals("powercut", root.getFileSystem().provider().getScheme());
        assertEquals(root, root.toRealPath());
        assertTrue(root.resolve("a/b").toRealPath().startsWith(root));
        assertEquals(root.getFileSystem().getPath("a", "b", "f"), root.relativize(root.resolve("a/b/f")));
        assertEquals(root.resolve("a"), root.resolve("a/b").getParent());
        assertEquals(root.resolve("a/b/f"), root.resolve("a/b").resolveSibling("b").resolve("f").normalize());
        assertNotEquals(real, root);
        assertThrows(UnsupportedOperationException.class, root::toFile);

        List<Path> visited = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                visited.add(file);
                return FileVisitResult.CONTINUE;
            }
        });
        assertEquals(List.of(root.resolve("a/b/f")), visited);
        try (var entries = Files.newDirectoryStream(root.resolve("a"))) {
            for (Path entry : entries) {
                assertEquals(root.resolve("a/b"), entry);
                assertTrue(Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS));
            }
        }
        try (FileChannel channel = FileChannel.open(root.resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            assertNotNull(lock);
            lock.release();
        }
        try (FileChannel in = FileChannel.open(root.resolve("a/b/f"), StandardOpenOption.READ);
                FileChannel out = FileChannel.open(root.resolve("copy"), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
            assertEquals(1, in.transferTo(0, 1, out));
            out.force(true);
        }
        DurableFiles.syncDirectory(root);
        layer.reboot(Variant.DROP_UNSYNCED, 1).close();
        assertEquals("f", read(real.resolve("copy")));
    }

    @Test
    void aBarrierMakesEveryFileAndEveryEntryUnderTheRootDurable() throws IOException {
        Map<Variant, Path> after = everyVariant(real -> Files.write(real.resolve("old"), bytes("old")), root -> {
            Path sub = Files.createDirectory(root.resolve("sub"));
            create(sub.resolve("a"), "a");
            create(root.resolve("b.new"), "b");
            Files.move(root.resolve("b.new"), root.resolve("b"), StandardCopyOption.ATOMIC_MOVE);
            Files.delete(root.resolve("old"));
            ((io.github.kresconnect.filesink.store.DurabilityBarrier) root.getFileSystem()).makeDurable(root);
        });
        after.forEach((variant, real) -> {
            try {
                assertEquals(Set.of("b", "sub"), names(real), variant.name());
                assertEquals("a", read(real.resolve("sub/a")), variant.name());
                assertEquals("b", read(real.resolve("b")), variant.name());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void whatIsWrittenAfterABarrierIsNotDurable() throws IOException {
        Map<Variant, Path> after = everyVariant(root -> {
            create(root.resolve("a"), "a");
            ((io.github.kresconnect.filesink.store.DurabilityBarrier) root.getFileSystem()).makeDurable(root);
            create(root.resolve("b"), "b");
            try (FileChannel channel = FileChannel.open(root.resolve("a"), StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                DurableFiles.writeFully(channel, ByteBuffer.wrap(bytes("more")));
            }
        });
        Path dropped = after.get(Variant.DROP_UNSYNCED);
        assertEquals(Set.of("a"), names(dropped));
        assertEquals("a", read(dropped.resolve("a")));
        assertEquals(Set.of("a", "b"), names(after.get(Variant.ENTRIES_KEPT_DATA_LOST)));
        assertEquals("a", read(after.get(Variant.ENTRIES_KEPT_DATA_LOST).resolve("a")));
        assertEquals("", read(after.get(Variant.ENTRIES_KEPT_DATA_LOST).resolve("b")));
    }

    @Test
    void aBarrierIsOneDurableOperationAndACutArmedForItTakesNoneOfItsEffect() throws IOException {
        Path real = Files.createDirectory(temp.resolve("barrier-cut"));
        PowerCutFileSystem layer = PowerCutFileSystem.over(real);
        createSynced(layer.root().resolve("a"), "a");
        assertEquals(1, layer.durableOperations());
        layer.cutAtOperation(1);
        create(layer.root().resolve("b"), "b");
        IOException cut = assertThrows(IOException.class,
                () -> ((io.github.kresconnect.filesink.store.DurabilityBarrier) layer.fileSystem()).makeDurable(
                        layer.root()));
        assertEquals("power cut", cut.getMessage());
        assertEquals(1, layer.durableOperations());
        layer.reboot(Variant.DROP_UNSYNCED, 1).close();
        assertEquals(Set.of(), names(real), "a's entry was never made durable, nor b's");

        Path again = Files.createDirectory(temp.resolve("barrier-counted"));
        PowerCutFileSystem counting = PowerCutFileSystem.over(again);
        create(counting.root().resolve("b"), "b");
        counting.barrier();
        assertEquals(1, counting.durableOperations());
        counting.reboot(Variant.DROP_UNSYNCED, 1).close();
        assertEquals(Set.of("b"), names(again));
    }
}
