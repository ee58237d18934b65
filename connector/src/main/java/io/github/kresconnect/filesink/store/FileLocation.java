package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * Where a safe name lives on disk: its directory inside the files directory (created as needed) and the
 * names the store derives from it. Resolving refuses every way out of the files directory: an existing
 * component that is a symbolic link, a directory whose real path lies outside, and conflicts that could
 * never be resolved by retrying (a file where a directory is needed, a directory where the file goes).
 */
record FileLocation(SafeFileName name, Path dir) {

    Path target() {
        return dir.resolve(name.fileName());
    }

    Path backup() {
        return derived(".backup");
    }

    private Path derived(String suffix) {
        return dir.resolve(name.fileName() + suffix);
    }

    /**
     * Checks every existing component of {@code name} under {@code realFilesDir} (a real path), then
     * creates the missing directories, each made durable in its parent.
     */
    static FileLocation resolve(Path realFilesDir, SafeFileName name) throws RejectedFileException, IOException {
        return resolve(realFilesDir, name, true).orElseThrow();
    }

    /** Like {@link #resolve(Path, SafeFileName)} but creates nothing: empty when a directory is missing. */
    static Optional<FileLocation> resolveExisting(Path realFilesDir, SafeFileName name)
            throws RejectedFileException, IOException {
        return resolve(realFilesDir, name, false);
    }

    private static Optional<FileLocation> resolve(Path realFilesDir, SafeFileName name, boolean createMissing)
            throws RejectedFileException, IOException {
        Path current = realFilesDir;
        int existing = 0;
        for (String component : name.directories()) {
            Path next = current.resolve(component);
            Optional<BasicFileAttributes> attributes = attributesOf(next);
            if (attributes.isEmpty()) {
                break;
            }
            requireDirectory(name, next, attributes.get(), realFilesDir);
            current = next;
            existing++;
        }
        requireInside(name, current, realFilesDir);
        if (existing < name.directories().size() && !createMissing) {
            return Optional.empty();
        }
        for (String component : name.directories().subList(existing, name.directories().size())) {
            Path next = current.resolve(component);
            try {
                Files.createDirectory(next);
                DurableFiles.syncDirectory(current);
            } catch (FileAlreadyExistsException e) {
                // Appeared meanwhile: acceptable only if it is a real directory.
                requireDirectory(name, next, attributesOf(next).orElseThrow(() -> e), realFilesDir);
            }
            current = next;
        }
        requireInside(name, current, realFilesDir);
        FileLocation location = new FileLocation(name, current);
        location.checkOwnNames(realFilesDir);
        return Optional.of(location);
    }

    /** The target and, when there is one to back up, its backup name must be of a kind the store can replace. */
    private void checkOwnNames(Path realFilesDir) throws RejectedFileException, IOException {
        // a new file's name, the common case, is found free without the cost of a NoSuchFileException
        Optional<BasicFileAttributes> target = LibC.nothingAt(target()) == Boolean.TRUE ? Optional.empty()
                : attributesOf(target());
        if (target.isPresent()) {
            if (target.get().isSymbolicLink()) {
                throw reject("'" + relative(realFilesDir, target()) + "' is a symbolic link");
            }
            if (target.get().isDirectory()) {
                throw reject("'" + relative(realFilesDir, target()) + "' is a directory");
            }
            if (!target.get().isRegularFile()) {
                throw reject("'" + relative(realFilesDir, target()) + "' is not a regular file");
            }
        }
        if (target.isEmpty()) {
            // A new file: its placement makes no backup. Its backup name is looked at when a version replaces it
            // (a look that costs a new file's lookup in the directory: most of what a new file cost the task).
            return;
        }
        Path backupPath = backup();
        Optional<BasicFileAttributes> backup = mayExist(backupPath) ? attributesOf(backupPath) : Optional.empty();
        if (backup.isPresent() && backup.get().isDirectory()) {
            throw reject("'" + relative(realFilesDir, backupPath) + "' is a directory, where the store keeps the "
                    + "previous version");
        }
    }

    private static void requireDirectory(SafeFileName name, Path path, BasicFileAttributes attributes,
            Path realFilesDir) throws RejectedFileException {
        if (attributes.isSymbolicLink()) {
            throw rejectName(name, "'" + relative(realFilesDir, path) + "' is a symbolic link");
        }
        if (!attributes.isDirectory()) {
            throw rejectName(name, "'" + relative(realFilesDir, path) + "' exists and is not a directory");
        }
    }

    private static void requireInside(SafeFileName name, Path dir, Path realFilesDir)
            throws RejectedFileException, IOException {
        if (!dir.equals(realFilesDir) && !dir.toRealPath().startsWith(realFilesDir)) {
            throw rejectName(name, "it resolves outside the files directory");
        }
    }

    /**
     * False when {@code path} leads to no file: nothing is there, or at most a symbolic link to nothing. Asks the
     * default file system without the cost of an exception (a stack trace each time the answer is "none", the
     * common case of a new file); on any other file system it is always true, and the caller looks for itself.
     */
    static boolean mayExist(Path path) {
        return path.getFileSystem() != FileSystems.getDefault() || path.toFile().exists();
    }

    static Optional<BasicFileAttributes> attributesOf(Path path) throws IOException {
        try {
            return Optional.of(Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static String relative(Path realFilesDir, Path path) {
        return realFilesDir.relativize(path).toString();
    }

    private RejectedFileException reject(String why) {
        return rejectName(name, why);
    }

    private static RejectedFileException rejectName(SafeFileName name, String why) {
        return new RejectedFileException(RejectedFileException.Kind.PATH_CONFLICT, "cannot write file " + name + ": " + why);
    }
}
