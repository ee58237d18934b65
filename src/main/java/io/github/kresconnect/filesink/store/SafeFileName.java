package io.github.kresconnect.filesink.store;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * A file name from a record that passed the syntactic checks: relative, '/'-separated, no '.' or '..'
 * components, no hidden or reserved names, no control characters, bounded length. Whether it is safe on
 * disk (no symbolic links, no file where a directory is needed) is {@link FileLocation}'s concern.
 */
record SafeFileName(String value, List<String> components) {

    /** Suffixes the store derives from a name for its own files; a name ending with one would collide. */
    static final List<String> RESERVED_SUFFIXES = List.of(".tmp", ".backup", ".chunks");
    static final int MAX_TOTAL_BYTES = 1024;
    static final int MAX_COMPONENT_BYTES = 255;
    /**
     * The last component leaves room for the longest name derived from it ({@code F.backup.tmp},
     * {@code F.chunks.tmp}), so the file system never refuses a derived name with an I/O error that a
     * retry could not cure.
     */
    static final int MAX_FILE_COMPONENT_BYTES = MAX_COMPONENT_BYTES - ".backup.tmp".length();
    static final int MAX_COMPONENTS = 8;

    SafeFileName {
        components = List.copyOf(components);
    }

    static SafeFileName parse(String name) throws RejectedFileException {
        if (name == null || name.isEmpty()) {
            throw reject(name, "the name is empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == 0) {
                throw reject(name, "it contains a NUL character");
            }
            if (Character.isISOControl(c)) {
                throw reject(name, "it contains a control character");
            }
            if (c == '\\') {
                throw reject(name, "it contains a backslash");
            }
            if (Character.isSurrogate(c)) {
                boolean paired = Character.isHighSurrogate(c) && i + 1 < name.length()
                        && Character.isLowSurrogate(name.charAt(i + 1));
                if (!paired) {
                    throw reject(name, "it contains an unpaired UTF-16 surrogate (not representable in UTF-8)");
                }
                i++;
            }
        }
        if (name.startsWith("/")) {
            throw reject(name, "it is absolute; names are relative to the files directory");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_TOTAL_BYTES) {
            throw reject(name, "it is longer than " + MAX_TOTAL_BYTES + " bytes");
        }
        if (name.endsWith("/")) {
            throw reject(name, "it ends with '/'");
        }
        List<String> components = List.of(name.split("/", -1));
        if (components.size() > MAX_COMPONENTS) {
            throw reject(name, "it has more than " + MAX_COMPONENTS + " path components");
        }
        for (int i = 0; i < components.size(); i++) {
            String component = components.get(i);
            boolean last = i == components.size() - 1;
            if (component.isEmpty()) {
                throw reject(name, "it has an empty path component");
            }
            if (component.equals(".") || component.equals("..")) {
                throw reject(name, "it has a '" + component + "' component");
            }
            if (component.startsWith(".")) {
                throw reject(name, "component " + quote(component) + " is hidden (names starting with '.' are reserved)");
            }
            String lower = component.toLowerCase(Locale.ROOT);
            for (String suffix : RESERVED_SUFFIXES) {
                if (lower.endsWith(suffix)) {
                    throw reject(name, "component " + quote(component) + " ends with the reserved suffix '" + suffix + "'");
                }
            }
            int limit = last ? MAX_FILE_COMPONENT_BYTES : MAX_COMPONENT_BYTES;
            if (component.getBytes(StandardCharsets.UTF_8).length > limit) {
                throw reject(name, "a " + (last ? "file name" : "directory") + " component is longer than "
                        + limit + " bytes");
            }
        }
        return new SafeFileName(name, components);
    }

    List<String> directories() {
        return components.subList(0, components.size() - 1);
    }

    String fileName() {
        return components.get(components.size() - 1);
    }

    boolean hasSuffix(Iterable<String> suffixes) {
        String lower = value.toLowerCase(Locale.ROOT);
        for (String suffix : suffixes) {
            if (lower.endsWith(suffix.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return quote(value);
    }

    private static RejectedFileException reject(String name, String why) {
        return new RejectedFileException(RejectedFileException.Kind.UNSAFE_NAME, "unsafe file name " + quote(name) + ": " + why);
    }

    /**
     * The name in single quotes, printable whatever it holds: control characters, backslashes, quotes and
     * unpaired surrogates are escaped, and a very long name is shortened, so a hostile name cannot forge or
     * flood log lines.
     */
    static String quote(String name) {
        if (name == null) {
            return "(none)";
        }
        int shown = Math.min(name.length(), 200);
        StringBuilder out = new StringBuilder(shown + 16).append('\'');
        for (int i = 0; i < shown; i++) {
            char c = name.charAt(i);
            if (c == '\\' || c == '\'') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else if (Character.isISOControl(c) || Character.isSurrogate(c) && !pairedAt(name, i)
                    || c == '\u2028' || c == '\u2029') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
                if (Character.isHighSurrogate(c)) {
                    out.append(name.charAt(++i));
                }
            }
        }
        out.append('\'');
        if (shown < name.length()) {
            out.append("... (").append(name.length()).append(" characters)");
        }
        return out.toString();
    }

    private static boolean pairedAt(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
}
