package io.github.kresconnect.filesink.config;

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

import io.github.kresconnect.filesink.ResolverFileSinkConnector;
import io.github.kresconnect.filesink.protocol.TopicLayout;

/**
 * topic.layout and topic.base against Connect's topics / topics.regex, in the config and in the connector's
 * validate.
 */
class TopicLayoutSettingsTest {
    @TempDir
    Path dir;

    private Map<String, String> perGroup(String layout) {
        Map<String, String> props = new HashMap<>();
        props.put(ResolverFileSinkConfig.FILES_DIR_CONFIG, dir.toString());
        props.put(ResolverFileSinkConfig.TOPIC_LAYOUT_CONFIG, layout);
        props.put(ResolverFileSinkConfig.TOPIC_BASE_CONFIG, "kr");
        props.put(ResolverFileSinkConfig.HOSTNAME_CONFIG, "r1");
        props.put(ResolverFileSinkConfig.ZONE_IDS_CONFIG, "east,dns64");
        props.put(ResolverFileSinkConfig.RECIPIENT_MODE_CONFIG, "hostname-or-zone-id");
        return props;
    }

    @Test
    void theHostsTopicsFollowTheNamingRule() {
        assertEquals(List.of("kr.all", "kr.group.dns64", "kr.group.east", "kr.host.r1"),
                List.copyOf(TopicLayout.PER_GROUP.topicsOf("kr", "r1", List.of("east", "dns64"))));
        assertEquals(List.of("kr", "kr.all", "kr.group.east", "kr.host.r1"),
                List.copyOf(TopicLayout.SINGLE_AND_PER_GROUP.topicsOf("kr", "r1", List.of("east"))));
        assertEquals(List.of("kr"), List.copyOf(TopicLayout.SINGLE.topicsOf("kr", "r1", List.of("east"))));
    }

    @Test
    void exactlyTheLayoutsTopicsAreAccepted() {
        Map<String, String> props = perGroup("per-group");
        props.put("topics", "kr.host.r1, kr.all,kr.group.east,kr.group.dns64");
        assertEquals(TopicLayout.PER_GROUP, new ResolverFileSinkConfig(props).topicLayout());
        props.remove("topics");
        props.put("topics.regex", "kr\\.all|kr\\.group\\.dns64|kr\\.group\\.east|kr\\.host\\.r1");
        assertEquals(TopicLayout.PER_GROUP, new ResolverFileSinkConfig(props).topicLayout());
    }

    @Test
    void aMissingTopicOrAnotherHostsIsRefusedNamingWhatToSet() {
        Map<String, String> props = perGroup("per-group");
        props.put("topics", "kr.all,kr.group.east,kr.host.r1,kr.host.r2");
        ConfigException e = assertThrows(ConfigException.class, () -> new ResolverFileSinkConfig(props));
        assertTrue(e.getMessage().contains("for configuration topics"), e.getMessage());
        assertTrue(e.getMessage().contains("missing [kr.group.dns64]"), e.getMessage());
        assertTrue(e.getMessage().contains("not this host's [kr.host.r2]"), e.getMessage());
        assertTrue(e.getMessage().contains("topics=kr.all,kr.group.dns64,kr.group.east,kr.host.r1"), e.getMessage());
    }

    @Test
    void theSingleTopicIsReadOnlyWhileMigrating() {
        Map<String, String> props = perGroup("per-group");
        props.put("topics", "kr,kr.all,kr.group.dns64,kr.group.east,kr.host.r1");
        ConfigException e = assertThrows(ConfigException.class, () -> new ResolverFileSinkConfig(props));
        assertTrue(e.getMessage().contains("not this host's [kr]"), e.getMessage());
        props.put(ResolverFileSinkConfig.TOPIC_LAYOUT_CONFIG, "single-and-per-group");
        assertEquals(TopicLayout.SINGLE_AND_PER_GROUP, new ResolverFileSinkConfig(props).topicLayout());
    }

