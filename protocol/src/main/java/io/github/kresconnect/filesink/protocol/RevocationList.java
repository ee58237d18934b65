package io.github.kresconnect.filesink.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which keys are no longer trusted, and which version floors to lower: a file that travels like any other, under
 * the reserved name {@link #FILE_NAME}, whole (one record), signed (in form 2) by a key with role
 * {@link KeyRole#REVOCATION}. A host never writes it to its files directory: it keeps the newest list it verified
 * (the one with the highest signed version) and refuses every record signed by a key the list names.
 *
 * <p>The content is UTF-8 text, one entry a line, {@code \n} or {@code \r\n} line ends, blank lines and lines
 * starting with {@code #} ignored:
 * <pre>
 * resolver-revocations-v1
 * revoked-key=0123456789abcdef
 * reset-floor=zones/a.rpz 1764500000000
 * </pre>
 * {@code revoked-key}: a key id (16 lowercase hexadecimal digits). {@code reset-floor}: a file name, a space, and
 * a version: the file's version floor on each host is lowered to that version when it is higher (a key that
 * signed a version far ahead, then was revoked, must not keep the file's later versions out). A list replaces the
 * one before it entirely: a key stays revoked only while the newest list names it.
 *
 * @param revokedKeys the ids of the revoked keys
 * @param floorResets file name to the version its floor is lowered to
 */
public record RevocationList(Set<String> revokedKeys, Map<String, Long> floorResets) {
    /** The reserved file name a revocation list travels under. */
    public static final String FILE_NAME = "resolver-file-sink.revocations";
    /** The first line of the content. */
    public static final String FORMAT = "resolver-revocations-v1";
    /** The largest list a host reads, in bytes. */
    public static final int MAX_BYTES = 1024 * 1024;

    public RevocationList {
        revokedKeys = Set.copyOf(revokedKeys);
        floorResets = Map.copyOf(floorResets);
    }

    /** The list's content, as {@link #parse} reads it. */
    public byte[] toBytes() {
        StringBuilder text = new StringBuilder(FORMAT).append('\n');
        revokedKeys.stream().sorted().forEach(id -> text.append("revoked-key=").append(id).append('\n'));
        floorResets.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(reset -> text.append(
                "reset-floor=").append(reset.getKey()).append(' ').append(reset.getValue()).append('\n'));
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The list in {@code content}, checked line by line; an error names the line. */
    public static RevocationList parse(byte[] content) throws InvalidRevocationListException {
        if (content.length > MAX_BYTES) {
            throw new InvalidRevocationListException("a revocation list of " + content.length + " bytes is over the "
                    + "limit of " + MAX_BYTES);
        }
        String text = new String(content, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\r?\n", -1)));
        Set<String> keys = new LinkedHashSet<>();
        Map<String, Long> resets = new LinkedHashMap<>();
        boolean header = false;
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (!header) {
                if (!line.equals(FORMAT)) {
                    throw invalid(n, "expected the first line '" + FORMAT + "', found " + FileNames.quote(line));
                }
                header = true;
            } else if (line.startsWith("revoked-key=")) {
                String id = line.substring("revoked-key=".length()).strip();
                if (!ProtocolHeaders.isKeyId(id)) {
                    throw invalid(n, "key id " + FileNames.quote(id) + " is not " + ProtocolHeaders.KEY_ID_HEX_DIGITS
                            + " lowercase hexadecimal digits");
                }
                keys.add(id);
            } else if (line.startsWith("reset-floor=")) {
                String value = line.substring("reset-floor=".length()).strip();
                int space = value.lastIndexOf(' ');
                if (space < 0) {
                    throw invalid(n, "expected 'reset-floor=<file name> <version>', found " + FileNames.quote(line));
                }
                String name = value.substring(0, space).strip();
                try {
                    FileNames.check(name);
                    long version = ProtocolHeaders.parseDecimal("reset-floor", value.substring(space + 1));
                    if (resets.put(name, version) != null) {
                        throw invalid(n, "file " + FileNames.quote(name) + " has a second reset-floor");
                    }
                } catch (InvalidFileNameException | InvalidHeaderException e) {
                    throw invalid(n, e.getMessage());
                }
            } else {
                throw invalid(n, "expected 'revoked-key=<key id>' or 'reset-floor=<file name> <version>', found "
                        + FileNames.quote(line));
            }
        }
        if (!header) {
            throw new InvalidRevocationListException("a revocation list starts with the line '" + FORMAT + "'; this one "
                    + "is empty");
        }
        return new RevocationList(keys, resets);
    }

    private static InvalidRevocationListException invalid(int line, String what) {
        return new InvalidRevocationListException("revocation list, line " + (line + 1) + ": " + what);
    }
}
