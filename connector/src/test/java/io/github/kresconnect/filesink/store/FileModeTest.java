package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Published files get the right mode: a new file the configured one, a replaced file its predecessor's. */
class FileModeTest {
    @TempDir
    Path filesDir;
    StoreDriver driver;

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private StoreDriver driver(String mode) throws Exception {
        StoreSettings defaults = StoreFixtures.settings();
        driver = new StoreDriver(filesDir, new StoreSettings(defaults.configSuffixes(), defaults.maxFileBytes(),
                defaults.maxConfigBytes(), defaults.staleAfter(), PosixFilePermissions.fromString(mode)),
                FileStore.StepHook.NONE);
        return driver;
    }

    private String mode(String name) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(filesDir.resolve(name),
                LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aNewFileGetsTheConfiguredModeWhateverTheUmask() throws Exception {
        driver("rw-r-----");
        driver.whole("small.rpz", "a\n");
        driver.chunk("chunked.rpz", 1, 2, "b\n");
        driver.chunk("chunked.rpz", 2, 2, "c\n");
        driver.whole("config.yaml", "a: 1\n");
        driver.commit();
        assertEquals("rw-r-----", mode("small.rpz"));
        assertEquals("rw-r-----", mode("chunked.rpz"));
        assertEquals("rw-r-----", mode("config.yaml"));
    }

    @Test
    void aReplacedFileKeepsItsPredecessorsModeAndGroup() throws Exception {
        driver("rw-r--r--");
        Files.writeString(filesDir.resolve("zone.rpz"), "placed by the operator\n");
        Files.setPosixFilePermissions(filesDir.resolve("zone.rpz"), PosixFilePermissions.fromString("rw-rw----"));
        boolean root = "root".equals(System.getProperty("user.name"));
        GroupPrincipal daemon = root
                ? filesDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("daemon")
                : Files.readAttributes(filesDir.resolve("zone.rpz"), PosixFileAttributes.class).group();
        Files.getFileAttributeView(filesDir.resolve("zone.rpz"), PosixFileAttributeView.class).setGroup(daemon);
        driver.whole("zone.rpz", "v1\n");
        driver.commit();
        driver.chunk("zone.rpz", 1, 2, "v2 one\n");
        driver.chunk("zone.rpz", 2, 2, "v2 two\n");
        driver.commit();
        assertEquals("v2 one\nv2 two\n", Files.readString(filesDir.resolve("zone.rpz")));
        assertEquals("rw-rw----", mode("zone.rpz"));
        assertEquals(daemon, Files.readAttributes(filesDir.resolve("zone.rpz"), PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS).group());
        assertEquals("v1\n", Files.readString(filesDir.resolve("zone.rpz.backup")));
    }
}
