package io.github.kresconnect.filesink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigValue;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.notify.CapturedLog;
import io.github.kresconnect.filesink.notify.ChangeNotifier;

/** Mistakes an operator makes on day one are reported, not silently worked around. */
class LoudMistakesTest {
    @TempDir
    Path dir;

    private final ResolverFileSinkConnector connector = new ResolverFileSinkConnector();
    private final CapturedLog log = CapturedLog.of("io.github.kresconnect.filesink");

    @AfterEach
    void closeLog() {
        log.close();
    }

    private Map<String, ConfigValue> validate(Map<String, String> props) {
        Map<String, ConfigValue> values = new HashMap<>();
        connector.validate(props).configValues().forEach(v -> values.put(v.name(), v));
        return values;
    }

    /** The keys a worker passes along with the connector's own, as in the shipped resolver-sink.properties. */
    private Map<String, String> workerKeys() {
        Map<String, String> props = new HashMap<>();
        props.put("name", "resolver-file-sink-resolver1");
        props.put("connector.class", ResolverFileSinkConnector.class.getName());
        props.put("tasks.max", "1");
        props.put("topics", "knot-resolver");
        props.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        props.put("key.converter.schemas.enable", "false");
        props.put("transforms", "route");
        props.put("transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter");
        props.put("errors.tolerance", "all");
        props.put("errors.deadletterqueue.topic.name", "knot-resolver-dlq");
        props.put("errors.deadletterqueue.context.headers.enable", "true");
        props.put("consumer.override.max.poll.records", "16");
        props.put("config.action.reload", "restart");
        props.put("files.dir", dir.toString());
        return props;
    }

    private static List<String> errors(Map<String, ConfigValue> values) {
        return values.values().stream().flatMap(v -> v.errorMessages().stream().map(m -> v.name() + ": " + m))
                .sorted().toList();
    }

    @Test
    void connectsOwnKeysAreNotReported() {
        assertEquals(List.of(), errors(validate(workerKeys())));
        assertEquals(List.of(), log.at(Level.WARN));
    }

    @Test
    void aMisspeltSettingOfOursIsAnErrorOnThatKeyWithTheClosestName() {
        Map<String, String> props = workerKeys();
        props.put("resolver.hostnme", "resolver1");
        Map<String, ConfigValue> values = validate(props);
        assertEquals(List.of("resolver.hostnme: unknown setting 'resolver.hostnme'; did you mean "
                + "'resolver.hostname'?"), errors(values));
        assertEquals("resolver1", values.get("resolver.hostnme").value());
    }

    @Test
    void aMisspeltFilesDirSaysSoWhereTheDefaultDirectoryFails() {
        Map<String, String> props = workerKeys();
        props.remove("files.dir");
        props.put("files.dri", dir.toString());
        Map<String, ConfigValue> values = validate(props);
        assertEquals(List.of("unknown setting 'files.dri'; did you mean 'files.dir'?"),
                values.get("files.dri").errorMessages());
        // Where the default directory fails (it does on a machine without a resolver), its error points at the typo.
        Path defaultDir = Path.of("/var/lib/knot-resolver");
        List<String> filesDirErrors = values.get("files.dir").errorMessages();
        assertEquals(!(Files.isDirectory(defaultDir) && Files.isWritable(defaultDir)), !filesDirErrors.isEmpty());
        if (!filesDirErrors.isEmpty()) {
            assertTrue(filesDirErrors.get(0).startsWith("Files directory /var/lib/knot-resolver "), filesDirErrors::toString);
            assertEquals("'files.dir' is not set, so its default applies; the config sets 'files.dri' instead: a "
                    + "misspelling of 'files.dir'?", filesDirErrors.get(filesDirErrors.size() - 1));
        }
    }

    @Test
    void aTypoIsReportedOnItselfAloneWhenTheSettingItMeantIsSetOrValid() {
        Map<String, String> props = workerKeys();
        props.put("files.dir", dir.resolve("missing").toString());
        props.put("files.dri", dir.toString());
        // files.dir is set: its own error stands alone, the typo is still an error of its own
        Map<String, ConfigValue> values = validate(props);
        assertEquals(1, values.get("files.dir").errorMessages().size(), values.get("files.dir").errorMessages()::toString);
        assertEquals(1, values.get("files.dri").errorMessages().size());

        props.remove("files.dir");
        props.put("manager.socket", "/run/kres.sock"); // meant manager.socket.path, whose default is valid
        values = validate(props);
        assertEquals(List.of("unknown setting 'manager.socket'; did you mean 'manager.socket.path'?"),
                values.get("manager.socket").errorMessages());
        assertEquals(List.of(), values.get("manager.socket.path").errorMessages());
    }

