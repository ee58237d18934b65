package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NotDirectoryException;
import java.util.List;

/**
 * Sorts file-system failures by who can fix them. A failure that belongs to one record's path and will
 * not heal by waiting (a foreign directory the worker may not write, a loop, a read-only or other file
 * system under the files directory) is permanent for that record; anything else is the environment.
 */
final class PathFailures {
    private static final List<String> PERMANENT_REASONS = List.of("Read-only file system",
            "Too many levels of symbolic links", "Not a directory", "Is a directory", "Invalid cross-device link",
            "File name too long", "Permission denied", "Operation not permitted");

    private PathFailures() {
    }

    static boolean isPermanentForPath(IOException e) {
        if (e instanceof AccessDeniedException || e instanceof NotDirectoryException
                || e instanceof FileSystemLoopException || e instanceof AtomicMoveNotSupportedException) {
            return true;
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return PERMANENT_REASONS.stream().anyMatch(fse.getReason()::contains);
        }
        return false;
    }

    static String describe(IOException e) {
        if (e instanceof FileSystemException fse) {
            String reason = fse.getReason() != null ? fse.getReason()
                    : e instanceof AccessDeniedException ? "permission denied"
                    : e.getClass().getSimpleName();
            return reason + (fse.getFile() != null ? " (" + fse.getFile() + ")" : "");
        }
        return e.toString();
    }
}
