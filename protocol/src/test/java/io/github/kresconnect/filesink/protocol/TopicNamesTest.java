package io.github.kresconnect.filesink.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TopicNamesTest {
    @Test
    void namesTheLayoutsTopics() {
        assertEquals("knot-resolver.all", TopicNames.broadcast("knot-resolver"));
        assertEquals("knot-resolver.group.eu-west", TopicNames.forGroup("knot-resolver", "eu-west"));
        assertEquals("knot-resolver.host.resolver1.example.net",
                TopicNames.forHost("knot-resolver", "resolver1.example.net"));
        assertEquals("knot-resolver-receipts.host.r2", TopicNames.forHost("knot-resolver-receipts", "r2"));
    }

    @Test
    void refusesPartsKafkaWouldRefuse() {
        IllegalArgumentException slash = assertThrows(IllegalArgumentException.class,
                () -> TopicNames.forHost("knot-resolver", "a/b"));
        assertTrue(slash.getMessage().contains("hostname 'a/b' contains '/'"), slash.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TopicNames.forGroup("knot-resolver", ""));
        assertThrows(IllegalArgumentException.class, () -> TopicNames.forGroup("knot resolver", "z"));
        assertThrows(IllegalArgumentException.class, () -> TopicNames.broadcast(null));
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> TopicNames.forHost("knot-resolver", "h".repeat(240)));
        assertTrue(tooLong.getMessage().contains("Kafka allows 249"), tooLong.getMessage());
        assertEquals("h".repeat(249), TopicNames.legal("h".repeat(249)));
        assertThrows(IllegalArgumentException.class, () -> TopicNames.legal(".."));
    }

    @Test
    void theBroadcastRecipientGoesToTheBroadcastTopic() {
        assertEquals("kr.all", TopicNames.forZoneRecipient("kr", TopicNames.BROADCAST_ZONE_ID));
        assertEquals("kr.group.east", TopicNames.forZoneRecipient("kr", "east"));
        assertThrows(IllegalArgumentException.class, () -> TopicNames.forGroup("kr", TopicNames.BROADCAST_ZONE_ID));
    }

    @Test
    void theExactRegexMatchesTheTopicsAndNothingElse() {
        String regex = TopicNames.exactRegex(java.util.List.of("kr.host.r1", "kr.all", "kr.group.east"));
        assertEquals("kr\\.all|kr\\.group\\.east|kr\\.host\\.r1", regex);
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(regex);
        for (String topic : new String[] {"kr.all", "kr.group.east", "kr.host.r1"}) {
            assertTrue(pattern.matcher(topic).matches(), topic);
        }
        for (String other : new String[] {"kr", "kr.host.r10", "kr.group.eastx", "krxall", "kr.host.r2"}) {
            assertTrue(!pattern.matcher(other).matches(), other);
        }
    }
}
