package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProducerSettingsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"u\" password=\"p\";";

    @TempDir
    Path dir;

    private static Properties props(String... pairs) {
        Properties properties = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            properties.setProperty(pairs[i], pairs[i + 1]);
        }
        return properties;
    }

    private static ProducerSettings settings(Properties user) throws PublishException {
        return ProducerSettings.of(user, Optional.of("k:9092"), TIMEOUT, 512 * 1024);
    }

    @Test
    void saslIsAllOrNothing() {
        assertEquals(Optional.empty(), ProducerSettings.saslProblem(Map.of()));
        assertEquals(Optional.empty(), ProducerSettings.saslProblem(Map.of("security.protocol", "SSL")));
        assertEquals(Optional.empty(), ProducerSettings.saslProblem(Map.of("security.protocol", "SASL_SSL",
                "sasl.mechanism", "PLAIN", "sasl.jaas.config", JAAS)));

        String onlyProtocol = ProducerSettings.saslProblem(Map.of("security.protocol", "SASL_SSL")).orElseThrow();
        assertTrue(onlyProtocol.contains("sasl.mechanism, sasl.jaas.config are missing"), onlyProtocol);

        String onlyMechanism = ProducerSettings.saslProblem(Map.of("sasl.mechanism", "SCRAM-SHA-512")).orElseThrow();
        assertTrue(onlyMechanism.contains("security.protocol, sasl.jaas.config are missing"), onlyMechanism);

        String noJaas = ProducerSettings.saslProblem(Map.of("security.protocol", "sasl_plaintext",
                "sasl.mechanism", "PLAIN")).orElseThrow();
        assertTrue(noJaas.contains("sasl.jaas.config is missing"), noJaas);

        String sslWithSasl = ProducerSettings.saslProblem(Map.of("security.protocol", "SSL",
                "sasl.mechanism", "PLAIN", "sasl.jaas.config", JAAS)).orElseThrow();
        assertTrue(sslWithSasl.contains("use SASL_SSL"), sslWithSasl);

        String seedStyle = ProducerSettings.saslProblem(Map.of("security.protocol", "SASL_SSL",
                "sasl.mechanism", "PLAIN", "sasl.username", "u", "sasl.password", "p")).orElseThrow();
        assertTrue(seedStyle.contains("sasl.username and sasl.password are not Kafka client settings"), seedStyle);
    }

    @Test
    void incompleteSaslIsAProducerConfigError() {
        PublishException e = assertThrows(PublishException.class,
                () -> settings(props("sasl.jaas.config", JAAS)));
        assertEquals(ExitCode.PRODUCER_CONFIG, e.exitCode());
        assertTrue(e.getMessage().contains("security.protocol, sasl.mechanism are missing"), e.getMessage());
    }

    @Test
    void deliveryGuaranteesAreEnforced() throws Exception {
        Map<String, Object> producer = settings(props()).producer();
        assertEquals("all", producer.get(ProducerConfig.ACKS_CONFIG));
        assertEquals("true", producer.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
        assertEquals("k:9092", producer.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals("30000", producer.get(ProducerConfig.MAX_BLOCK_MS_CONFIG));
        assertEquals("30000", producer.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG));
        // The constructor of the real producer config accepts the combination (delivery >= linger + request).
        new ProducerConfig(producer);

        for (String[] conflict : new String[][] {{"acks", "1"}, {"enable.idempotence", "false"},
                {"transactional.id", "x"}, {"value.serializer", "org.apache.kafka.common.serialization.StringSerializer"},
                {"security.protocol", "TLS"}}) {
            PublishException e = assertThrows(PublishException.class, () -> settings(props(conflict)));
            assertEquals(ExitCode.PRODUCER_CONFIG, e.exitCode());
            assertTrue(e.getMessage().contains(conflict[0]), e.getMessage());
        }
    }

    @Test
    void aShortTimeoutKeepsTheProducerConfigValid() throws Exception {
        Map<String, Object> producer = ProducerSettings.of(props("linger.ms", "100"), Optional.of("k:1"),
                Duration.ofSeconds(2), 1024).producer();
        new ProducerConfig(producer);
        assertEquals("2000", producer.get(ProducerConfig.MAX_BLOCK_MS_CONFIG));
    }

    @Test
    void securitySettingsPassThroughToBothClients() throws Exception {
        ProducerSettings settings = settings(props("security.protocol", "SSL", "ssl.keystore.type", "PEM",
                "ssl.keystore.location", "/etc/kafka/client.pem", "ssl.truststore.type", "PEM",
                "ssl.truststore.location", "/etc/kafka/ca.pem", "compression.type", "zstd"));
        for (Map<String, Object> client : java.util.List.of(settings.producer(), settings.admin())) {
            assertEquals("SSL", client.get("security.protocol"));
            assertEquals("PEM", client.get("ssl.keystore.type"));
            assertEquals("/etc/kafka/ca.pem", client.get("ssl.truststore.location"));
        }
        assertEquals("zstd", settings.producer().get("compression.type"));
        assertFalse(settings.admin().containsKey("compression.type"), "producer-only settings stay off the admin");
    }

    @Test
    void chunkSizeMustFitTheProducersRequestSize() throws Exception {
        PublishException e = assertThrows(PublishException.class,
                () -> ProducerSettings.of(props(), Optional.of("k:1"), TIMEOUT, 1024 * 1024));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("max.request.size is 1048576"), e.getMessage());

        ProducerSettings larger = ProducerSettings.of(props("max.request.size", "4194304"), Optional.of("k:1"),
                TIMEOUT, 1024 * 1024);
        assertEquals(4194304, larger.maxRequestSize());
        assertTrue(Long.parseLong((String) larger.producer().get("buffer.memory")) > 1024 * 1024);
    }

    @Test
    void bootstrapComesFromTheOptionOrTheFile() throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "bootstrap.servers=from-file:9092\n# comment\nclient.id=me\n");
        Properties loaded = ProducerSettings.load(file);
        assertEquals("from-file:9092", ProducerSettings.of(loaded, Optional.empty(), TIMEOUT, 1024).bootstrapServers());
        assertEquals("opt:1", ProducerSettings.of(loaded, Optional.of("opt:1"), TIMEOUT, 1024).bootstrapServers());
        assertEquals("me", ProducerSettings.of(loaded, Optional.empty(), TIMEOUT, 1024).producer().get("client.id"));

        PublishException none = assertThrows(PublishException.class,
                () -> ProducerSettings.of(props(), Optional.empty(), TIMEOUT, 1024));
        assertEquals(ExitCode.USAGE, none.exitCode());

        PublishException missing = assertThrows(PublishException.class,
                () -> ProducerSettings.load(dir.resolve("absent.properties")));
        assertEquals(ExitCode.PRODUCER_CONFIG, missing.exitCode());
    }
}
