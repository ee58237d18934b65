package io.github.kresconnect.filesink.notify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectStandalone;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notification path end to end, on a real KRaft broker and standalone worker, with the fake manager on a
 * Unix socket: a chunked RPZ zone followed by a config yields exactly one reload, one quiet period after the
 * last file, and no renew (the reload covers it).
 */
class ManagerNotificationIT {
    private static final String TOPIC = "knot-resolver";
    private static final String CONNECTOR = "resolver-file-sink-notify";
    private static final int CHUNK = 512 * 1024;
    private static final long QUIET_MS = 1_500;

    @TempDir
    static Path work;

    private static Path filesDir;
    private static FakeManager manager;
    private static EmbeddedConnectStandalone connect;

    @BeforeAll
    static void start() throws Exception {
        filesDir = Files.createDirectory(work.resolve("files"));
        manager = FakeManager.start(work.resolve("kres-api.sock"));
        connect = new EmbeddedConnectStandalone.Builder()
                .workerProps(new HashMap<>(Map.of( // the worker adds its own entries
                        "key.converter", "org.apache.kafka.connect.storage.StringConverter",
                        "value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter",
                        "header.converter", "org.apache.kafka.connect.storage.StringConverter",
                        "offset.flush.interval.ms", "500")))
                .build();
        connect.start();
        connect.kafka().createTopic(TOPIC, 1);
        connect.configureConnector(CONNECTOR, Map.ofEntries(
                Map.entry("connector.class", "io.github.kresconnect.filesink.ResolverFileSinkConnector"),
                Map.entry("tasks.max", "1"),
                Map.entry("topics", TOPIC),
                Map.entry("files.dir", filesDir.toString()),
                Map.entry("resolver.hostname", "resolver1"),
                Map.entry("manager.socket.path", manager.socket().toString()),
                Map.entry("notify.quiet.period.ms", Long.toString(QUIET_MS)),
                Map.entry("notify.max.delay.ms", "60000")));
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(CONNECTOR, 1, "connector did not start");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (connect != null) {
                connect.stop();
            }
        } finally {
            if (manager != null) {
                manager.close();
            }
        }
    }

    @Test
    void aChunkedZoneThenAConfigYieldOneReloadOneQuietPeriodAfterTheLastFile() throws Exception {
        byte[] zone = new byte[3 * CHUNK + 777];
        new Random(7).nextBytes(zone);
        byte[] config = "network:\n  listen:\n    - interface: 127.0.0.1@53\n".getBytes(StandardCharsets.UTF_8);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(chunked("zones/block.rpz", zone));
        records.add(file("config.yaml", config));
        send(records);

        long configPublishedAt = awaitContent(filesDir.resolve("config.yaml"), config, Duration.ofSeconds(60));
        assertArrayEquals(zone, Files.readAllBytes(filesDir.resolve("zones/block.rpz")), "zone published first");

        FakeManager.Request reload = manager.awaitPosts(1, Duration.ofSeconds(30)).get(0);
        assertEquals("/reload", reload.path());
        assertEquals("unix", reload.transport());
        long afterPublishMs = (reload.nanoTime() - configPublishedAt) / 1_000_000;
        // Observing the file takes a few ms after its trigger, hence the small allowance below the quiet period.
        assertTrue(afterPublishMs >= QUIET_MS - 100 && afterPublishMs <= QUIET_MS + 1_500,
                "reload came " + afterPublishMs + " ms after the config was published");

        // Nothing more: the renew for the zone was absorbed by the reload, and nothing else is owed.
        assertThrows(TimeoutException.class, () -> manager.awaitPosts(2, Duration.ofMillis(2 * QUIET_MS)),
                () -> "expected one reload only: " + manager.posts());
        assertEquals(List.of("/reload"), manager.posts().stream().map(FakeManager.Request::path).toList());
        assertFalse(Files.exists(filesDir.resolve(".resolver-file-sink/pending-notification")),
                "the accepted reload cleared the persisted request");
    }

    /** Polls until the file has exactly this content; returns System.nanoTime() of that observation. */
    private static long awaitContent(Path file, byte[] content, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Arrays.equals(content, Files.readAllBytes(file))) {
                return System.nanoTime();
            }
            Thread.sleep(5);
        }
        throw new AssertionError(file + " was not published within " + timeout);
    }

    private static ProducerRecord<byte[], byte[]> file(String name, byte[] content) {
        return new ProducerRecord<>(TOPIC, 0, utf8(name), content,
                List.<Header>of(header("hostname", "resolver1"), header("file-name", name)));
    }

    private static List<ProducerRecord<byte[], byte[]>> chunked(String name, byte[] content) {
        int total = (content.length + CHUNK - 1) / CHUNK;
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            byte[] chunk = Arrays.copyOfRange(content, i * CHUNK, Math.min(content.length, (i + 1) * CHUNK));
            out.add(new ProducerRecord<>(TOPIC, 0, utf8(name), chunk, List.<Header>of(
                    header("hostname", "resolver1"), header("file-name", name),
                    header("total-chunks", Integer.toString(total)), header("chunk-index", Integer.toString(i + 1)))));
        }
        return out;
    }

    private static void send(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = connect.kafka().createProducer(Map.of(
                "max.request.size", 2 * 1024 * 1024, "enable.idempotence", true, "acks", "all"))) {
            for (ProducerRecord<byte[], byte[]> record : records) {
                producer.send(record);
            }
            producer.flush();
        }
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, utf8(value));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
