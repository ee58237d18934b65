package io.github.kresconnect.filesink.store.powercut;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A file system over a real directory that can lose power: it remembers what was made durable (by {@code force}
 * on a file, or on a directory for its entries) apart from what was merely written, and after a cut rebuilds the
 * real directory as a disk would come back (see {@link Variant}). The package comment has the model.
 *
 * <p>Operations on paths of {@link #root()} go to the real file system at once; the layer only watches. Namespace
 * changes, opens and forces run one at a time; data writes run alongside each other but never alongside a force or
 * the cut, so the image taken at the cut is a consistent one.
 */
public final class PowerCutFileSystem implements Closeable {
    /** How a disk comes back after the power cut. */
    public enum Variant {
        /** Durable directory entries only; each file holds its last forced content (empty if never forced). */
        DROP_UNSYNCED,
        /**
         * Durable directory entries; a file keeps the length it had at the cut, the bytes beyond its last forced
         * content read as zeros (bytes within it keep their forced values).
         */
        ZERO_FILLED,
        /**
         * Durable directory entries; for each 4 KiB page a file holds either its forced or its written page
         * (zeros beyond the end of the one chosen), and its length is either the forced or the written one; the
         * choices come from the seed.
         */
        TORN_PAGES,
        /**
         * Every directory entry as it was at the cut (creations, renames, deletions all persisted), but file data
         * only as forced (empty if never forced): a file renamed before its data was synced.
         */
        ENTRIES_KEPT_DATA_LOST
    }

    static final int PAGE = 4096;

    private final Path realRoot;
    private final boolean withBarrier;
    private final PowerCutNioFileSystem fileSystem;
    private final Path root;
    private final ReentrantReadWriteLock io = new ReentrantReadWriteLock();
    private final Map<Object, Node> live = new HashMap<>();
    private final Set<PowerCutChannel> openChannels = ConcurrentHashMap.newKeySet();
    private final Node rootNode;
    private int nextId;
    private int completedForces;
    private int cutAfter = -1;
    private volatile boolean cut;
    private volatile boolean closed;
    private Image image;

    /** What the real tree held at one moment: every directory's entries, every file's content, every mode. */
    private static final class Image {
        final Map<Node, Map<String, Node>> entries = new IdentityHashMap<>();
        final Map<Node, byte[]> content = new IdentityHashMap<>();
        final Map<Node, Set<PosixFilePermission>> permissions = new IdentityHashMap<>();
    }

    private PowerCutFileSystem(Path realRoot, boolean withBarrier) throws IOException {
        this.realRoot = realRoot;
        this.withBarrier = withBarrier;
        this.fileSystem = withBarrier ? new PowerCutNioFileSystem.WithBarrier(this) : new PowerCutNioFileSystem(this);
        this.root = fileSystem.wrap(realRoot);
        rootNode = nodeFor(Files.readAttributes(realRoot, BasicFileAttributes.class));
        Image now = scan();
        for (Map.Entry<Node, Map<String, Node>> dir : now.entries.entrySet()) {
            dir.getKey().durableEntries = new TreeMap<>(dir.getValue());
        }
        for (Map.Entry<Node, byte[]> file : now.content.entrySet()) {
            file.getKey().durable = file.getValue();
        }
        for (Map.Entry<Node, Set<PosixFilePermission>> mode : now.permissions.entrySet()) {
            mode.getKey().permissions = mode.getValue();
        }
    }

    /**
     * A layer over {@code realRoot}, a directory; whatever is under it now counts as durable. Its file system
     * offers the store a barrier ({@link #barrier()}).
     */
    public static PowerCutFileSystem over(Path realRoot) throws IOException {
        return over(realRoot, true);
    }

    /**
     * As {@link #over(Path)}; {@code withBarrier} false: the file system offers no barrier, as where syncfs(2) is
     * not available, so the store fsyncs every file and directory on its own.
     */
    public static PowerCutFileSystem over(Path realRoot, boolean withBarrier) throws IOException {
        Path real = realRoot.toRealPath();
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(realRoot + " is not a directory");
        }
        return new PowerCutFileSystem(real, withBarrier);
    }

    /** The path of the real root on this file system; everything under it is tracked. */
    public Path root() {
        return root;
    }

    Path realRoot() {
        return realRoot;
    }

    /** How many {@code force} calls, on files or directories, have completed. */
    public int durableOperations() {
        Lock lock = io.writeLock();
        lock.lock();
        try {
            return completedForces;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Arms the cut: the {@code force} called after {@code n} have completed (number {@code n + 1}) cuts the power
     * instead of taking effect. When more than {@code n} have completed already, the power is cut now.
     */
    public void cutAtOperation(int n) throws IOException {
        if (n < 0) {
            throw new IllegalArgumentException("no force number " + n);
        }
        Lock lock = io.writeLock();
        lock.lock();
        try {
            if (cut) {
                return;
            }
            cutAfter = n;
            if (completedForces > n) {
                cutLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Cuts the power now: the image is frozen and every later operation fails. */
    public void cutNow() throws IOException {
        Lock lock = io.writeLock();
        lock.lock();
        try {
            if (!cut) {
                cutLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    public boolean isCut() {
        return cut;
    }

    /** The file system of {@link #root()}, for code that wants one. */
    public java.nio.file.FileSystem fileSystem() {
        return fileSystem;
    }

    private void cutLocked() throws IOException {
        image = scan();
        cut = true;
    }

    /**
     * Replaces the real tree under the real root with what survived the cut (cutting now when the power is still
     * on) in the given variant: the process is gone, so every channel still open is closed first. This layer
     * stays cut. Returns a new layer over the result, all of which is durable.
     */
    public PowerCutFileSystem reboot(Variant variant, long seed) throws IOException {
        cutNow();
        for (PowerCutChannel channel : new ArrayList<>(openChannels)) {
            try {
                channel.close();
            } catch (IOException e) {
                // the process died; nothing to report to
            }
        }
        Lock lock = io.writeLock();
        lock.lock();
        try {
            removeChildren(realRoot);
            Rebuild rebuild = new Rebuild(variant, new Random(seed));
            rebuild.directory(realRoot, rootNode);
        } finally {
            lock.unlock();
        }
        return over(realRoot, withBarrier);
    }

    /** Closes every channel still open through this layer; later operations fail. */
    @Override
    public void close() {
        closed = true;
        for (PowerCutChannel channel : new ArrayList<>(openChannels)) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing is best effort here
            }
        }
    }

    boolean isOpen() {
        return !closed;
    }

    // ---- what the provider and the channels call ----

    void check() throws IOException {
        if (closed) {
            throw new ClosedFileSystemException();
        }
        if (cut) {
            throw new IOException("power cut");
        }
    }

    /** Runs a namespace change or an open, alone. */
    <T> T exclusive(IoCall<T> call) throws IOException {
        Lock lock = io.writeLock();
        lock.lock();
        try {
            check();
            return call.call();
        } finally {
            lock.unlock();
        }
    }

    /** Runs a data write, alongside other writes but never alongside a force or the cut. */
    <T> T shared(IoCall<T> call) throws IOException {
        Lock lock = io.readLock();
        lock.lock();
        try {
            check();
            return call.call();
        } finally {
            lock.unlock();
        }
    }

    void opened(PowerCutChannel channel) {
        openChannels.add(channel);
    }

    void closed(PowerCutChannel channel) {
        openChannels.remove(channel);
    }

    /** The model node of an inode, a new one when the inode was never seen (or was another kind of file). */
    Node nodeFor(BasicFileAttributes attributes) {
        Node node = live.get(attributes.fileKey());
        Node.Kind kind = kindOf(attributes);
        if (node == null || node.kind != kind) {
            node = fresh(attributes);
        }
        return node;
    }

    /** A new node for a file just created: nothing of it is durable, whatever its inode number was before. */
    Node fresh(BasicFileAttributes attributes) {
        Node node = new Node(nextId++, kindOf(attributes), attributes.fileKey());
        live.put(attributes.fileKey(), node);
        return node;
    }

    private static Node.Kind kindOf(BasicFileAttributes attributes) {
        if (attributes.isRegularFile()) {
            return Node.Kind.FILE;
        }
        if (attributes.isDirectory()) {
            return Node.Kind.DIRECTORY;
        }
        if (attributes.isSymbolicLink()) {
            return Node.Kind.SYMLINK;
        }
        return Node.Kind.OTHER;
    }

    /** fsync(2) of the channel's inode: a file's content, or a directory's entries, become durable as they are. */
    void force(PowerCutChannel channel) throws IOException {
        Lock lock = io.writeLock();
        lock.lock();
        try {
            check();
            if (cutAfter >= 0 && completedForces >= cutAfter) {
                cutLocked();
                check();
            }
            Node node = channel.node;
            if (node.kind == Node.Kind.DIRECTORY) {
                Path dir = locate(node, channel.openedAt);
                node.durableEntries = dir == null ? new TreeMap<>() : entries(dir);
            } else if (node.kind == Node.Kind.FILE) {
                byte[] content = channel.contentForModel();
                if (content == null) {
                    Path file = locate(node, channel.openedAt);
                    content = file == null ? null : Files.readAllBytes(file);
                }
                if (content != null) {
                    node.durable = content;
                }
            }
            completedForces++;
        } finally {
            lock.unlock();
        }
    }

    /**
     * syncfs(2) of the layer: every file's data and every directory's entries under the root become durable as
     * they are now. One durable operation: {@link #cutAtOperation} counts it as one force, and a cut armed for it
     * happens before any of it takes effect.
     */
    public void barrier() throws IOException {
        Lock lock = io.writeLock();
        lock.lock();
        try {
            check();
            if (cutAfter >= 0 && completedForces >= cutAfter) {
                cutLocked();
                check();
            }
            Image now = scan();
            for (Map.Entry<Node, Map<String, Node>> dir : now.entries.entrySet()) {
                dir.getKey().durableEntries = new TreeMap<>(dir.getValue());
            }
            for (Map.Entry<Node, byte[]> file : now.content.entrySet()) {
                file.getKey().durable = file.getValue();
            }
            completedForces++;
        } finally {
            lock.unlock();
        }
    }

    /** A real path to the node's inode: {@code hint} when it still names it, else one found under the root. */
    private Path locate(Node node, Path hint) throws IOException {
        if (live.get(node.key) != node) {
            return null; // its inode number names another file now: this one has no name left
        }
        if (node.key.equals(keyOf(hint))) {
            return hint;
        }
        Path[] found = new Path[1];
        Files.walkFileTree(realRoot, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                return visitFile(dir, attributes);
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (node.key.equals(attributes.fileKey())) {
                    found[0] = file;
                    return FileVisitResult.TERMINATE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return found[0];
    }

    private static Object keyOf(Path real) {
        try {
            return Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** A directory's entries as they are now. */
    private Map<String, Node> entries(Path dir) throws IOException {
        Map<String, Node> entries = new TreeMap<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path child : stream) {
                try {
                    entries.put(child.getFileName().toString(), nodeFor(
                            Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)));
                } catch (NoSuchFileException e) {
                    // gone meanwhile
                }
            }
        }
        return entries;
    }

    /** The real tree as it is now. */
    private Image scan() throws IOException {
        Image now = new Image();
        scan(realRoot, rootNode, now);
        return now;
    }

    private void scan(Path dir, Node node, Image now) throws IOException {
        Map<String, Node> entries = entries(dir);
        now.entries.put(node, entries);
        now.permissions.put(node, permissions(dir));
        for (Map.Entry<String, Node> entry : entries.entrySet()) {
            Node child = entry.getValue();
            Path path = dir.resolve(entry.getKey());
            switch (child.kind) {
                case DIRECTORY -> {
                    if (!now.entries.containsKey(child)) {
                        scan(path, child, now);
                    }
                }
                case FILE -> {
                    if (!now.content.containsKey(child)) {
                        now.content.put(child, Files.readAllBytes(path));
                        now.permissions.put(child, permissions(path));
                    }
                }
                case SYMLINK -> {
                    if (child.linkTarget == null) {
                        child.linkTarget = Files.readSymbolicLink(path);
                    }
                }
                default -> {
                    // sockets, pipes and devices are not modelled
                }
            }
        }
    }

    private static Set<PosixFilePermission> permissions(Path path) throws IOException {
        try {
            return Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).permissions();
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    /** Removes everything under {@code dir} (not {@code dir} itself), whatever the modes. */
    private static void removeChildren(Path dir) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(children::add);
        }
        for (Path child : children) {
            if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                Set<PosixFilePermission> mode = new HashSet<>(permissions(child));
                mode.addAll(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                        PosixFilePermission.OWNER_EXECUTE));
                Files.setPosixFilePermissions(child, mode);
                removeChildren(child);
            }
            Files.delete(child);
        }
    }

    /** Builds the surviving tree from the model (and the image of the cut). */
    private final class Rebuild {
        private final Variant variant;
        private final Random random;
        private final Map<Node, Path> files = new IdentityHashMap<>();
        private final Set<Node> directories = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

        Rebuild(Variant variant, Random random) {
            this.variant = variant;
            this.random = random;
        }

        void directory(Path dir, Node node) throws IOException {
            directories.add(node);
            Map<String, Node> entries = variant == Variant.ENTRIES_KEPT_DATA_LOST
                    ? image.entries.getOrDefault(node, node.durableEntries)
                    : node.durableEntries;
            for (Map.Entry<String, Node> entry : new TreeMap<>(entries).entrySet()) {
                Node child = entry.getValue();
                Path path = dir.resolve(entry.getKey());
                switch (child.kind) {
                    case DIRECTORY -> {
                        // a directory has one name: one reached a second time (moved, both parents synced) stays
                        // where it was met first
                        if (!directories.contains(child)) {
                            Files.createDirectory(path);
                            directory(path, child);
                            setMode(path, child);
                        }
                    }
                    case FILE -> {
                        Path first = files.get(child);
                        if (first != null) {
                            Files.createLink(path, first);
                        } else {
                            Files.write(path, content(child));
                            setMode(path, child);
                            files.put(child, path);
                        }
                    }
                    case SYMLINK -> {
                        if (child.linkTarget != null) {
                            Files.createSymbolicLink(path, child.linkTarget);
                        }
                    }
                    default -> {
                        // not modelled: not brought back
                    }
                }
            }
        }

        private void setMode(Path path, Node node) throws IOException {
            Set<PosixFilePermission> mode = image.permissions.getOrDefault(node, node.permissions);
            if (mode != null) {
                Files.setPosixFilePermissions(path, mode);
            }
        }

        private byte[] content(Node file) {
            byte[] durable = file.durable;
            byte[] written = image.content.getOrDefault(file, durable);
            switch (variant) {
                case ZERO_FILLED -> {
                    byte[] result = new byte[written.length];
                    System.arraycopy(durable, 0, result, 0, Math.min(durable.length, written.length));
                    return result;
                }
                case TORN_PAGES -> {
                    int length = random.nextBoolean() ? durable.length : written.length;
                    byte[] result = new byte[length];
                    for (int page = 0; page < length; page += PAGE) {
                        byte[] from = random.nextBoolean() ? durable : written;
                        int end = Math.min(Math.min(page + PAGE, length), from.length);
                        if (end > page) {
                            System.arraycopy(from, page, result, page, end - page);
                        }
                    }
                    return result;
                }
                default -> {
                    return durable;
                }
            }
        }
    }

    @Override
    public String toString() {
        return "power-cut layer over " + realRoot + (cut ? " (cut)" : "");
    }
}
