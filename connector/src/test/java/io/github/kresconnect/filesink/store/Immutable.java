package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * Makes a directory one the worker cannot write: read-only permissions for an ordinary user, the immutable
 * attribute ({@code chattr +i}) for root, whom permissions do not stop.
 */
final class Immutable {
    private Immutable() {
    }

    static void set(Path dir, boolean on) throws IOException, InterruptedException {
        if ("root".equals(System.getProperty("user.name"))) {
            Process chattr = new ProcessBuilder("chattr", on ? "+i" : "-i", dir.toString()).inheritIO().start();
            if (!chattr.waitFor(30, TimeUnit.SECONDS) || chattr.exitValue() != 0) {
                throw new IOException("chattr " + (on ? "+i " : "-i ") + dir + " failed");
            }
        } else {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(on ? "r-xr-xr-x" : "rwxr-xr-x"));
        }
    }
}
