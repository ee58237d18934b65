package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a committed work file at its final path: the file in place becomes {@code F.backup} (a hard link, so
 * there is never a moment without {@code F}), then the work file is renamed over {@code F}. A reader sees the old
 * or the new file, never a mix or none. Also tells whether the file in place is still the one the store put
 * there, and sorts failures on one file's path from failures of the files directory.
 */
final class Placement {
    private static final Logger log = LoggerFactory.getLogger(Placement.class);

    private final Path realFilesDir;
    private final WorkFiles work;
    private final StoreSettings settings;
    private final FileStore.StepHook hook;

    Placement(Path realFilesDir, WorkFiles work, StoreSettings settings, FileStore.StepHook hook) {
        this.realFilesDir = realFilesDir;
        this.work = work;
        this.settings = settings;
        this.hook = hook;
    }

    /** Resolves the file's directory (creating it) and checks that the worker may write there. */
    FileLocation resolveWritable(SafeFileName name) throws RejectedFileException, IOException {
        FileLocation location;
        try {
            location = FileLocation.resolve(realFilesDir, name);
        } catch (IOException e) {
            throw classify(name, null, e);
        }
        if (!location.dir().equals(realFilesDir) && !Files.isWritable(location.dir())) {
            throw new RejectedFileException(RejectedFileException.Kind.PATH_CONFLICT, "cannot write file " + name
                    + ": directory '" + realFilesDir.relativize(location.dir()) + "' is not writable by this worker");
        }
        return location;
    }

    /** Where a file was put, and its identity right after ({@link #identity(Path)}; null when unknown). */
    record Placed(FileLocation location, String identity) {
    }

    /**
     * Creates work file {@code data} for a file's next version, with {@code files.mode} from the start (what the
     * umask leaves of it): a new file then needs no chmod before it is put in place.
     */
    FileChannel createData(Path data) throws IOException {
        return DurableFiles.createNew(data, settings.newFileMode());
    }

    /**
     * A work file as its writer left it: its attributes (null where the file system has no POSIX ones) and its
     * identity ({@link #identity(Path)}), which the rename into place keeps.
     */
    record WorkFile(PosixFileAttributes attributes, String identity) {
    }

