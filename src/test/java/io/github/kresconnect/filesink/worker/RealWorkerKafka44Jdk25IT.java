package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.util.Map;

/**
 * The newest Kafka, 4.4.0, with its broker and workers on JDK 25, and the worker under the Allowlist
 * client-override policy (Kafka 4.2 and later) that operators choose to allow a few overrides: the shipped
 * configs need none.
 */
class RealWorkerKafka44Jdk25IT extends RealWorkerScenario {
    @Override
    String kafkaVersion() {
        return "4.4.0";
    }

    @Override
    KafkaDistribution onJdk(KafkaDistribution distribution) throws IOException {
        return distribution.onJdk(KafkaDistribution.installedJdk(25));
    }

    @Override
    Map<String, String> workerSettings() {
        return Map.of("connector.client.config.override.policy", "Allowlist");
    }
}
