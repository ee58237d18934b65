package io.github.kresconnect.filesink.worker;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Keys with scopes and lifetimes, revocation, fleets and signed chunk geometry under attack, on Kafka 4.3.1: a real
 * broker, a real standalone worker restarted once, the component zip, the publisher.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyTrustKafka4IT {
    private KafkaDistribution dist;
    private BrokerProcess broker;
    private Path runDir;

    @BeforeAll
    void startBroker() throws Exception {
        dist = KafkaDistribution.resolve("4.3.1");
        runDir = KafkaDistribution.projectDir().resolve("target/worker-it/key-trust-kafka-4.3.1");
        RealWorkerScenario.deleteRecursively(runDir);
        broker = BrokerProcess.start(dist, runDir.resolve("broker"), runDir.resolve("broker"));
    }

    @AfterAll
    void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void scopedExpiredRevokedOtherFleetAndReshapedRecordsAreSetAsideWithTheirReasons() throws Exception {
        new KeyTrustScenario(dist, broker.bootstrapServers(), broker.admin(), runDir.resolve("scenario")).run();
    }
}