    @Test
    void aRegexOtherThanTheExactOneIsRefused() {
        Map<String, String> props = perGroup("per-group");
        props.put("topics.regex", "kr\\..*");
        ConfigException e = assertThrows(ConfigException.class, () -> new ResolverFileSinkConfig(props));
        assertTrue(e.getMessage().contains("for configuration topics.regex"), e.getMessage());
        assertTrue(e.getMessage().contains("topics.regex=kr\\.all|kr\\.group\\.dns64|kr\\.group\\.east|kr\\.host\\.r1"),
                e.getMessage());
    }

    @Test
    void thePerGroupLayoutNeedsBothRecipientRules() {
        Map<String, String> props = perGroup("per-group");
        props.put("topics", "kr.all,kr.group.dns64,kr.group.east,kr.host.r1");
        props.put(ResolverFileSinkConfig.RECIPIENT_MODE_CONFIG, "zone-id");
        ConfigException e = assertThrows(ConfigException.class, () -> new ResolverFileSinkConfig(props));
        assertTrue(e.getMessage().contains("recipient.mode") && e.getMessage().contains("hostname-or-zone-id"),
                e.getMessage());
    }

    @Test
    void theSingleLayoutLeavesTopicsAlone() {
        Map<String, String> props = perGroup("single");
        props.put("topics", "anything");
        assertEquals(TopicLayout.SINGLE, new ResolverFileSinkConfig(props).topicLayout());
    }

    @Test
    void validateReportsTheProblemOnConnectsSetting() {
        Map<String, String> props = perGroup("per-group");
        props.put("topics", "kr.all,kr.group.east,kr.host.r1");
        List<ConfigValue> values = new ResolverFileSinkConnector().validate(props).configValues();
        List<String> errors = values.stream().filter(v -> v.name().equals("topics"))
                .flatMap(v -> v.errorMessages().stream()).toList();
        assertEquals(1, errors.size(), values.toString());
        assertTrue(errors.get(0).contains("missing [kr.group.dns64]"), errors.get(0));
        props.put("topics", "kr.all,kr.group.east,kr.host.r1,kr.group.dns64");
        assertTrue(new ResolverFileSinkConnector().validate(props).configValues().stream()
                .allMatch(v -> v.errorMessages().isEmpty()), "no error once the topics match");
    }

    @Test
    void aZoneIdThatCannotNameATopicIsRefused() {
        Map<String, String> props = perGroup("per-group");
        props.put(ResolverFileSinkConfig.ZONE_IDS_CONFIG, "east/1");
        props.put("topics", "kr.all");
        ConfigException e = assertThrows(ConfigException.class, () -> new ResolverFileSinkConfig(props));
        assertTrue(e.getMessage().contains("zone id 'east/1'"), e.getMessage());
    }

    @Test
    void aTaskWhoseAssignmentLeavesOutALayoutTopicIsToldWhy() {
        Map<String, String> props = perGroup("per-group");
        props.put("topics", "kr.all,kr.group.dns64,kr.group.east,kr.host.r1");
        ResolverFileSinkConfig config = new ResolverFileSinkConfig(props);
        assertEquals(java.util.Set.of("kr.all", "kr.group.dns64", "kr.group.east", "kr.host.r1"),
                config.layoutTopics());
        assertEquals(java.util.Optional.empty(), ResolverFileSinkConfig.unassignedTopicsWarning(config.layoutTopics(),
                java.util.Set.of("kr.all", "kr.group.dns64", "kr.group.east", "kr.host.r1")));
        String warning = ResolverFileSinkConfig.unassignedTopicsWarning(config.layoutTopics(),
                java.util.Set.of("kr")).orElseThrow();
        assertTrue(warning.startsWith("No partition of [kr.all, kr.group.dns64, kr.group.east, kr.host.r1] is "
                + "assigned"), warning);
        assertTrue(warning.contains("consumer.session.timeout.ms"), warning);
        assertEquals(java.util.Set.of(), new ResolverFileSinkConfig(perGroup("single")).layoutTopics());
    }
}
