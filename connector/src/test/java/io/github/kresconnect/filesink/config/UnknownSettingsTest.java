package io.github.kresconnect.filesink.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.connect.runtime.ConnectorConfig;
import org.apache.kafka.connect.runtime.SinkConnectorConfig;
import org.apache.kafka.connect.runtime.SourceConnectorConfig;
import org.apache.kafka.connect.runtime.TaskConfig;
import org.junit.jupiter.api.Test;

class UnknownSettingsTest {

    @Test
    void everyKeyKafkaConnectDefinesForAConnectorIsKnown() {
        Set<String> connect = new TreeSet<>(SinkConnectorConfig.configDef().names());
        connect.addAll(SourceConnectorConfig.configDef().names());
        connect.add(TaskConfig.TASK_CLASS_CONFIG); // the worker adds it to every task's config
        assertTrue(connect.size() > 20, connect::toString);
        for (String key : connect) {
            assertTrue(UnknownSettings.isKnown(key), "Connect's own setting '" + key + "' taken for unknown");
        }
    }

    @Test
    void connectsPrefixedKeysAreKnown() {
        Map<String, String> props = new HashMap<>();
        for (String key : List.of("key.converter.schemas.enable", "value.converter.schemas.enable",
                "header.converter.charset", "transforms.route.type", "transforms.route.regex",
                "predicates.isDlq.type", ConnectorConfig.CONNECTOR_CLIENT_CONSUMER_OVERRIDES_PREFIX + "group.id",
                ConnectorConfig.CONNECTOR_CLIENT_PRODUCER_OVERRIDES_PREFIX + "acks",
                ConnectorConfig.CONNECTOR_CLIENT_ADMIN_OVERRIDES_PREFIX + "client.id",
                SinkConnectorConfig.DLQ_PREFIX + "anything", "name", "topics", "tasks.max")) {
            props.put(key, "x");
        }
        ResolverFileSinkConfig.CONFIG_DEF.names().forEach(name -> props.put(name, "x"));
        assertEquals(List.of(), UnknownSettings.find(props));
    }

    @Test
    void aTypoUnderOurPrefixesIsRefusedWithTheClosestName() {
        List<UnknownSettings.Finding> findings = UnknownSettings.find(Map.of("resolver.hostnme", "r1",
                "files.dri", "/srv", "Manager.Socket.Path", "/run/x.sock", "resolver.zoneids", "a",
                "manager.socket", "/run/x.sock", "notify.quiet.ms", "10"));
        assertEquals(List.of(
                new UnknownSettings.Finding("Manager.Socket.Path", Optional.of("manager.socket.path"), true),
                new UnknownSettings.Finding("files.dri", Optional.of("files.dir"), true),
                new UnknownSettings.Finding("manager.socket", Optional.of("manager.socket.path"), true),
                new UnknownSettings.Finding("notify.quiet.ms", Optional.of("notify.quiet.period.ms"), true),
                new UnknownSettings.Finding("resolver.hostnme", Optional.of("resolver.hostname"), true),
                new UnknownSettings.Finding("resolver.zoneids", Optional.of("resolver.zone.ids"), true)),
                findings);
        assertEquals("unknown setting 'resolver.hostnme'; did you mean 'resolver.hostname'?",
                findings.get(4).message());
    }

    @Test
    void otherUnknownKeysAreOnlyWarnedAbout() {
        List<UnknownSettings.Finding> findings = UnknownSettings.find(Map.of("tasks.mx", "1",
                "errors.tolerence", "all", "hostname", "r1", "some.plugin.setting", "x"));
        assertEquals(List.of(
                new UnknownSettings.Finding("errors.tolerence", Optional.of("errors.tolerance"), false),
                new UnknownSettings.Finding("hostname", Optional.empty(), false),
                new UnknownSettings.Finding("some.plugin.setting", Optional.empty(), false),
                new UnknownSettings.Finding("tasks.mx", Optional.of("tasks.max"), false)), findings);
    }

    @Test
    void aKeyFarFromEveryNameGetsNoSuggestion() {
        UnknownSettings.Finding finding = UnknownSettings.find(Map.of("files.owner", "knot")).get(0);
        assertTrue(finding.refused());
        assertEquals(Optional.empty(), finding.closest());
        assertEquals("unknown setting 'files.owner'; it is not a setting of this connector (see the configuration "
                + "reference)", finding.message());
    }

    @Test
    void theLogLineSaysWhenTheMeantSettingFallsBackToItsDefault() {
        Map<String, String> props = Map.of("files.dri", "/srv/kres");
        assertEquals("Connector config: unknown setting 'files.dri' is ignored ('files.dir' is not set, so its "
                + "default applies); did you mean 'files.dir'?",
                UnknownSettings.logLine(UnknownSettings.find(props).get(0), props));
        Map<String, String> both = Map.of("files.dri", "/srv/kres", "files.dir", "/srv/kres");
        assertEquals("Connector config: unknown setting 'files.dri' is ignored; did you mean 'files.dir'?",
                UnknownSettings.logLine(UnknownSettings.find(both).get(0), both));
        Map<String, String> far = Map.of("frobnicate", "1");
        assertEquals("Connector config: unknown setting 'frobnicate' is ignored (it is neither this connector's nor "
                + "Kafka Connect's)", UnknownSettings.logLine(UnknownSettings.find(far).get(0), far));
    }

    @Test
    void distanceCountsASwapOfNeighboursAsOneEdit() {
        assertEquals(1, UnknownSettings.distance("files.dri", "files.dir"));
        assertEquals(1, UnknownSettings.distance("resolver.hostnme", "resolver.hostname"));
        assertEquals(0, UnknownSettings.distance("abc", "abc"));
        assertFalse(UnknownSettings.isKnown("files.dri"));
    }
}
