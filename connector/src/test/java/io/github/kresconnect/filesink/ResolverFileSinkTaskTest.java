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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.notify.CapturedLog;
import io.github.kresconnect.filesink.notify.ChangeNotifier;
import io.github.kresconnect.filesink.store.FileKind;
import io.github.kresconnect.filesink.store.FileStore;
import io.github.kresconnect.filesink.store.SourcePartition;
import io.github.kresconnect.filesink.store.StoreSettings;
import io.github.kresconnect.filesink.store.MutableClock;

class ResolverFileSinkTaskTest {
    private static final String TOPIC = "knot-resolver";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    @TempDir
    Path dir;

    private final RecordingSinkTaskContext context = new RecordingSinkTaskContext();
    /** What the notifier was told, and whether the file had already been replaced at that moment. */
    private final List<String> notified = new ArrayList<>();
    private final MutableClock clock = new MutableClock();
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
        }, clock);
        task.initialize(context);
        task.start(props);
    }

    /** Waits for the rounds the task started: preCommit commits synchronously. */
    private void settle() {
        task.preCommit(Map.of());
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
        settle();
        assertEquals("zone", Files.readString(dir.resolve("a.rpz")));
        assertEquals(Map.of(P0, new OffsetAndMetadata(1)), task.preCommit(Map.of(P0, new OffsetAndMetadata(1))));
    }

    @Test
    void batchesThatArriveWhileARoundRunsArePublishedWithoutAnotherRecordOrOffsetCommit() throws Exception {
        start(Map.of());
        int files = 0;
        for (int batch = 0; batch < 20; batch++) {
            List<SinkRecord> records = new ArrayList<>();
            for (int i = 0; i < 50; i++, files++) {
                records.add(record(0, "resolver1", "f" + files + ".rpz", "zone " + files, null, null));
            }
            task.put(records); // a round starts after the first; those after gather while it runs
        }
        // As Connect does with no record to deliver: put() again only when the task asked for a timeout. When it
        // stops asking, every file must be in place and reported, with no record and no offset commit to help.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int puts = 0;
        while (true) {
            int asked = context.timeouts.size();
            task.put(List.of());
            puts++;
            if (context.timeouts.size() == asked) {
                break;
            }
            assertTrue(System.nanoTime() < deadline, "still asking to be called after " + puts + " puts");
        }
        for (int i = 0; i < files; i++) {
            assertEquals("zone " + i, Files.readString(dir.resolve("f" + i + ".rpz")));
        }
        assertEquals((long) files, task.metrics().snapshot().get("files-published"), "every round reported");
    }

    @Test
    void theTimelineLoggerHasALineForEachBatchAtDebug() throws Exception {
        start(Map.of());
        Configurator.setLevel(FileStore.TIMELINE_LOGGER, Level.DEBUG);
        try (CapturedLog log = CapturedLog.of(FileStore.TIMELINE_LOGGER)) {
            task.put(List.of(record(0, "resolver1", "a.rpz", "a", null, null),
                    record(0, "resolver1", "b.rpz", "b", null, null)));
            task.put(List.of());
            settle();
            assertEquals(List.of("Batch of 2 records"), log.at(Level.DEBUG).stream().map(CapturedLog.Line::message)
                    .filter(line -> line.startsWith("Batch")).toList(),
                    "one line for the batch, none for an empty one");
        } finally {
            Configurator.setLevel(FileStore.TIMELINE_LOGGER, Level.INFO);
        }
        assertEquals("b", Files.readString(dir.resolve("b.rpz")));
    }

    @Test
    void aLargeBatchStartsItsFirstRoundBeforeItEnds() throws Exception {
        start(Map.of());
        Configurator.setLevel(FileStore.TIMELINE_LOGGER, Level.DEBUG);
        List<SinkRecord> records = new ArrayList<>();
        for (int i = 0; i < 3 * ResolverFileSinkTask.GROUP_COMMIT_EVERY + 5; i++) {
            records.add(record(0, "resolver1", "f" + i + ".rpz", "zone " + i, null, null));
        }
        try (CapturedLog log = CapturedLog.of(FileStore.TIMELINE_LOGGER)) {
            task.put(records);
            settle();
            List<String> rounds = log.at(Level.DEBUG).stream().map(CapturedLog.Line::message)
                    .filter(line -> line.startsWith("Round of") && !line.startsWith("Round of 0 files")).toList();
            assertTrue(rounds.get(0).startsWith("Round of " + ResolverFileSinkTask.GROUP_COMMIT_EVERY + " files,"),
                    "the first round took the files applied before it started, not the whole batch: " + rounds);
        } finally {
            Configurator.setLevel(FileStore.TIMELINE_LOGGER, Level.INFO);
        }
        for (int i = 0; i < records.size(); i++) {
            assertEquals("zone " + i, Files.readString(dir.resolve("f" + i + ".rpz")));
        }
        long end = records.size();
        assertEquals(Map.of(P0, new OffsetAndMetadata(end)), task.preCommit(Map.of(P0, new OffsetAndMetadata(end))));
    }

    @Test
    void assemblesChunksAcrossBatches() throws Exception {
        start(Map.of());
        task.put(List.of(record(0, "resolver1", "big.rpz", "one-", 3, 1), record(0, "resolver1", "big.rpz", "two-", 3, 2)));
        settle();
        assertFalse(Files.exists(dir.resolve("big.rpz")));
        // staged chunks are durable, so their offsets are committed even though the file is not complete yet
        assertEquals(Map.of(P0, new OffsetAndMetadata(2)), task.preCommit(Map.of(P0, new OffsetAndMetadata(2))));
        task.put(List.of(record(0, "resolver1", "big.rpz", "three", 3, 3)));
        settle();
        assertEquals("one-two-three", Files.readString(dir.resolve("big.rpz")));
    }

    @Test
    void skipsOtherHostsQuietlyAndCommitsPastThem() {
        start(Map.of());
        task.put(List.of(record(0, "resolver2", "a.rpz", "zone", null, null)));
        settle();
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
        settle();
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
    void withToleranceNoneABadRecordStopsTheTaskAndOnlyWhatCameBeforeIsCommitted() throws Exception {
        start(Map.of("errors.tolerance", "none"));
        ConnectException stopped = assertThrows(ConnectException.class, () -> task.put(List.of(
                record(0, "resolver1", "a.rpz", "before", null, null),
                record(0, "resolver1", "../x.rpz", "evil", null, null),
                record(0, "resolver1", "ok.rpz", "after", null, null))));
        assertTrue(stopped.getMessage().contains("unsafe file name '../x.rpz'"), stopped.getMessage());
        assertTrue(stopped.getMessage().contains("errors.tolerance"), stopped.getMessage());
        assertEquals(List.of(), context.reported, "nothing is set aside under tolerance none");
        assertEquals("before", Files.readString(dir.resolve("a.rpz")));
        assertFalse(Files.exists(dir.resolve("ok.rpz")));
        assertEquals(Map.of(P0, new OffsetAndMetadata(1)), task.preCommit(Map.of(P0, new OffsetAndMetadata(3))),
                "the bad record is delivered again after a restart, not skipped");
    }

    @Test
    void notifiesBeforeReplacingAndAfterPublishingAndNotForReplays() throws Exception {
        start(Map.of());
        task.put(List.of(record(0, "resolver1", "config.yaml", "a: 1\n", null, null)));
        settle();
        task.put(List.of(record(0, "resolver1", "config.yaml", "a: 2\n", null, null)));
        settle();
        task.put(List.of(record(0, "resolver1", "config.yaml", "a: 2\n", null, null)));  // identical again
        task.put(List.of(record(0, "resolver1", "zone.rpz", "z", null, null)));
        settle();
        assertEquals(List.of("CONFIG before=none", "published after=a: 1\n", "CONFIG before=a: 1\n",
                "published after=a: 2\n", "DATA before=a: 2\n", "published after=a: 2\n"), notified);
    }

    @Test
    void aFailingFilesDirectoryPausesRewindsAndResumesWithoutLosingOrSkippingARecord() throws Exception {
        context.assignment = Set.of(P0);
        start(Map.of());
        task.put(List.of(record(0, "resolver1", "a.rpz", "first", null, null)));
        settle();
        // the files directory disappears (an unmounted disk): the environment, not bad input
        Path moved = dir.resolveSibling(dir.getFileName() + "-away");
        Files.move(dir, moved);
        try {
            List<SinkRecord> batch = List.of(record(0, "resolver1", "b.rpz", "second", null, null));
            task.put(batch);
            settle();
            assertEquals(Set.of(P0), context.paused, "delivery is paused while the directory fails");
            assertEquals(Map.of(P0, 1L), context.rewinds.get(context.rewinds.size() - 1),
                    "rewound to the first record that is not durable");
            assertEquals(100L, context.timeouts.get(context.timeouts.size() - 1), "the first wait of the backoff");
            task.put(List.of()); // before the backoff elapsed: no attempt
            assertEquals(1L, task.metrics().snapshot().get("io-retries"));
            clock.advance(java.time.Duration.ofMillis(100));
            task.put(batch);
            settle();
            assertEquals(2L, task.metrics().snapshot().get("io-retries"), "tried again after the backoff");
            assertEquals(200L, context.timeouts.get(context.timeouts.size() - 1), "doubling backoff");
            assertTrue(task.metrics().snapshot().get("io-failing-since-epoch-ms") > 0);
            assertEquals(List.of(), context.reported, "an I/O failure is not the record's fault");
            assertEquals(Map.of(P0, new OffsetAndMetadata(1)), task.preCommit(Map.of(P0, new OffsetAndMetadata(2))),
                    "only what is durable is committed");
            Files.move(moved, dir);
            clock.advance(java.time.Duration.ofMillis(200));
            task.put(batch); // the store opens again; this batch is fetched again from the rewound offset
            assertEquals(Set.of(), context.paused, "delivery resumes");
            assertEquals(Map.of(P0, 1L), context.rewinds.get(context.rewinds.size() - 1));
            assertFalse(Files.exists(dir.resolve("b.rpz")));
            task.put(batch);
            settle();
            assertEquals("second", Files.readString(dir.resolve("b.rpz")));
            assertEquals(0L, task.metrics().snapshot().get("io-failing-since-epoch-ms"));
            assertEquals(Map.of(P0, new OffsetAndMetadata(2)), task.preCommit(Map.of(P0, new OffsetAndMetadata(2))));
        } finally {
            if (Files.exists(moved)) {
                Files.move(moved, dir);
            }
        }
    }

    @Test
    void recordsDeliveredAgainAfterARestartChangeNothing() throws Exception {
        start(Map.of());
        List<SinkRecord> batch = List.of(record(0, "resolver1", "a.rpz", "v1", null, null),
                record(0, "resolver1", "a.rpz", "v2", null, null));
        task.put(batch);
        settle();
        task.stop();
        task = null;
        notified.clear();
        start(Map.of());
        // As after a crash before Kafka's commit, were the records delivered again from Kafka's committed offset
        // (open() seeks past them; see the next test): v1 must not come back, not even for a moment.
        task.put(batch);
        assertEquals("v2", Files.readString(dir.resolve("a.rpz")));
        assertEquals("v1", Files.readString(dir.resolve("a.rpz.backup")));
        assertEquals(List.of(), notified, "a redelivery changes nothing, so nothing is requested");
        assertEquals(2L, task.metrics().snapshot().get("records-redelivered"));
    }

    @Test
    void aTopicCreatedAgainIsDeliveredFromItsNewStartInsteadOfSkipped() throws Exception {
        start(Map.of());
        task.put(List.of(record(0, "resolver1", "a.rpz", "v1", null, null),
                record(0, "resolver1", "b.rpz", "b", null, null)));
        settle();
        task.stop();
        // the topic is deleted and created again: its offsets start at 0 once more
        offset = 0;
        start(Map.of());
        task.open(List.of(P0));
        assertEquals(Map.of(P0, 2L), context.rewinds.get(context.rewinds.size() - 1));
        task.put(List.of(record(0, "resolver1", "a.rpz", "v2", null, null)));
        settle();
        assertEquals("v2", Files.readString(dir.resolve("a.rpz")), "not skipped as an old offset");
        assertEquals(Map.of(P0, new OffsetAndMetadata(1)), task.preCommit(Map.of(P0, new OffsetAndMetadata(1))));
    }

    @Test
    void offsetsAreKeyedByTheRecordAsReadNotAsATransformRenamedIt() throws Exception {
        start(Map.of());
        SinkRecord read = record(0, "resolver1", "a.rpz", "zone", null, null);
        SinkRecord renamed = read.newRecord("renamed-by-a-transform", 7, read.keySchema(), read.key(),
                read.valueSchema(), read.value(), read.timestamp(), read.headers());
        task.put(List.of(renamed));
        settle();
        assertEquals("zone", Files.readString(dir.resolve("a.rpz")));
        assertEquals(Map.of(P0, new OffsetAndMetadata(1)), task.preCommit(Map.of(P0, new OffsetAndMetadata(1))));
    }

    @Test
    void aValueThatIsNotBytesStopsTheTaskWithTheFixAndCommitsNothing() {
        start(Map.of());
        SinkRecord text = new SinkRecord(TOPIC, 0, Schema.STRING_SCHEMA, "a.rpz", Schema.STRING_SCHEMA, "decoded",
                offset++, null, null, new ConnectHeaders().addString("hostname", "resolver1")
                        .addString("file-name", "a.rpz"));
        ConnectException stopped = assertThrows(ConnectException.class, () -> task.put(List.of(text)));
        assertTrue(stopped.getMessage().contains("value.converter=org.apache.kafka.connect.converters."
                + "ByteArrayConverter"), stopped.getMessage());
        assertEquals(List.of(), context.reported);
        assertEquals(Map.of(), task.preCommit(Map.of(P0, new OffsetAndMetadata(1))));
    }

    @Test
    void aSecondTaskOnTheSameFilesDirectoryWaitsForTheLockAndThenDelivers() throws Exception {
        start(Map.of());
        RecordingSinkTaskContext secondContext = new RecordingSinkTaskContext();
        ResolverFileSinkTask second = new ResolverFileSinkTask((config, listener) -> ChangeNotifier.none(), clock);
        second.initialize(secondContext);
        second.start(Map.of("files.dir", dir.toString(), "resolver.hostname", "resolver1", "name", "second",
                "io.retry.backoff.ms", "100", "io.retry.backoff.max.ms", "100"));
        try {
            List<SinkRecord> batch = List.of(record(0, "resolver1", "second.rpz", "from the second task", null, null));
            second.put(batch);
            assertFalse(Files.exists(dir.resolve("second.rpz")), "nothing is written while the lock is held");
            assertEquals(Map.of(), second.preCommit(Map.of(P0, new OffsetAndMetadata(1))), "and nothing committed");
            assertEquals(1L, second.metrics().snapshot().get("io-retries"), "a condition of the host, waited out");
            task.stop(); // the first task lets the files directory go
            task = null;
            clock.advance(java.time.Duration.ofMillis(100));
            second.put(batch); // opens the store; the batch is fetched again from the rewound offset
            second.put(batch);
            second.preCommit(Map.of());
            assertEquals("from the second task", Files.readString(dir.resolve("second.rpz")));
        } finally {
            second.stop();
        }
    }

    @Test
    void aRejectedRecordsOffsetIsNotCommittedWhenItsDeadLetterIsNotTaken() throws Exception {
        context.reportOutcome = () -> CompletableFuture.failedFuture(new IOException("dead letter topic unavailable"));
        start(Map.of());
        ConnectException stopped = assertThrows(ConnectException.class, () -> task.put(List.of(
                record(0, "resolver1", "../escape.rpz", "bad name", null, null),
                record(0, "resolver1", "a.rpz", "zone", null, null))));
        assertTrue(stopped.getMessage().contains("dead letter queue) did not take rejected record"),
                stopped.getMessage());
        assertEquals(1, context.reported.size());
        task.stop();
        task = null;
        try (FileStore store = FileStore.open(dir, new StoreSettings(Set.of(".yaml"), 1 << 20, 1 << 20,
                java.time.Duration.ofHours(1)), clock, FileStore.StepHook.NONE)) {
            assertTrue(store.durableOffset(new SourcePartition(TOPIC, 0)).isEmpty(),
                    "neither the rejected record's offset nor a later one is durable");
        }
    }

    @Test
    void aTopicCreatedAgainAndThenAnIoFailureNeitherSkipsTheNewLogNorCommitsTheOldOffset() throws Exception {
        context.assignment = Set.of(P0);
        offset = 1000;
        start(Map.of());
        task.put(List.of(record(0, "resolver1", "a.rpz", "old log", null, null)));
        settle();
        task.open(List.of(P0)); // a rebalance: seeks to 1001
        int rewindsBefore = context.rewinds.size();
        offset = 0; // the topic was deleted and created again
        List<SinkRecord> newLog = List.of(record(0, "resolver1", "a.rpz", "new log", null, null),
                record(0, "resolver1", "b.rpz", "new log b", null, null));
        task.put(newLog.subList(0, 1));
        Path moved = dir.resolveSibling(dir.getFileName() + "-away");
        Files.move(dir, moved); // then the files directory fails, whenever the round of a.rpz got to
        try {
            task.put(newLog.subList(1, 2));
            Map<TopicPartition, OffsetAndMetadata> committed = task.preCommit(Map.of(P0, new OffsetAndMetadata(2)));
            assertTrue(committed.isEmpty() || committed.get(P0).offset() <= 2, "never the old log's offset: "
                    + committed);
        } finally {
            Files.move(moved, dir);
        }
        clock.advance(java.time.Duration.ofSeconds(1));
        task.put(newLog); // reopens; Kafka then delivers again from the rewound offset
        task.put(newLog);
        settle();
        for (Map<TopicPartition, Long> rewind : context.rewinds.subList(rewindsBefore, context.rewinds.size())) {
            assertTrue(rewind.get(P0) == null || rewind.get(P0) <= 2, "never back to the old log: " + rewind);
        }
        assertEquals("new log", Files.readString(dir.resolve("a.rpz")), "the new log's records are not skipped");
        assertEquals("new log b", Files.readString(dir.resolve("b.rpz")));
        assertEquals(Map.of(P0, new OffsetAndMetadata(2)), task.preCommit(Map.of(P0, new OffsetAndMetadata(2))));
    }

    @Test
    void closedPartitionsAreNotCommitted() {
        start(Map.of());
        task.put(List.of(record(0, "resolver1", "a.rpz", "x", null, null), record(1, "resolver1", "b.rpz", "y", null, null)));
        settle();
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
        settle();
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