    /** Looks at work file {@code data} once it is written, so that putting it in place need not. */
    static WorkFile describe(Path data) throws IOException {
        try {
            PosixFileAttributes attributes = Files.readAttributes(data, PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return new WorkFile(attributes, identity(attributes));
        } catch (UnsupportedOperationException e) {
            return new WorkFile(null, identity(Files.readAttributes(data, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS)));
        }
    }

    /**
     * Puts work file {@code t<seq>.data} at {@code name}; {@code known} is where it was resolved (or null),
     * {@code written} what {@link #describe} found of the work file (or null: it is looked at here). Does not sync
     * the directory: the caller syncs the directories of a round's files together.
     */
    Placed place(SafeFileName name, long seq, FileLocation known, WorkFile written)
            throws RejectedFileException, IOException {
        return place(name, seq, known, written, null);
    }

    /**
     * As {@link #place(SafeFileName, long, FileLocation, WorkFile)}, with the backup taken from work file
     * {@code backupSeq} (the version committed right before this one, superseded before it reached the final path)
     * instead of the file in place; null: from the file in place.
     */
    Placed place(SafeFileName name, long seq, FileLocation known, WorkFile written, Long backupSeq)
            throws RejectedFileException, IOException {
        FileLocation location = known != null ? known : resolveWritable(name);
        Path target = location.target();
        Path data = work.data(seq);
        String identity;
        try {
            PosixFileAttributes previous = null;
            boolean replacing;
            if (!FileLocation.mayExist(target)) {
                replacing = false; // the common case of a new file, without the cost of a NoSuchFileException
            } else {
                try {
                    previous = Files.readAttributes(target, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    replacing = true;
                } catch (NoSuchFileException e) {
                    replacing = false;
                } catch (UnsupportedOperationException e) {
                    replacing = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
                }
            }
            if (replacing && sameFile(data, target)) {
                // The rename was done and its directory made durable, but the work directory still names the
                // file (a power cut between the two directories' syncs): only the work name goes.
                Files.delete(data);
                hook.reached("place:renamed");
                return new Placed(location, identity(target).orElse(null));
            }
            // One look at the work file (the writer's, or a stat here) gives its mode and its identity, which the
            // rename keeps (same inode, size and modification time).
            identity = setOwnership(data, previous, written != null ? written : describe(data));
            if (backupSeq != null) {
                Files.move(work.data(backupSeq), location.backup(), StandardCopyOption.ATOMIC_MOVE);
                hook.reached("place:backup-renamed");
            } else if (replacing) {
                Path link = work.backupLink(seq);
                Files.deleteIfExists(link);
                try {
                    Files.createLink(link, target);
                } catch (UnsupportedOperationException | FileSystemException e) {
                    DurableFiles.copy(target, link);
                }
                hook.reached("place:backup-linked");
                Files.move(link, location.backup(), StandardCopyOption.ATOMIC_MOVE);
                Files.deleteIfExists(link); // rename(2) keeps both names when they are one file already
                hook.reached("place:backup-renamed");
            }
            Files.move(data, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw classify(name, location.dir(), e);
        }
        hook.reached("place:renamed");
        return new Placed(location, identity);
    }

    /**
     * True when the file at {@code name} is {@code known}, untouched since the store put it there: same size,
     * time and inode as right after. A file whose identity is not known is never taken for in place.
     */
    boolean isInPlace(SafeFileName name, StoreState.PlacedFile known) throws IOException {
        if (known == null || known.identity() == null) {
            return false;
        }
        Optional<FileLocation> location;
        try {
            location = FileLocation.resolveExisting(realFilesDir, name);
        } catch (RejectedFileException e) {
            return false;
        }
        return location.isPresent() && known.identity().equals(identity(location.get().target()).orElse(null));
    }

    /** What a file looks like now: size, modification time and inode; empty when there is none. */
    static Optional<String> identity(Path file) throws IOException {
        if (!FileLocation.mayExist(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(identity(Files.readAttributes(file, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static String identity(BasicFileAttributes attributes) {
        return attributes.size() + "/" + attributes.lastModifiedTime().toInstant() + "/" + attributes.fileKey();
    }

    /**
     * A failure on one file's path is that record's when it will not heal (and the files directory and the
     * store's own directory are usable); otherwise it is the environment's and is thrown as it is.
     */
    IOException classify(SafeFileName name, Path dir, IOException e) throws RejectedFileException {
        boolean environment = !Files.isWritable(realFilesDir) || !Files.isWritable(work.dir())
                || realFilesDir.equals(dir) && !(e instanceof AtomicMoveNotSupportedException);
        if (!environment && PathFailures.isPermanentForPath(e)) {
            throw new RejectedFileException(RejectedFileException.Kind.PATH_CONFLICT, "cannot write file " + name + ": "
                    + PathFailures.describe(e));
        }
        return e;
    }

    private static boolean sameFile(Path a, Path b) throws IOException {
        Optional<BasicFileAttributes> first = FileLocation.attributesOf(a);
        Optional<BasicFileAttributes> second = FileLocation.attributesOf(b);
        return first.isPresent() && second.isPresent() && first.get().fileKey() != null
                && first.get().fileKey().equals(second.get().fileKey());
    }

    /**
     * A replaced file's successor keeps its mode, and its group where the worker may set it (the worker's user
     * is the resolver's or in its group); a new file gets {@code files.mode}, which it mostly has from its creation
     * already. Returns the work file's identity.
     */
    private String setOwnership(Path data, PosixFileAttributes previous, WorkFile written) throws IOException {
        PosixFileAttributes now = written.attributes();
        if (now == null) {
            return written.identity(); // not a POSIX file system: its own defaults apply
        }
        Set<PosixFilePermission> mode = previous != null ? previous.permissions() : settings.newFileMode();
        if (!now.permissions().equals(mode)) {
            Files.setPosixFilePermissions(data, mode);
        }
        if (previous != null) {
            try {
                Files.getFileAttributeView(data, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setGroup(previous.group());
            } catch (IOException e) {
                log.debug("Could not give {} the group {} of the file it replaces: {}", data, previous.group(),
                        e.toString());
            }
        }
        return written.identity();
    }
}
