package io.github.kresconnect.filesink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolverFileSinkConnectorTest {
    @TempDir
    Path dir;

    private final ResolverFileSinkConnector connector = new ResolverFileSinkConnector();

    @Test
    void validConfigurationHasNoErrors() {
        Map<String, ConfigValue> result = validate(Map.of("files.dir", dir.toString()));
        result.values().forEach(v -> assertEquals(List.of(), v.errorMessages(), v.name()));
    }

    /** A converter that cannot carry file bytes is refused on value.converter; ByteArrayConverter or none passes. */
    @Test
    void valueConvertersOtherThanBytesAreRefused() {
        for (String converter : List.of("org.apache.kafka.connect.json.JsonConverter",
                "org.apache.kafka.connect.storage.StringConverter", "io.confluent.connect.avro.AvroConverter")) {
            ConfigValue value = validate(Map.of("files.dir", dir.toString(), "value.converter", converter))
                    .get("value.converter");
            assertEquals(1, value.errorMessages().size(), converter);
            assertTrue(value.errorMessages().get(0).startsWith("value.converter=" + converter
                    + " cannot carry file bytes"), value.errorMessages().get(0));
            assertTrue(value.errorMessages().get(0).contains("ByteArrayConverter"));
        }
        Map<String, ConfigValue> bytes = validate(Map.of("files.dir", dir.toString(), "value.converter",
                "org.apache.kafka.connect.converters.ByteArrayConverter"));
        bytes.values().forEach(v -> assertEquals(List.of(), v.errorMessages(), v.name()));
        assertFalse(validate(Map.of("files.dir", dir.toString())).containsKey("value.converter"));
    }

    @Test
    void missingFilesDirectoryIsReportedOnThatSetting() {
        Path missing = dir.resolve("nope");
        ConfigValue filesDir = validate(Map.of("files.dir", missing.toString())).get("files.dir");
        assertEquals(1, filesDir.errorMessages().size());
        assertTrue(filesDir.errorMessages().get(0).contains("does not exist"), filesDir.errorMessages().toString());
    }

    @Test
    void filesDirectoryThatIsAFileIsReported() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        ConfigValue filesDir = validate(Map.of("files.dir", file.toString())).get("files.dir");
        assertTrue(filesDir.errorMessages().get(0).contains("not a directory"), filesDir.errorMessages().toString());
    }

    @Test
    void unwritableFilesDirectoryIsReported() throws Exception {
        Path readOnly = Files.createDirectory(dir.resolve("ro"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r-xr-xr-x")));
        // root can write anywhere: the check is only meaningful for an ordinary user
        boolean actuallyWritable = Files.isWritable(readOnly);
        ConfigValue filesDir = validate(Map.of("files.dir", readOnly.toString())).get("files.dir");
        if (actuallyWritable) {
            assertEquals(List.of(), filesDir.errorMessages());
        } else {
            assertTrue(filesDir.errorMessages().get(0).contains("not writable"), filesDir.errorMessages().toString());
        }
    }

    @Test
    void relativeFilesDirectoryIsRejectedByItsValidator() {
        ConfigValue filesDir = validate(Map.of("files.dir", "relative/dir")).get("files.dir");
        assertTrue(filesDir.errorMessages().get(0).contains("absolute path"), filesDir.errorMessages().toString());
    }

    @Test
    void zoneIdModeNeedsZoneIds() {
        Map<String, ConfigValue> result = validate(Map.of("files.dir", dir.toString(), "recipient.mode", "zone-id"));
        assertTrue(result.get("resolver.zone.ids").errorMessages().get(0).contains("needs at least one zone id"));
        Map<String, ConfigValue> ok = validate(Map.of("files.dir", dir.toString(), "recipient.mode", "zone-id",
                "resolver.zone.ids", "zone-a"));
        assertEquals(List.of(), ok.get("resolver.zone.ids").errorMessages());
    }

    @Test
    void unknownRecipientModeAndBadValuesAreReported() {
        Map<String, ConfigValue> result = validate(Map.of("files.dir", dir.toString(), "recipient.mode", "dns",
                "config.file.suffixes", "json", "manager.url", "ftp://x", "chunks.max.count", "0"));
        assertFalse(result.get("recipient.mode").errorMessages().isEmpty());
        assertFalse(result.get("config.file.suffixes").errorMessages().isEmpty());
        assertFalse(result.get("manager.url").errorMessages().isEmpty());
        assertFalse(result.get("chunks.max.count").errorMessages().isEmpty());
    }

    @Test
    void startRejectsInvalidSettingsAndRunsOneTaskWithTheSameSettings() {
        assertThrows(ConfigException.class, () -> connector.start(Map.of("recipient.mode", "dns")));
        Map<String, String> props = Map.of("files.dir", dir.toString(), "topics", "knot-resolver");
        connector.start(props);
        assertEquals(List.of(props), connector.taskConfigs(4));
        assertEquals(ResolverFileSinkTask.class, connector.taskClass());
    }

    @Test
    void aQuietPeriodBelowOneMillisecondIsReportedOnThatSetting() {
        assertNotifyTimingReported("0", "60000", "notify.quiet.period.ms", "notify.max.delay.ms");
    }

    @Test
    void aMaxDelayBelowOneMillisecondIsReportedOnThatSetting() {
        assertNotifyTimingReported("5000", "0", "notify.max.delay.ms", "notify.quiet.period.ms");
    }

    @Test
    void aQuietPeriodLongerThanTheMaxDelayIsReportedOnTheQuietPeriod() {
        assertNotifyTimingReported("6000", "5000", "notify.quiet.period.ms", "notify.max.delay.ms");
        Map<String, ConfigValue> equal = validate(Map.of("files.dir", dir.toString(),
                "notify.quiet.period.ms", "5000", "notify.max.delay.ms", "5000"));
        assertEquals(List.of(), equal.get("notify.quiet.period.ms").errorMessages());
        assertEquals(List.of(), equal.get("notify.max.delay.ms").errorMessages());
    }

    /** validate() reports, on the setting at fault, the message the configuration itself throws. */
    private void assertNotifyTimingReported(String quietMs, String maxDelayMs, String atFault, String other) {
        Map<String, String> props = Map.of("files.dir", dir.toString(), "notify.quiet.period.ms", quietMs,
                "notify.max.delay.ms", maxDelayMs);
        ConfigException thrown = assertThrows(ConfigException.class, () -> connector.start(props));
        Map<String, ConfigValue> result = validate(props);
        assertEquals(List.of(thrown.getMessage()), result.get(atFault).errorMessages());
        assertEquals(List.of(), result.get(other).errorMessages());
        assertTrue(thrown.getMessage().contains(other), thrown.getMessage());
    }

    @Test
    void versionComesFromTheBuild() {
        assertNotEquals("unknown", connector.version());
        assertTrue(connector.version().matches("\\d+\\.\\d+\\.\\d+.*"), connector.version());
    }

    private Map<String, ConfigValue> validate(Map<String, String> props) {
        Map<String, ConfigValue> byName = new HashMap<>();
        connector.validate(props).configValues().forEach(v -> byName.put(v.name(), v));
        return byName;
    }
}
