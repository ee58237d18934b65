package io.github.kresconnect.filesink.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.protocol.KeyRole;
import io.github.kresconnect.filesink.protocol.Signatures;

/** signatures.trusted.keys with scopes, signatures.fleet, and the rules between them and signatures.required. */
class SignatureSettingsTest {
    private static final KeyPair KEY = Signatures.generateKeyPair();
    private static final String PEM = Signatures.publicKeyOneLine(KEY.getPublic());

    private static ResolverFileSinkConfig config(String... settings) {
        Map<String, String> props = new HashMap<>(Map.of("files.dir", "/tmp/files"));
        for (int i = 0; i < settings.length; i += 2) {
            props.put(settings[i], settings[i + 1]);
        }
        return new ResolverFileSinkConfig(props);
    }

    @Test
    void scopedKeysAndTheFleetAreRead() {
        ResolverFileSinkConfig config = config("signatures.trusted.keys", PEM + "[roles=config; recipients=r1]",
                "signatures.fleet", " production ");
        assertEquals(List.of(KeyRole.CONFIG), List.copyOf(config.signaturesTrustedKeys().get(0).scope().roles()));
        assertEquals("production", config.signaturesFleet());
        assertEquals("", config("signatures.trusted.keys", PEM).signaturesFleet());
    }

    @Test
    void aScopeThatDoesNotParseIsAConfigurationErrorNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> config("signatures.trusted.keys",
                PEM + "[roles=admin]"));
        assertTrue(e.getMessage().contains("signatures.trusted.keys: key " + Signatures.keyId(KEY.getPublic())
                + ": unknown role 'admin'"), e.getMessage());
    }

    @Test
    void requiringSignaturesNeedsAKeyThatMaySignFiles() {
        ConfigException e = assertThrows(ConfigException.class, () -> config("signatures.required", "true",
                "signatures.trusted.keys", PEM + "[roles=revocation]"));
        assertTrue(e.getMessage().contains("signatures.required") && e.getMessage().contains("with role data or "
                + "config"), e.getMessage());
        config("signatures.required", "true", "signatures.trusted.keys", PEM + "[roles=data]");
    }

    @Test
    void aFleetIdIsLettersDigitsAndAFewMarks() {
        ConfigException e = assertThrows(ConfigException.class, () -> config("signatures.fleet", "prod uction"));
        assertTrue(e.getMessage().contains("a fleet id is letters, digits"), e.getMessage());
    }
}
