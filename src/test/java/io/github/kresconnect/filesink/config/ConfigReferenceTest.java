package io.github.kresconnect.filesink.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

class ConfigReferenceTest {
    private static final Path README = Path.of("README.md");

    /**
     * Fails when a setting changed without the README. To regenerate:
     * {@code mvn -q test -Dtest=ConfigReferenceTest -Dupdate.config.reference=true}.
     */
    @Test
    void readmeHoldsTheCurrentReference() throws Exception {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        String expected = ConfigReference.updateSection(readme);
        if (Boolean.getBoolean("update.config.reference")) {
            Files.writeString(README, expected, StandardCharsets.UTF_8);
            readme = expected;
        }
        assertEquals(expected, readme, "README's configuration reference is out of date; regenerate it with "
                + "mvn -q test -Dtest=ConfigReferenceTest -Dupdate.config.reference=true");
    }

    @Test
    void everySettingIsFullyDocumented() {
        for (ConfigDef.ConfigKey key : ResolverFileSinkConfig.CONFIG_DEF.configKeys().values()) {
            assertFalse(key.documentation == null || key.documentation.isBlank(), key.name + " has no documentation");
            assertNotNull(key.group, key.name + " has no group");
            assertNotNull(key.displayName, key.name + " has no display name");
            assertTrue(key.orderInGroup > 0, key.name + " has no order in its group");
            if (key.type == ConfigDef.Type.STRING || key.type == ConfigDef.Type.LIST) {
                assertNotNull(key.validator, key.name + " has no validator");
            }
            assertTrue(ConfigReference.markdown().contains("`" + key.name + "`"), key.name + " not in the reference");
        }
    }
}
