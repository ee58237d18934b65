package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** faccessat(2) as the store asks it: is anything at a name, a symbolic link counted as itself. */
class LibCTest {
    @TempDir
    Path dir;

    @Test
    void tellsANewNameFromEveryKindOfFileThereLinksNotFollowed() throws Exception {
        assertNull(LibC.unavailable(), "the C library can be called on this Linux machine");
        Path file = Files.writeString(dir.resolve("file"), "x");
        Path directory = Files.createDirectory(dir.resolve("directory"));
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), file);

        assertEquals(Boolean.TRUE, LibC.nothingAt(dir.resolve("new-name")));
        assertEquals(Boolean.TRUE, LibC.nothingAt(file.resolve("under-a-file")), "lstat(2) fails there too");
        assertEquals(Boolean.FALSE, LibC.nothingAt(file));
        assertEquals(Boolean.FALSE, LibC.nothingAt(directory));
        assertEquals(Boolean.FALSE, LibC.nothingAt(link));
        assertEquals(Boolean.FALSE, LibC.nothingAt(dangling), "a link leading nowhere is something");
        Path unicode = Files.writeString(dir.resolve("zóna-ü.rpz"), "x");
        assertEquals(Boolean.FALSE, LibC.nothingAt(unicode), "names in the JDK's own encoding");
    }

    @Test
    void leavesANameOnAnotherFileSystemToTheCaller() throws Exception {
        try (var zip = java.nio.file.FileSystems.newFileSystem(dir.resolve("a.zip"),
                java.util.Map.of("create", "true"))) {
            assertNull(LibC.nothingAt(zip.getPath("/anything")));
        }
    }
}
