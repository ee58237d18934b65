package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.kresconnect.filesink.ResolverFileSinkConnector;
import io.github.kresconnect.filesink.watchdog.FailedTaskWatchdog;

/**
 * A real worker of Kafka 4.3.1 with the shipped configs, the shipped log4j 2 config and a value converter that
 * decodes JSON, as an operator might set it worker-wide: nothing is lost without a word. A converter in the
 * connector's own config is refused; a record the converter cannot parse goes to the dead letter queue before the
 * connector sees it, and shows as one log line and in the worker's error metrics; a file that parses as JSON
 * reaches the task as a map, which fails it; the failed task ends the worker (status 70) through the watchdog, for
 * the service manager to start it again; started again and failing again, the worker waits twice the grace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorMistakesIT {
    private static final String KAFKA_VERSION = "4.3.1";
    private static final String HOST = "r1";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private KafkaDistribution dist;
    private BrokerProcess broker;

    @BeforeAll
    void startBroker() throws Exception {
        dir = KafkaDistribution.projectDir().resolve("target/operator-mistakes-it");
        RealWorkerScenario.deleteRecursively(dir);
        Files.createDirectories(dir);
        dist = KafkaDistribution.resolve(KAFKA_VERSION);
        broker = BrokerProcess.start(dist, dir.resolve("broker"), dir.resolve("broker"));
    }

    @AfterAll
    void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aDecodingConverterLosesNothingSilentlyAndAFailedTaskEndsTheWorker() throws Exception {
        String dlq = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");
        String receipts = ShippedConfig.receiptsTopicOf(HOST);
        broker.admin().createTopics(List.of(new NewTopic(FileDeliveryScenario.TOPIC, 1, (short) 1),
                new NewTopic(dlq, 1, (short) 1), new NewTopic(receipts, 1, (short) 1)))
                .all().get(30, TimeUnit.SECONDS);
        Path files = Files.createDirectories(dir.resolve("files"));
        Path pluginPath = dir.resolve("plugins");
        HubComponent.installInto(pluginPath);
        int restPort = FreePorts.next();
        int jmxPort = FreePorts.next();
        Path worker = ShippedConfig.worker("worker.properties", dir, broker.bootstrapServers(), restPort, pluginPath,
                Map.of("value.converter", "org.apache.kafka.connect.json.JsonConverter",
                        FailedTaskWatchdog.GRACE_CONFIG, "3000"), Map.of());
        ShippedConfig.append("worker.properties", worker, Map.of("value.converter.schemas.enable", "false"));
        Path sink = ShippedConfig.copy("resolver-sink.properties", dir.resolve("resolver-sink.properties"), Map.of(
                "name", "resolver-file-sink-" + HOST,
                "resolver.hostname", HOST,
                "files.dir", files.toString(),
                "manager.socket.path", dir.resolve("kres-api.sock").toString(),
                "receipts.bootstrap.servers", broker.bootstrapServers()));

        // As the unit starts it: the shipped log4j 2 config, the REST API's credentials, JMX on loopback.
        RestCredentials credentials = RestCredentials.forWorker(worker).orElseThrow();
        List<String> command = new ArrayList<>();
        for (String option : dist.javaCommand(dir, "512m", "org.apache.kafka.connect.cli.ConnectStandalone",
                worker.toString(), sink.toString())) {
            command.add(option.startsWith("-Dlog4j2.configurationFile=")
                    ? "-Dlog4j2.configurationFile=" + ShippedConfig.shipped("connect-log4j2.properties") : option);
        }
        command.addAll(1, List.of(credentials.jvmOption(), "-Dcom.sun.management.jmxremote.port=" + jmxPort,
                "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort, "-Dcom.sun.management.jmxremote.host=127.0.0.1",
                "-Djava.rmi.server.hostname=127.0.0.1", "-Dcom.sun.management.jmxremote.authenticate=false",
                "-Dcom.sun.management.jmxremote.ssl=false"));
        LoggedProcess process = LoggedProcess.start("Connect worker (" + dist + ")", command, dir,
                dir.resolve("worker.log"));
        String name = "resolver-file-sink-" + HOST;
        try (StandaloneWorkerProcess connect = StandaloneWorkerProcess.attach(process, restPort, credentials);
                KafkaProducer<String, byte[]> producer = FileDeliveryScenario.producer(broker.bootstrapServers())) {
            connect.awaitRunning(name, TIMEOUT);

            // 1. The same converter in the connector's own config is refused before anything runs.
            Map<String, String> config = new java.util.HashMap<>(Map.of(
                    "connector.class", ResolverFileSinkConnector.class.getName(), "name", name,
                    "topics", FileDeliveryScenario.TOPIC, "files.dir", files.toString(),
                    "value.converter", "org.apache.kafka.connect.json.JsonConverter"));
            var validated = connect.put("/connector-plugins/" + ResolverFileSinkConnector.class.getName()
                    + "/config/validate", JSON.writeValueAsString(config));
            assertEquals(200, validated.statusCode(), validated.body());
            JsonNode result = JSON.readTree(validated.body());
            assertTrue(result.path("error_count").asInt() >= 1, validated.body());
            assertTrue(validated.body().contains("cannot carry file bytes"), validated.body());

            // 2. A file the converter cannot parse: lost before the connector, but one line says so, and a metric.
            producer.send(FileDeliveryScenario.record(0, HOST, "zone.rpz", "block.example. CNAME .\n"
                    .getBytes(StandardCharsets.UTF_8), 0, 0)).get(30, TimeUnit.SECONDS);
            process.awaitLogLine("Record lost before the connector", TIMEOUT);
            List<String> lost = process.logText().lines().filter(l -> l.contains("Record lost before the connector"))
                    .toList();
            assertEquals(1, lost.size(), lost.toString());
            assertTrue(lost.get(0).startsWith("<3>ERROR ") && lost.get(0).contains("VALUE_CONVERTER")
                    && lost.get(0).contains("partition=0, offset=0") && lost.get(0).contains("org.apache.kafka.connect.errors.DataException: Converting byte[]"),
                    lost.get(0));
            assertTrue(process.logText().lines().noneMatch(l -> l.startsWith("\tat ")), "no stack trace");
            assertFalse(Files.exists(files.resolve("zone.rpz")));
            assertTrue(errorMetric(jmxPort, name, "total-record-errors") >= 1);
            assertTrue(errorMetric(jmxPort, name, "deadletterqueue-produce-requests") >= 1);
            assertTrue(connect.getJson("/connectors/" + name + "/status").path("tasks").get(0).path("state").asText()
                    .equals("RUNNING"), "the worker itself goes on after such a record");

            // 3. A file that parses as JSON reaches the task as a map: the task fails, saying why; the watchdog ends
            //    the worker once its grace has passed.
            producer.send(FileDeliveryScenario.record(0, HOST, "data.json", "{\"a\": 1}"
                    .getBytes(StandardCharsets.UTF_8), 0, 0)).get(30, TimeUnit.SECONDS);
            process.awaitLogLine("is FAILED", TIMEOUT);
            Await.until("the worker to exit", TIMEOUT, () -> !process.isAlive(), process::tail);
            assertEquals(FailedTaskWatchdog.EXIT_STATUS, process.exitValue(), process.tail());
            String log = process.logText();
            assertTrue(log.lines().anyMatch(l -> l.startsWith("<4>WARN ") && l.contains("The task " + name + "-0 is "
                    + "FAILED") && l.contains("not bytes")), log);
            assertTrue(log.lines().anyMatch(l -> l.startsWith("<3>ERROR ") && l.contains("Exiting the worker with "
                    + "status 70")), log);
            assertFalse(Files.exists(files.resolve("data.json")));
        }

        // 4. Started again as systemd would, the worker meets the same record and fails again: the exit was counted
        //    beside the offsets file, so this worker's grace is twice the first, and its lines say why.
        Path state = dir.resolve("resolver-watchdog.state");
        assertTrue(Files.readString(state, StandardCharsets.UTF_8).startsWith("failure-exits=1\n"),
                "the exit was counted in " + state);
        LoggedProcess again = LoggedProcess.start("Connect worker, restarted (" + dist + ")", command, dir,
                dir.resolve("worker-2.log"));
        try (StandaloneWorkerProcess connect = StandaloneWorkerProcess.attach(again, restPort, credentials)) {
            again.awaitLogLine("is FAILED", TIMEOUT);
            long seen = System.nanoTime();
            Await.until("the restarted worker to exit", TIMEOUT, () -> !again.isAlive(), again::tail);
            long waitedMs = (System.nanoTime() - seen) / 1_000_000;
            assertEquals(FailedTaskWatchdog.EXIT_STATUS, again.exitValue(), again.tail());
            String log = again.logText();
            assertTrue(log.lines().anyMatch(l -> l.startsWith("<4>WARN ") && l.contains("The task " + name + "-0 is "
                    + "FAILED") && l.contains("the worker exits in 6 s") && l.contains("1 failure exit in a row before "
                    + "this start, counted in " + state)), log);
            assertTrue(log.lines().anyMatch(l -> l.startsWith("<3>ERROR ") && l.matches(".*has been FAILED for [6-9] s.*")
                    && l.contains("Failure exits in a row: 2; if it fails again, the next worker waits 12 s")), log);
            assertTrue(waitedMs >= 5_000, "the doubled grace: exited " + waitedMs + " ms after its WARN line was seen");
            assertTrue(Files.readString(state, StandardCharsets.UTF_8).startsWith("failure-exits=2\n"));
        }
    }

    private static long errorMetric(int jmxPort, String connector, String attribute) throws Exception {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
        try (JMXConnector jmx = JMXConnectorFactory.connect(url)) {
            MBeanServerConnection server = jmx.getMBeanServerConnection();
            ObjectName bean = new ObjectName("kafka.connect:type=task-error-metrics,connector=" + connector + ",task=0");
            return ((Number) server.getAttribute(bean, attribute)).longValue();
        }
    }
}
