package io.github.kresconnect.filesink;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectStandalone;

/**
 * A real KRaft broker and standalone worker in the test JVM, with the converters the shipped worker config
 * uses, running the connector; and records built as the protocol defines them.
 */
public final class EmbeddedResolverWorker implements AutoCloseable {
    public static final String TOPIC = "knot-resolver";
    public static final int CHUNK = 512 * 1024;

    private final EmbeddedConnectStandalone connect;

    private EmbeddedResolverWorker(EmbeddedConnectStandalone connect) {
        this.connect = connect;
    }

    /** Starts a broker and a worker that commits offsets every 500 ms, and creates the topic. */
    public static EmbeddedResolverWorker start(int partitions) {
        EmbeddedConnectStandalone connect = new EmbeddedConnectStandalone.Builder()
                .workerProps(new HashMap<>(Map.of( // mutable: the worker adds its own entries
                        "key.converter", "org.apache.kafka.connect.storage.StringConverter",
                        "value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter",
                        "header.converter", "org.apache.kafka.connect.storage.StringConverter",
                        "offset.flush.interval.ms", "500")))
                .build();
        connect.start();
        connect.kafka().createTopic(TOPIC, partitions);
        return new EmbeddedResolverWorker(connect);
    }

    /** Runs the connector with these settings on top of its class, one task and the topic; waits for RUNNING. */
    public void runConnector(String name, Map<String, String> settings) throws InterruptedException {
        Map<String, String> config = new HashMap<>(settings);
        config.put("connector.class", ResolverFileSinkConnector.class.getName());
        config.put("tasks.max", "1");
        config.putIfAbsent("topics", TOPIC);
        connect.configureConnector(name, config);
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(name, 1, "connector did not start");
    }

    public EmbeddedConnectStandalone connect() {
        return connect;
    }

    /** Sends the records in order, each acknowledged before the next. */
    public void send(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = connect.kafka().createProducer(Map.of(
                "max.request.size", 2 * 1024 * 1024, "enable.idempotence", true, "acks", "all"))) {
            for (ProducerRecord<byte[], byte[]> record : records) {
                producer.send(record).get();
            }
        }
    }

    @Override
    public void close() {
        connect.stop();
    }

    /** A whole file for {@code host}, key = file name. */
    public static ProducerRecord<byte[], byte[]> file(String host, String name, byte[] content, int partition) {
        return new ProducerRecord<>(TOPIC, partition, utf8(name), content,
                List.<Header>of(header("hostname", host), header("file-name", name)));
    }

    /** The file in chunks of {@link #CHUNK} bytes, headers as UTF-8 decimal strings, 1-based. */
    public static List<ProducerRecord<byte[], byte[]>> chunked(String host, String name, byte[] content,
            int partition) {
        int total = (content.length + CHUNK - 1) / CHUNK;
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            byte[] chunk = Arrays.copyOfRange(content, i * CHUNK, Math.min(content.length, (i + 1) * CHUNK));
            out.add(new ProducerRecord<>(TOPIC, partition, utf8(name), chunk, List.<Header>of(
                    header("hostname", host), header("file-name", name),
                    header("total-chunks", Integer.toString(total)), header("chunk-index", Integer.toString(i + 1)))));
        }
        return out;
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, utf8(value));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
