package io.github.kresconnect.filesink.receipts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The per-host reader's topics, on Kafka's own in-memory consumer: a named host's topic missing when reading
 * starts is read, from its beginning, once it appears while waiting; receipts claiming another host are ignored.
 */
class ReceiptReaderTest {
    private static final String BASE = "knot-resolver-receipts";
    private static final Node BROKER = new Node(1, "localhost", 9092);

    private static PartitionInfo partition(String topic) {
        return new PartitionInfo(topic, 0, BROKER, new Node[] {BROKER}, new Node[] {BROKER});
    }

    private static Receipt published(String host, String file) {
        return new Receipt(Receipt.KIND_FILE, host, host, file, 3, "0".repeat(64), "t-" + file, -1, Receipt.PUBLISHED,
                null, null, null, null, null, 1L, "knot-resolver", 0, 0, "resolver-file-sink", "test");
    }

    @Test
    void aNamedHostsTopicThatAppearsWhileWaitingIsReadFromItsBeginning() {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
        String r1 = BASE + ".host.r1";
        String r2 = BASE + ".host.r2";
        consumer.updatePartitions(r1, List.of(partition(r1)));
        consumer.updatePartitions(BASE + ".host.r10", List.of(partition(BASE + ".host.r10"))); // not addressed
        consumer.updateBeginningOffsets(Map.of(new TopicPartition(r1, 0), 0L));
        ReceiptReader reader = ReceiptReader.perHost(consumer, BASE, List.of("r1", "r2"), Duration.ofSeconds(1),
                Duration.ZERO);
        assertEquals(Set.of(r1), reader.topics());

        consumer.addRecord(new ConsumerRecord<>(r1, 0, 0, new byte[0], published("r1", "a.rpz").toJson()));
        // r2's topic appears (created by the operator) after r2 wrote two receipts into it: both count, the one
        // written before the reader saw the topic too. A receipt in r2's topic claiming r1 is not believed.
        consumer.schedulePollTask(() -> {
            consumer.updatePartitions(r2, List.of(partition(r2)));
            consumer.updateBeginningOffsets(Map.of(new TopicPartition(r2, 0), 0L));
        });
        List<Receipt> read = new ArrayList<>();
        boolean done = reader.readUntil(read::add, () -> read.size() >= 3, System.nanoTime() + 10_000_000_000L,
                () -> {
                    if (reader.topics().contains(r2) && consumer.position(new TopicPartition(r2, 0)) == 0
                            && read.stream().noneMatch(r -> r.host().equals("r2"))) {
                        consumer.addRecord(new ConsumerRecord<>(r2, 0, 0, new byte[0],
                                published("r2", "a.rpz").toJson()));
                        consumer.addRecord(new ConsumerRecord<>(r2, 0, 1, new byte[0],
                                published("r1", "forged.rpz").toJson()));
                        consumer.addRecord(new ConsumerRecord<>(r2, 0, 2, new byte[0],
                                published("r2", "b.rpz").toJson()));
                    }
                });
        assertTrue(done, "read: " + read);
        assertEquals(List.of("r1 a.rpz", "r2 a.rpz", "r2 b.rpz"), read.stream().map(r -> r.host() + " " + r.file())
                .toList());
        assertEquals(Set.of(r1, r2), reader.topics(), "r10's topic is not read: r10 was not addressed");
        assertEquals(List.of(r2), reader.appeared());
        assertEquals(1, reader.ignored().size(), reader.ignored().toString());
        assertTrue(reader.ignored().get(0).contains("claims host 'r1'"), reader.ignored().toString());
        assertEquals(0L, consumer.committed(Set.of(new TopicPartition(r2, 0))).size(), "nothing committed");
    }

    @Test
    void withNoHostNamedEveryHostsTopicIsReadAndNoneAtAllIsAnError() {
        MockConsumer<byte[], byte[]> empty = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
        empty.updatePartitions(BASE, List.of(partition(BASE))); // the shared topic is no host's
        assertThrows(IllegalStateException.class, () -> ReceiptReader.perHost(empty, BASE, List.of(),
                Duration.ofSeconds(1), Duration.ZERO));

        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
        consumer.updatePartitions(BASE + ".host.r1", List.of(partition(BASE + ".host.r1")));
        consumer.updatePartitions(BASE + ".host.r2", List.of(partition(BASE + ".host.r2")));
        ReceiptReader reader = ReceiptReader.perHost(consumer, BASE, List.of(), Duration.ofSeconds(1),
                Duration.ofHours(1));
        assertEquals(Set.of(BASE + ".host.r1", BASE + ".host.r2"), reader.topics());
    }
}
