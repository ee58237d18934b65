package io.github.kresconnect.filesink.store;

import java.util.List;

import io.github.kresconnect.filesink.protocol.FileNames;
import io.github.kresconnect.filesink.protocol.InvalidFileNameException;

/**
 * A file name from a record that passed the syntactic checks of {@link FileNames}: relative, '/'-separated, no
 * '.' or '..' components, no hidden or reserved names, no control characters, bounded length. Whether it is
 * safe on disk (no symbolic links, no file where a directory is needed) is {@link FileLocation}'s concern.
 */
record SafeFileName(String value, List<String> components) {

    /** Suffixes the store derives from a name for its own files; a name ending with one would collide. */
    static final List<String> RESERVED_SUFFIXES = FileNames.RESERVED_SUFFIXES;
    static final int MAX_TOTAL_BYTES = FileNames.MAX_TOTAL_BYTES;
    static final int MAX_COMPONENT_BYTES = FileNames.MAX_COMPONENT_BYTES;
    /**
     * The last component leaves room for the longest name derived from it ({@code F.backup}, and the
     * {@code F.backup.tmp} and {@code F.chunks.tmp} of earlier versions), so the file system never refuses a
     * derived name with an I/O error that a
     * retry could not cure.
     */
    static final int MAX_FILE_COMPONENT_BYTES = FileNames.MAX_FILE_COMPONENT_BYTES;
    static final int MAX_COMPONENTS = FileNames.MAX_COMPONENTS;

    SafeFileName {
        components = List.copyOf(components);
    }

    static SafeFileName parse(String name) throws RejectedFileException {
        try {
            return new SafeFileName(name, FileNames.check(name));
        } catch (InvalidFileNameException e) {
            throw new RejectedFileException(RejectedFileException.Kind.UNSAFE_NAME, e.getMessage());
        }
    }

    List<String> directories() {
        return components.subList(0, components.size() - 1);
    }

    String fileName() {
        return components.get(components.size() - 1);
    }

    /** Whether the name marks a configuration file: one rule, shared with the publisher. */
    boolean hasSuffix(java.util.Collection<String> suffixes) {
        return io.github.kresconnect.filesink.protocol.ConfigFileValidator.isConfigFile(value, suffixes);
    }

    @Override
    public String toString() {
        return quote(value);
    }

    /**
     * The name in single quotes, printable whatever it holds: control characters, backslashes, quotes and
     * unpaired surrogates are escaped, and a very long name is shortened, so a hostile name cannot forge or
     * flood log lines.
     */
    static String quote(String name) {
        return FileNames.quote(name);
    }
}
