package io.github.kresconnect.filesink.protocol;

/**
 * The one naming rule for topics that belong to a host or a group of hosts, shared by the connector and the
 * publisher: {@code <base>.all} for what every host reads, {@code <base>.group.<zone id>} for a group,
 * {@code <base>.host.<hostname>} for one host. A receipts topic per host is named the same way from the
 * receipts topic's base name. Kafka allows topic names of at most 249 characters from {@code [a-zA-Z0-9._-]};
 * a name that breaks that rule is refused here, naming the part at fault, rather than by the broker later.
 */
public final class TopicNames {
    public static final int MAX_LENGTH = 249;
    public static final String BROADCAST_SUFFIX = ".all";
    public static final String GROUP_INFIX = ".group.";
    public static final String HOST_INFIX = ".host.";
    /**
     * The record key that addresses every host (in the zone-id recipient modes), as the broadcast topic's records
     * carry it. It can never be a group's zone id: a topic name cannot hold it.
     */
    public static final String BROADCAST_ZONE_ID = "*";

    private TopicNames() {
    }

    /** The topic every host of the fleet reads. */
    public static String broadcast(String base) {
        return legal(requireBase(base) + BROADCAST_SUFFIX);
    }

    /** The topic of one group of hosts (a zone id). */
    public static String forGroup(String base, String zoneId) {
        return legal(requireBase(base) + GROUP_INFIX + requirePart("zone id", zoneId));
    }

    /** The topic of one host. */
    public static String forHost(String base, String hostname) {
        return legal(requireBase(base) + HOST_INFIX + requirePart("hostname", hostname));
    }

    /**
     * The topic a record for {@code zoneId} goes to in the per-group layout: the broadcast topic for
     * {@link #BROADCAST_ZONE_ID}, else the group's.
     */
    public static String forZoneRecipient(String base, String zoneId) {
        return BROADCAST_ZONE_ID.equals(zoneId) ? broadcast(base) : forGroup(base, zoneId);
    }

    /**
     * A regular expression matching exactly {@code topics} and nothing else (as Connect's {@code topics.regex}
     * matches whole names): the names sorted, {@code '.'} escaped, joined by {@code '|'}. Topic names hold no
     * other character a regular expression treats specially.
     */
    public static String exactRegex(java.util.Collection<String> topics) {
        return new java.util.TreeSet<>(topics).stream()
                .map(topic -> legal(topic).replace(".", "\\."))
                .collect(java.util.stream.Collectors.joining("|"));
    }

    /**
     * Who a file delivered from {@code topic} is meant for, as far as the topic tells: the topic itself for a
     * group's or a host's topic (its files are that audience's own, and another group's file of the same name is
     * another file), else the empty string, the whole fleet (the single topic, the broadcast topic, or none
     * known).
     */
    public static String audience(String topic) {
        return topic != null && (topic.contains(GROUP_INFIX) || topic.contains(HOST_INFIX)) ? topic : "";
    }

    /** The name, when Kafka accepts it as a topic name. */
    public static String legal(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("a topic name is empty");
        }
        if (topic.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("topic name '" + topic.substring(0, 40) + "...' is "
                    + topic.length() + " characters long; Kafka allows " + MAX_LENGTH);
        }
        if (topic.equals(".") || topic.equals("..")) {
            throw new IllegalArgumentException("'" + topic + "' is not a topic name");
        }
        for (int i = 0; i < topic.length(); i++) {
            if (!legalChar(topic.charAt(i))) {
                throw new IllegalArgumentException("topic name '" + topic + "' contains '" + topic.charAt(i)
                        + "'; Kafka allows only letters, digits, '.', '_' and '-'");
            }
        }
        return topic;
    }

    private static String requireBase(String base) {
        return requirePart("base topic name", base);
    }

    private static String requirePart(String what, String part) {
        if (part == null || part.isEmpty()) {
            throw new IllegalArgumentException("the " + what + " of a topic name is empty");
        }
        for (int i = 0; i < part.length(); i++) {
            if (!legalChar(part.charAt(i))) {
                throw new IllegalArgumentException("the " + what + " '" + part + "' contains '" + part.charAt(i)
                        + "', which a topic name cannot hold (letters, digits, '.', '_' and '-' only)");
            }
        }
        return part;
    }

    private static boolean legalChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '-';
    }
}
