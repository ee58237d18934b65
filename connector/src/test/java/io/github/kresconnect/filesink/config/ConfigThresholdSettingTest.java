package io.github.kresconnect.filesink.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.ResolverFileSinkConnector;
import io.github.kresconnect.filesink.protocol.Signatures;

/** signatures.config.threshold: its range, and the rules tying it to signatures.required and the trusted keys. */
class ConfigThresholdSettingTest {
    private static final String A = Signatures.publicKeyOneLine(Signatures.generateKeyPair().getPublic());
    private static final String B = Signatures.publicKeyOneLine(Signatures.generateKeyPair().getPublic());
    private static final KeyPair C_PAIR = Signatures.generateKeyPair();
    private static final String C = Signatures.publicKeyOneLine(C_PAIR.getPublic());

    @TempDir
    Path dir;

    private static ResolverFileSinkConfig config(String... settings) {
        Map<String, String> props = new HashMap<>(Map.of("files.dir", "/tmp/files"));
        for (int i = 0; i < settings.length; i += 2) {
            props.put(settings[i], settings[i + 1]);
        }
        return new ResolverFileSinkConfig(props);
    }

    @Test
    void theDefaultIsOneSignatureAsBefore() {
        assertEquals(1, config().signaturesConfigThreshold());
        assertEquals(1, config("signatures.trusted.keys", A).signaturesConfigThreshold());
    }

    @Test
    void twoKeysWithRoleConfigAndSignaturesRequiredAllowAThresholdOfTwo() {
        assertEquals(2, config("signatures.required", "true", "signatures.config.threshold", "2",
                "signatures.trusted.keys", A + "[roles=config]" + B + C + "[roles=data]").signaturesConfigThreshold());
    }

    @Test
    void aThresholdAboveOneWithoutRequiredSignaturesIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> config("signatures.config.threshold", "2",
                "signatures.trusted.keys", A + B));
        assertTrue(e.getMessage().contains("signatures.config.threshold") && e.getMessage().contains(
                "needs signatures.required=true"), e.getMessage());
    }

    @Test
    void aThresholdAboveTheKeysWithRoleConfigIsRefusedNamingThem() {
        String cId = Signatures.keyId(C_PAIR.getPublic());
        ConfigException e = assertThrows(ConfigException.class, () -> config("signatures.required", "true",
                "signatures.config.threshold", "2", "signatures.trusted.keys", A + "[roles=data]" + C
                        + "[roles=config]"));
        assertTrue(e.getMessage().contains("needs at least 2 keys in signatures.trusted.keys with role config, and "
                + "1 has it [" + cId + "]"), e.getMessage());
    }

    @Test
    void zeroAndNegativeThresholdsAreOutOfRange() {
        for (String bad : List.of("0", "-1", "65", "two")) {
            assertThrows(ConfigException.class, () -> config("signatures.config.threshold", bad), bad);
        }
    }

    @Test
    void theConnectorsValidationReportsTheProblemOnTheSetting() {
        Map<String, String> props = new HashMap<>(Map.of("files.dir", dir.toString(), "signatures.required", "true",
                "signatures.trusted.keys", A, "signatures.config.threshold", "2"));
        ConfigValue threshold = new ResolverFileSinkConnector().validate(props).configValues().stream()
                .filter(v -> v.name().equals("signatures.config.threshold")).findFirst().orElseThrow();
        assertEquals(1, threshold.errorMessages().size(), threshold.errorMessages().toString());
        assertTrue(threshold.errorMessages().get(0).contains("with role config"), threshold.errorMessages().toString());
        props.put("signatures.trusted.keys", A + B);
        threshold = new ResolverFileSinkConnector().validate(props).configValues().stream()
                .filter(v -> v.name().equals("signatures.config.threshold")).findFirst().orElseThrow();
        assertEquals(List.of(), threshold.errorMessages());
    }
}
