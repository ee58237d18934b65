package io.github.kresconnect.filesink.protocol;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which topics carry a fleet's files, named by {@link TopicNames} from one base name. {@link #SINGLE}: one topic
 * (the base name itself) that every host reads whole. {@link #PER_GROUP}: the broadcast topic, a topic per group
 * (zone id) and a topic per host, so that each host fetches only what is meant for it.
 * {@link #SINGLE_AND_PER_GROUP}: a host reads both, while a fleet moves from one layout to the other.
 */
public enum TopicLayout {
    SINGLE("single"),
    PER_GROUP("per-group"),
    SINGLE_AND_PER_GROUP("single-and-per-group");

    private final String configValue;

    TopicLayout(String configValue) {
        this.configValue = configValue;
    }

    public String configValue() {
        return configValue;
    }

    /** Hosts read the topics of the per-group layout (and need zone ids in record keys and host names). */
    public boolean readsPerGroup() {
        return this != SINGLE;
    }

    /**
     * The topics one host reads: the base topic in the single layouts; the broadcast topic, one per zone id and
     * its own in the per-group layouts.
     *
     * @throws IllegalArgumentException when a name this makes is not a legal topic name
     */
    public Set<String> topicsOf(String base, String hostname, Collection<String> zoneIds) {
        Set<String> topics = new TreeSet<>();
        if (this != PER_GROUP) {
            topics.add(TopicNames.legal(base));
        }
        if (readsPerGroup()) {
            topics.add(TopicNames.broadcast(base));
            for (String zoneId : zoneIds) {
                topics.add(TopicNames.forGroup(base, zoneId));
            }
            topics.add(TopicNames.forHost(base, hostname));
        }
        return topics;
    }

    public static TopicLayout fromConfigValue(String value) {
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        for (TopicLayout layout : values()) {
            if (layout.configValue.equals(wanted)) {
                return layout;
            }
        }
        throw new IllegalArgumentException("unknown topic layout '" + value + "', expected one of " + allValues());
    }

    public static String allValues() {
        return Arrays.stream(values()).map(TopicLayout::configValue).collect(Collectors.joining(", "));
    }
}
