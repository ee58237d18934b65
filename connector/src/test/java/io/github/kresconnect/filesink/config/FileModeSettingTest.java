package io.github.kresconnect.filesink.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class FileModeSettingTest {
    private static ResolverFileSinkConfig config(String mode) {
        return new ResolverFileSinkConfig(Map.of("files.mode", mode));
    }

    @Test
    void octalModesBecomeTheirPermissions() {
        assertEquals("rw-r--r--", PosixFilePermissions.toString(new ResolverFileSinkConfig(Map.of()).filesMode()));
        assertEquals("rw-r-----", PosixFilePermissions.toString(config("0640").filesMode()));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(config("750").filesMode()));
    }

    @Test
    void modesThatAreNotPlainOctalOrHideTheFileFromItsOwnerAreRefused() {
        for (String bad : new String[] {"0999", "4755", "rw-r--r--", "", "0044", "06444"}) {
            ConfigException refused = assertThrows(ConfigException.class, () -> config(bad), bad);
            assertTrue(refused.getMessage().contains("files.mode"), refused.getMessage());
        }
    }
}
