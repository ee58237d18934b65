package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The delivery scenario against the broker users run with {@code docker run apache/kafka:3.8.0}, through
 * Testcontainers, with the worker process from the Kafka 4.3.1 jars. Only where a Docker engine can run the
 * image; elsewhere it skips itself, and the same scenario still runs against broker processes in
 * {@link RealWorkerKafka4IT} and {@link RealWorkerKafka3IT}.
 */
class ApacheKafkaImageIT {
    private static final String IMAGE = "apache/kafka:3.8.0";

    @Test
    void deliversFilesWithTheBrokerOfTheApacheKafkaImage() throws Exception {
        assumeTrue(dockerAvailable(), "No Docker engine here: the scenario against " + IMAGE + " is skipped; "
                + "RealWorkerKafka4IT and RealWorkerKafka3IT run it against broker processes");
        Path dir = KafkaDistribution.projectDir().resolve("target/worker-it/apache-kafka-image");
        RealWorkerScenario.deleteRecursively(dir);
        KafkaDistribution worker = KafkaDistribution.resolve("4.3.1");
        try (KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(IMAGE))) {
            kafka.start();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.getBootstrapServers()))) {
                new FileDeliveryScenario(worker, kafka.getBootstrapServers(), admin, Files.createDirectories(dir)).run();
            }
        }
    }

    /** Whether Docker answers, asked with a deadline so a stuck socket cannot hang the build. */
    private static boolean dockerAvailable() {
        CompletableFuture<Boolean> probe = CompletableFuture.supplyAsync(
                () -> DockerClientFactory.instance().isDockerAvailable());
        try {
            return probe.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            probe.cancel(true);
            return false;
        }
    }
}
