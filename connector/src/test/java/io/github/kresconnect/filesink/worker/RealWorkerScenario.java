package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The plugin as users run it, on one Kafka version: a real KRaft broker process and real standalone worker
 * processes from that version's jars, the component zip unzipped into plugin.path, the shipped configs.
 * One broker serves all tests of a version; every process is stopped after its test, also when it fails.
 * Logs stay under target/worker-it/kafka-VERSION/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RealWorkerScenario {
    private KafkaDistribution dist;
    private BrokerProcess broker;
    private Path runDir;

    /** The Kafka version of the broker and the worker. */
    abstract String kafkaVersion();

    /** The JDK that runs the broker and the workers: the one running the tests, unless a version says otherwise. */
    KafkaDistribution onJdk(KafkaDistribution distribution) throws IOException {
        return distribution;
    }

    @BeforeAll
    void startBroker() throws Exception {
        dist = onJdk(KafkaDistribution.resolve(kafkaVersion()));
        runDir = KafkaDistribution.projectDir().resolve("target/worker-it/kafka-" + kafkaVersion());
        deleteRecursively(runDir);
        broker = BrokerProcess.start(dist, runDir.resolve("broker"), runDir.resolve("broker"));
    }

    @AfterAll
    void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Settings of the shipped worker.properties this version runs with instead of the shipped values. */
    Map<String, String> workerSettings() {
        return Map.of();
    }

    private Path testDir(TestInfo test) throws IOException {
        return Files.createDirectories(runDir.resolve(test.getTestMethod().orElseThrow().getName()));
    }

    /**
     * The worker finds the connector whichever way it discovers plugins: by scanning classes (only_scan),
     * through ServiceLoader manifests (service_load), or both (hybrid_warn, and hybrid_fail, which refuses to
     * start if any plugin lacks its manifest); the connector then validates settings through the worker.
     */
    @ParameterizedTest(name = "plugin.discovery={0}")
    @ValueSource(strings = {"only_scan", "hybrid_warn", "hybrid_fail", "service_load"})
    void pluginLoadsUnderEveryDiscoveryModeAndValidatesSettings(String discovery) throws Exception {
        Path dir = Files.createDirectories(runDir.resolve("plugin-discovery-" + discovery));
        Path pluginPath = dir.resolve("plugins");
        HubComponent.installInto(pluginPath);
        int restPort = FreePorts.next();
        FileDeliveryScenario scenario = new FileDeliveryScenario(dist, broker.bootstrapServers(), broker.admin(), dir);
        Map<String, String> settings = new java.util.HashMap<>(workerSettings());
        settings.put("plugin.discovery", discovery);
        Path worker = scenario.workerProperties(restPort, pluginPath, settings);

        try (StandaloneWorkerProcess connect = StandaloneWorkerProcess.start(dist, dir, dir.resolve("worker.log"),
                restPort, worker)) {
            FileDeliveryScenario.assertPluginListed(connect, HubComponent.projectVersion());

            HttpResponse<String> validation = connect.put("/connector-plugins/ResolverFileSinkConnector/config/validate",
                    "{\"connector.class\": \"io.github.kresconnect.filesink.ResolverFileSinkConnector\","
                            + " \"name\": \"validation\", \"topics\": \"knot-resolver\","
                            + " \"files.dir\": \"relative/files\"}");
            assertEquals(200, validation.statusCode(), validation.body());
            JsonNode result = new com.fasterxml.jackson.databind.ObjectMapper().readTree(validation.body());
            assertEquals(1, result.path("error_count").asInt(), "exactly the relative files.dir is refused: "
                    + validation.body());
            boolean filesDirRefused = false;
            for (JsonNode config : result.path("configs")) {
                if ("files.dir".equals(config.path("value").path("name").asText())) {
                    filesDirRefused = config.path("value").path("errors").size() > 0;
                }
            }
            assertTrue(filesDirRefused, "files.dir carries the error: " + validation.body());
        }
    }

    /** The whole delivery scenario with the shipped configs (plugin.discovery=service_load as shipped). */
    @Test
    void deliversFilesWithShippedConfigs(TestInfo test) throws Exception {
        new FileDeliveryScenario(dist, broker.bootstrapServers(), broker.admin(), testDir(test))
                .withWorkerSettings(workerSettings()).run();
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
