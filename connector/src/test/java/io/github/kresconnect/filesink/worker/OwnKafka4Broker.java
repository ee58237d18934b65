package io.github.kresconnect.filesink.worker;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * A test class with its own Kafka 4.3.1 KRaft broker process for all its tests, in a fresh
 * {@code target/worker-it/NAME} folder (removed first; the broker's files under {@code broker/}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OwnKafka4Broker {
    private final String name;
    KafkaDistribution dist;
    BrokerProcess broker;
    Path runDir;

    OwnKafka4Broker(String name) {
        this.name = name;
    }

    @BeforeAll
    void startBroker() throws Exception {
        dist = KafkaDistribution.resolve("4.3.1");
        runDir = KafkaDistribution.projectDir().resolve("target/worker-it").resolve(name);
        RealWorkerScenario.deleteRecursively(runDir);
        broker = BrokerProcess.start(dist, runDir.resolve("broker"), runDir.resolve("broker"));
    }

    @AfterAll
    void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }
}
