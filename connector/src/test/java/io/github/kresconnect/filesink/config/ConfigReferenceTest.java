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
    private static final Path REFERENCE = Path.of("docs/reference.md");

    /**
     * Fails when a setting changed without docs/reference.md. To regenerate:
     * {@code mvn -q test -Dtest=ConfigReferenceTest -Dupdate.config.reference=true}.
     */
    @Test
    void docsHoldTheCurrentReference() throws Exception {
        String reference = Files.readString(REFERENCE, StandardCharsets.UTF_8);
        String expected = ConfigReference.updateSection(reference);
        if (Boolean.getBoolean("update.config.reference")) {
            Files.writeString(REFERENCE, expected, StandardCharsets.UTF_8);
            reference = expected;
        }
        assertEquals(expected, reference, "docs/reference.md is out of date; regenerate it with "
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
