package io.github.kresconnect.filesink.config;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** An octal file mode as operators write it ({@code 0644}), as the permissions it stands for. */
final class FileMode {
    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    private FileMode() {
    }

    static Set<PosixFilePermission> parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        if (!trimmed.matches("0?[0-7]{3}")) {
            throw new IllegalArgumentException("must be an octal mode of three digits, optionally after a 0, such as "
                    + "0644 (no setuid, setgid or sticky bits)");
        }
        int mode = Integer.parseInt(trimmed, 8);
        if ((mode & 0400) == 0) {
            throw new IllegalArgumentException("must let the owner read the file (0400)");
        }
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        for (int bit = 0; bit < BITS.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                permissions.add(BITS[bit]);
            }
        }
        return permissions;
    }
}
