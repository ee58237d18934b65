package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class RecipientPartitionerTest {

    @Test
    void sameAsKafkasDefaultPartitionerForTheRecipientAsKey() {
        for (String recipient : List.of("resolver1.example.net", "r2", "dc-east", "ünïcode-host", "x")) {
            for (int partitions : List.of(1, 3, 6, 12, 50)) {
                assertEquals(BuiltInPartitioner.partitionForKey(recipient.getBytes(StandardCharsets.UTF_8), partitions),
                        RecipientPartitioner.partition(recipient, partitions), recipient + " among " + partitions);
            }
        }
    }

    @Test
    void stableValuesAcrossVersionsAndMachines() {
        // murmur2 as Kafka defines it; a change here would move recipients to other partitions.
        assertEquals(RecipientPartitioner.hash("resolver1.example.net") % 6,
                RecipientPartitioner.partition("resolver1.example.net", 6));
        assertEquals(198048090, RecipientPartitioner.hash("resolver1"));
    }

    @Test
    void partitionsStayInRangeAndSpreadRecipients() {
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int partition = RecipientPartitioner.partition("resolver-" + i, 8);
            assertTrue(partition >= 0 && partition < 8);
            used.add(partition);
        }
        assertEquals(8, used.size());
        assertThrows(IllegalArgumentException.class, () -> RecipientPartitioner.partition("r", 0));
    }
}
