package io.github.kresconnect.filesink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.notify.ChangeNotifier;
import io.github.kresconnect.filesink.store.FileKind;

class ResolverFileSinkTaskTest {
    private static final String TOPIC = "knot-resolver";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    @TempDir
    Path dir;

    private final RecordingSinkTaskContext context = new RecordingSinkTaskContext();
    /** What the notifier was told, and whether the file had already been replaced at that moment. */
    private final List<String> notified = new ArrayList<>();
    private ResolverFileSinkTask task;
    private long offset;

    private void start(Map<String, String> extra) {
        Map<String, String> props = new HashMap<>(Map.of("files.dir", dir.toString(),
                "resolver.hostname", "resolver1", "errors.tolerance", "all", "io.retry.backoff.ms", "100",
                "io.retry.backoff.max.ms", "250"));
        props.putAll(extra);
        task = new ResolverFileSinkTask((config, listener) -> new ChangeNotifier() {
            @Override
            public void fileChanging(FileKind kind) throws IOException {
                notified.add(kind + " before=" + (Files.exists(dir.resolve("config.yaml"))
                        ? Files.readString(dir.resolve("config.yaml")) : "none"));
            }

            @Override
            public void filesPublished() {
                try {
                    notified.add("published after=" + (Files.exists(dir.resolve("config.yaml"))
                            ? Files.readString(dir.resolve("config.yaml")) : "none"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void close() {
            }
        }, Clock.systemUTC());
        task.initialize(context);
        task.start(props);
    }

    @AfterEach
    void stop() {
        if (task != null) {
            task.stop();
        }
    }

    @Test
    void publishesWholeFilesAndCommitsTheirOffsets() throws Exception {
        start(Map.of());
        task.put(List.of(record(0, "resolver1", "a.rpz", "zone", null, null)));
        assertEquals("zone", Files.readString(dir.resolve("a.rpz")));
        assertEquals(Map.of(P0, new OffsetAndMetadata(1)), task.preCommit(Map.of(P0, new OffsetAndMetadata(1))));
    }

    @Test
    void assemblesChunksAcrossBatches() throws Exception {
        start(Map.of());
        task.put(List.of(record(0, "resolver1", "big.rpz", "one-", 3, 1), record(0, "resolver1", "big.rpz", "two-", 3, 2)));
        assertFalse(Files.exists(dir.resolve("big.rpz")));
        // staged chunks are durable, so their offsets are committed even though the file is not complete yet
        assertEquals(Map.of(P0, new OffsetAndMetadata(2)), task.preCommit(Map.of(P0, new OffsetAndMetadata(2))));
        task.put(List.of(record(0, "resolver1", "big.rpz", "three", 3, 3)));
        assertEquals("one-two-three", Files.readString(dir.resolve("big.rpz")));
    }

    @Test
    void skipsOtherHostsQuietlyAndCommitsPastThem() {
        start(Map.of());
        task.put(List.of(record(0, "resolver2", "a.rpz", "zone", null, null)));
        assertFalse(Files.exists(dir.resolve("a.rpz")));
        assertEquals(List.of(), context.reported);
        assertEquals(Map.of(P0, new OffsetAndMetadata(1)), task.preCommit(Map.of(P0, new OffsetAndMetadata(1))));
    }

    @Test
    void badRecordsGoToTheReporterAndTheOthersStillLand() throws Exception {
        start(Map.of());
        SinkRecord hostile = record(0, "resolver1", "../x.rpz", "evil", null, null);
        SinkRecord noHost = record(0, null, "b.rpz", "who", null, null);
        SinkRecord badConfig = record(0, "resolver1", "config.yaml", "a: 1\na: 2\n", null, null);
        task.put(List.of(hostile, noHost, badConfig, record(0, "resolver1", "ok.rpz", "fine", null, null)));
        assertEquals(List.of(hostile, noHost, badConfig), context.reported);
        assertTrue(context.reasons.get(1).getMessage().contains("hostname"), context.reasons.get(1).getMessage());
        assertTrue(context.reasons.get(2).getMessage().toLowerCase().contains("duplicate"),
                context.reasons.get(2).getMessage());
        assertEquals("fine", Files.readString(dir.resolve("ok.rpz")));
        assertFalse(Files.exists(dir.resolve("config.yaml")));
        assertFalse(Files.exists(dir.getParent().resolve("x.rpz")));
        assertEquals(Map.of(P0, new OffsetAndMetadata(4)), task.preCommit(Map.of(P0, new OffsetAndMetadata(4))));
    }

    @Test
    void withoutToleranceBadRecordsAreLoggedButTheTaskKeepsGoing() throws Exception {
        start(Map.of("errors.tolerance", "none"));
        task.put(List.of(record(0, "resolver1", "../x.rpz", "evil", null, null),
                record(0, "resolver1", "ok.rpz", "fine", null, null)));
        assertEquals(List.of(), context.reported, "the worker's reporter would fail the task under tolerance none");
        assertEquals("fine", Files.readString(dir.resolve("ok.rpz")));
    }

    @Test
    void notifiesBeforeReplacingAndAfterPublishingAndNotForReplays() throws Exception {
        start(Map.of());
        task.put(List.of(record(0, "resolver1", "config.yaml", "a: 1\n", null, null)));
        task.put(List.of(record(0, "resolver1", "config.yaml", "a: 2\n", null, null)));
        task.put(List.of(record(0, "resolver1", "config.yaml", "a: 2\n", null, null)));  // replay
        task.put(List.of(record(0, "resolver1", "zone.rpz", "z", null, null)));
        assertEquals(List.of("CONFIG before=none", "published after=a: 1\n", "CONFIG before=a: 1\n",
                "published after=a: 2\n", "published after=a: 2\n", "DATA before=a: 2\n",
                "published after=a: 2\n"), notified);
    }

    @Test
    void ioFailureIsRetriedWithBackoffAndOnlyHandledRecordsAreCommitted() throws Exception {
        start(Map.of());
        task.put(List.of(record(0, "resolver1", "a.rpz", "first", null, null)));
        // the files directory disappears (an unmounted disk): a transient failure, not bad input
        Path moved = dir.resolveSibling(dir.getFileName() + "-away");
        Files.move(dir, moved);
        try {
            List<SinkRecord> batch = List.of(record(1, "resolver1", "b.rpz", "second", null, null));
            assertThrows(RetriableException.class, () -> task.put(batch));
            assertThrows(RetriableException.class, () -> task.put(batch));
            assertEquals(List.of(100L, 200L), context.timeouts, "doubling backoff");
            assertEquals(List.of(), context.reported, "an I/O failure is not the record's fault");
            assertEquals(Map.of(P0, new OffsetAndMetadata(1)),
                    task.preCommit(Map.of(P0, new OffsetAndMetadata(1), P1, new OffsetAndMetadata(1))));
            Files.move(moved, dir);
            task.put(batch);  // the worker delivers the same batch again
            assertEquals("second", Files.readString(dir.resolve("b.rpz")));
            assertEquals(Map.of(P0, new OffsetAndMetadata(1), P1, new OffsetAndMetadata(1)),
                    task.preCommit(Map.of(P0, new OffsetAndMetadata(1), P1, new OffsetAndMetadata(1))));
        } finally {
            if (Files.exists(moved)) {
                Files.move(moved, dir);
            }
        }
    }

    @Test
    void closedPartitionsAreNotCommitted() {
        start(Map.of());
        task.put(List.of(record(0, "resolver1", "a.rpz", "x", null, null), record(1, "resolver1", "b.rpz", "y", null, null)));
        task.close(List.of(P1));
        assertEquals(Map.of(P0, new OffsetAndMetadata(1)), task.preCommit(Map.of(P0, new OffsetAndMetadata(1))));
    }

    @Test
    void metricsCountWhatHappenedAndAreReadableThroughJmx() throws Exception {
        start(Map.of("name", "metrics-test"));
        task.put(List.of(
                record(0, "resolver1", "big.rpz", "ab", 2, 1),
                record(0, "resolver1", "big.rpz", "cd", 2, 2),
                record(0, "resolver1", "big.rpz", "abcd", null, null),  // same content again
                record(0, "resolver2", "x.rpz", "x", null, null),
                record(0, null, "y.rpz", "y", null, null),
                record(0, "resolver1", "../z.rpz", "z", null, null)));
        Map<String, Long> values = task.metrics().snapshot();
        assertEquals(1L, values.get("files-published"));
        assertEquals(1L, values.get("files-unchanged"));
        assertEquals(2L, values.get("chunks-staged"));
        assertEquals(4L, values.get("bytes-written"));
        assertEquals(1L, values.get("records-skipped"));
        assertEquals(2L, values.get("records-rejected"));
        assertEquals(1L, values.get("records-rejected-invalid-record"));
        assertEquals(1L, values.get("records-rejected-unsafe-name"));
        assertEquals(0L, values.get("records-rejected-invalid-config"));
        assertTrue(values.get("last-publish-epoch-ms") > 0);

        javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName name = io.github.kresconnect.filesink.metrics.SinkMetrics.jmxName("metrics-test");
        assertEquals(1L, jmx.getAttribute(name, "files-published"));
        assertEquals(2L, jmx.getAttribute(name, "records-rejected"));
        task.stop();
        assertFalse(jmx.isRegistered(name), "stop() leaves no JMX bean behind");
        task = null;
    }

    private SinkRecord record(int partition, String host, String name, String content, Integer total, Integer index) {
        ConnectHeaders headers = new ConnectHeaders();
        if (host != null) {
            headers.addString("hostname", host);
        }
        headers.addString("file-name", name);
        if (total != null) {
            headers.addString("total-chunks", total.toString());
            headers.addString("chunk-index", index.toString());
        }
        long recordOffset = partition == 0 ? offset++ : 0;
        return new SinkRecord(TOPIC, partition, Schema.STRING_SCHEMA, name, Schema.BYTES_SCHEMA,
                content.getBytes(StandardCharsets.UTF_8), recordOffset, null, null, headers);
    }

    @SuppressWarnings("unused")
    private static void assertBytes(byte[] expected, Path file) throws IOException {
        assertArrayEquals(expected, Files.readAllBytes(file));
    }
}
