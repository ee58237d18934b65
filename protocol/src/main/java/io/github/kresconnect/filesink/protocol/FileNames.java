package io.github.kresconnect.filesink.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The rules for the {@link ProtocolHeaders#FILE_NAME file name} of a record: relative, '/'-separated, no '.'
 * or '..' components, no hidden or reserved names, no control characters, backslashes or unpaired surrogates,
 * bounded length. The connector refuses every other name; the publisher checks names with the same rules
 * before sending anything. Whether a name is safe on disk (no symbolic link or file where a directory is
 * needed) is for the connector's store to decide.
 */
public final class FileNames {
    /** Suffixes the connector derives from a name for its own files; a name ending with one would collide. */
    public static final List<String> RESERVED_SUFFIXES = List.of(".tmp", ".backup", ".chunks");
    public static final int MAX_TOTAL_BYTES = 1024;
    public static final int MAX_COMPONENT_BYTES = 255;
    /**
     * The last component leaves room for the longest name derived from it ({@code F.backup}, and the
     * {@code F.backup.tmp} and {@code F.chunks.tmp} of earlier versions), so the file system never refuses a
     * derived name with an I/O error that a retry could not cure.
     */
    public static final int MAX_FILE_COMPONENT_BYTES = MAX_COMPONENT_BYTES - ".backup.tmp".length();
    public static final int MAX_COMPONENTS = 8;

    private static final int QUOTED_CHARACTERS = 200;

    private FileNames() {
    }

    /**
     * The name's components (directories, then the file), when the name follows the rules.
     *
     * @throws InvalidFileNameException naming the first rule the name breaks
     */
    public static List<String> check(String name) throws InvalidFileNameException {
        if (name == null || name.isEmpty()) {
            throw new InvalidFileNameException(name, "the name is empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == 0) {
                throw new InvalidFileNameException(name, "it contains a NUL character");
            }
            if (Character.isISOControl(c)) {
                throw new InvalidFileNameException(name, "it contains a control character");
            }
            if (c == '\\') {
                throw new InvalidFileNameException(name, "it contains a backslash");
            }
            if (Character.isSurrogate(c)) {
                if (!pairedAt(name, i)) {
                    throw new InvalidFileNameException(name,
                            "it contains an unpaired UTF-16 surrogate (not representable in UTF-8)");
                }
                i++;
            }
        }
        if (name.startsWith("/")) {
            throw new InvalidFileNameException(name, "it is absolute; names are relative to the files directory");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_TOTAL_BYTES) {
            throw new InvalidFileNameException(name, "it is longer than " + MAX_TOTAL_BYTES + " bytes");
        }
        if (name.endsWith("/")) {
            throw new InvalidFileNameException(name, "it ends with '/'");
        }
        List<String> components = List.of(name.split("/", -1));
        if (components.size() > MAX_COMPONENTS) {
            throw new InvalidFileNameException(name, "it has more than " + MAX_COMPONENTS + " path components");
        }
        for (int i = 0; i < components.size(); i++) {
            String component = components.get(i);
            boolean last = i == components.size() - 1;
            if (component.isEmpty()) {
                throw new InvalidFileNameException(name, "it has an empty path component");
            }
            if (component.equals(".") || component.equals("..")) {
                throw new InvalidFileNameException(name, "it has a '" + component + "' component");
            }
            if (component.startsWith(".")) {
                throw new InvalidFileNameException(name, "component " + quote(component)
                        + " is hidden (names starting with '.' are reserved)");
            }
            String lower = component.toLowerCase(Locale.ROOT);
            for (String suffix : RESERVED_SUFFIXES) {
                if (lower.endsWith(suffix)) {
                    throw new InvalidFileNameException(name, "component " + quote(component)
                            + " ends with the reserved suffix '" + suffix + "'");
                }
            }
            int limit = last ? MAX_FILE_COMPONENT_BYTES : MAX_COMPONENT_BYTES;
            if (component.getBytes(StandardCharsets.UTF_8).length > limit) {
                throw new InvalidFileNameException(name, "a " + (last ? "file name" : "directory")
                        + " component is longer than " + limit + " bytes");
            }
        }
        return components;
    }

    /**
     * The text in single quotes, printable whatever it holds: control characters, backslashes, quotes,
     * line and paragraph separators and unpaired surrogates are escaped, and a very long text is shortened,
     * so a hostile value cannot forge or flood log lines. {@code null} is {@code (none)}.
     */
    public static String quote(String text) {
        if (text == null) {
            return "(none)";
        }
        int shown = Math.min(text.length(), QUOTED_CHARACTERS);
        StringBuilder out = new StringBuilder(shown + 16).append('\'');
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            if (c == '\\' || c == '\'') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else if (Character.isISOControl(c) || Character.isSurrogate(c) && !pairedAt(text, i)
                    || c == '\u2028' || c == '\u2029') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
                if (Character.isHighSurrogate(c)) {
                    out.append(text.charAt(++i));
                }
            }
        }
        out.append('\'');
        if (shown < text.length()) {
            out.append("... (").append(text.length()).append(" characters)");
        }
        return out.toString();
    }

    private static boolean pairedAt(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
}