    @Test
    void anUnknownKeyOutsideOurPrefixesIsOnlyLogged() {
        Map<String, String> props = workerKeys();
        props.put("errors.tolerence", "all");
        props.put("some.plugin.setting", "x");
        Map<String, ConfigValue> values = validate(props);
        assertEquals(List.of(), errors(values));
        assertNull(values.get("errors.tolerence"));
        assertEquals(List.of(
                "Connector config: unknown setting 'errors.tolerence' is ignored; did you mean 'errors.tolerance'?",
                "Connector config: unknown setting 'some.plugin.setting' is ignored (it is neither this connector's "
                        + "nor Kafka Connect's)"),
                log.at(Level.WARN).stream().map(CapturedLog.Line::message).toList());
    }

    @Test
    void tasksMaxAboveOneIsLoggedOnce() {
        connector.start(workerKeys());
        assertEquals(1, connector.taskConfigs(1).size());
        assertEquals(List.of(), log.at(Level.WARN));
        assertEquals(1, connector.taskConfigs(3).size());
        assertEquals(List.of("tasks.max=3 but this connector runs one task: a host has one files directory, and one "
                + "writer keeps its files in the order they were sent. Set tasks.max=1 to silence this"),
                log.at(Level.WARN).stream().map(CapturedLog.Line::message).toList());
    }

    @Test
    void theTaskWarnsAtStartAboutEachUnknownKey() {
        Map<String, String> props = workerKeys();
        props.put("resolver.hostname", "resolver1");
        props.put("resolver.zone.id", "dc-east");
        props.put("tasks.mx", "1");
        props.put("task.class", ResolverFileSinkTask.class.getName()); // as the worker passes it to a task
        ResolverFileSinkTask task = new ResolverFileSinkTask((config, listener) -> ChangeNotifier.none(),
                new io.github.kresconnect.filesink.store.MutableClock());
        task.initialize(new RecordingSinkTaskContext());
        task.start(props);
        try {
            assertEquals(List.of(
                    "Connector config: unknown setting 'resolver.zone.id' is ignored ('resolver.zone.ids' is not set, "
                            + "so its default applies); did you mean 'resolver.zone.ids'?",
                    "Connector config: unknown setting 'tasks.mx' is ignored; did you mean 'tasks.max'?"),
                    log.at(Level.WARN).stream().map(CapturedLog.Line::message).toList());
        } finally {
            task.stop();
        }
    }

    /**
     * A worker whose value converter decodes the bytes (JsonConverter on a file that happens to be JSON) hands
     * the task a map or a string: the task fails loudly at that record, reports nothing to the dead letter queue,
     * and commits nothing from that record on; what came before it stays applied.
     */
    @Test
    void aValueThatIsNotBytesFailsTheTaskAndNothingFromItIsCommitted() throws Exception {
        Map<String, String> props = workerKeys();
        props.put("resolver.hostname", "resolver1");
        props.put("task.class", ResolverFileSinkTask.class.getName());
        ResolverFileSinkTask task = new ResolverFileSinkTask((config, listener) -> ChangeNotifier.none(),
                new io.github.kresconnect.filesink.store.MutableClock());
        RecordingSinkTaskContext context = new RecordingSinkTaskContext();
        task.initialize(context);
        task.start(props);
        org.apache.kafka.common.TopicPartition p0 = new org.apache.kafka.common.TopicPartition("knot-resolver", 0);
        try {
            task.open(List.of(p0));
            org.apache.kafka.connect.sink.SinkRecord good = fileRecord(0, "a.rpz", "zone".getBytes());
            org.apache.kafka.connect.sink.SinkRecord decoded = fileRecord(1, "b.json", Map.of("a", 1L));
            org.apache.kafka.connect.sink.SinkRecord after = fileRecord(2, "c.rpz", "later".getBytes());
            org.apache.kafka.connect.errors.ConnectException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.apache.kafka.connect.errors.ConnectException.class,
                    () -> task.put(List.of(good, decoded, after)));
            assertTrue(e.getMessage().contains("not bytes") && e.getMessage().contains("ByteArrayConverter"),
                    e.getMessage());
            assertEquals(List.of(), context.reported, "nothing sent to the dead letter queue");
            // The worker asks for a last commit when it stops the failed task: never past the decoded record.
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> commit =
                    task.preCommit(Map.of(p0, new org.apache.kafka.clients.consumer.OffsetAndMetadata(3)));
            assertTrue(commit.isEmpty() || commit.get(p0).offset() <= 1, commit.toString());
            assertTrue(!Files.exists(dir.resolve("b.json")) && !Files.exists(dir.resolve("c.rpz")));
        } finally {
            task.stop();
        }
    }

    private static org.apache.kafka.connect.sink.SinkRecord fileRecord(long offset, String name, Object value) {
        org.apache.kafka.connect.header.ConnectHeaders headers = new org.apache.kafka.connect.header.ConnectHeaders();
        headers.addString("hostname", "resolver1");
        headers.addString("file-name", name);
        return new org.apache.kafka.connect.sink.SinkRecord("knot-resolver", 0,
                org.apache.kafka.connect.data.Schema.STRING_SCHEMA, name, null, value, offset, null, null, headers);
    }
}
