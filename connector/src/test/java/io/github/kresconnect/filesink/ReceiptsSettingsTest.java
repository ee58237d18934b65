package io.github.kresconnect.filesink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.config.ResolverFileSinkConfig;

/** The receipts settings: brokers required with a topic, producer settings passed through, typos refused. */
class ReceiptsSettingsTest {
    @TempDir
    Path dir;

    private Map<String, ConfigValue> validate(Map<String, String> extra) {
        Map<String, String> props = new HashMap<>(Map.of("files.dir", dir.toString()));
        props.putAll(extra);
        Map<String, ConfigValue> byName = new HashMap<>();
        new ResolverFileSinkConnector().validate(props).configValues().forEach(v -> byName.put(v.name(), v));
        return byName;
    }

    @Test
    void aTopicNeedsItsBrokers() {
        List<String> errors = validate(Map.of("receipts.topic", "knot-resolver-receipts"))
                .get("receipts.bootstrap.servers").errorMessages();
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("receipts.topic"), errors.toString());
        assertThrows(ConfigException.class, () -> new ResolverFileSinkConfig(Map.of("files.dir", dir.toString(),
                "receipts.topic", "knot-resolver-receipts")));
        assertTrue(validate(Map.of()).get("receipts.bootstrap.servers").errorMessages().isEmpty());
    }

    @Test
    void producerSettingsArePassedThroughAndTyposRefused() {
        Map<String, ConfigValue> values = validate(Map.of("receipts.topic", "r", "receipts.bootstrap.servers",
                "kafka1:9093", "receipts.producer.security.protocol", "SSL", "receipts.topc", "x"));
        assertTrue(values.get("receipts.bootstrap.servers").errorMessages().isEmpty());
        assertTrue(!values.containsKey("receipts.producer.security.protocol"));
        assertTrue(values.get("receipts.topc").errorMessages().get(0).contains("receipts.topic"),
                values.get("receipts.topc").errorMessages().toString());
        ResolverFileSinkConfig config = new ResolverFileSinkConfig(Map.of("files.dir", dir.toString(),
                "receipts.topic", "r", "receipts.bootstrap.servers", "kafka1:9093",
                "receipts.producer.security.protocol", "SSL"));
        assertEquals(Map.of("security.protocol", "SSL"), config.receiptsProducerSettings());
        assertTrue(!validate(Map.of("receipts.bootstrap.servers", "kafka1")).get("receipts.bootstrap.servers")
                .errorMessages().isEmpty());
        assertTrue(!validate(Map.of("receipts.topic", "bad topic")).get("receipts.topic").errorMessages().isEmpty());
    }

    @Test
    void perHostByDefaultWritesToTheHostsOwnTopicAndSharedToTheOne() {
        ResolverFileSinkConfig perHost = new ResolverFileSinkConfig(Map.of("files.dir", dir.toString(),
                "receipts.topic", "knot-resolver-receipts", "receipts.bootstrap.servers", "kafka1:9092",
                "resolver.hostname", "resolver1"));
        assertEquals(io.github.kresconnect.filesink.receipts.ReceiptChannel.PER_HOST, perHost.receiptsTopicMode());
        assertEquals("knot-resolver-receipts.host.resolver1", perHost.receiptsTopicOfThisHost());
        ResolverFileSinkConfig shared = new ResolverFileSinkConfig(Map.of("files.dir", dir.toString(),
                "receipts.topic", "knot-resolver-receipts", "receipts.bootstrap.servers", "kafka1:9092",
                "resolver.hostname", "resolver1", "receipts.topic.mode", "shared"));
        assertEquals("knot-resolver-receipts", shared.receiptsTopicOfThisHost());
        assertTrue(!validate(Map.of("receipts.topic.mode", "per-hots")).get("receipts.topic.mode").errorMessages()
                .isEmpty());
    }

    @Test
    void requiringFreshnessStatementsWithoutAKeyIsRefused() {
        assertThrows(ConfigException.class, () -> new ResolverFileSinkConfig(Map.of("files.dir", dir.toString(),
                "freshness.required", "true")));
        assertTrue(validate(Map.of("freshness.required", "true")).get("freshness.required").errorMessages().get(0)
                .contains("signatures.trusted.keys"));
        assertTrue(validate(Map.of()).get("freshness.required").errorMessages().isEmpty());
    }
}
