package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.util.Map;

/**
 * The newest Kafka, 4.4.0, with its broker and workers on JDK 25, and the worker under the Allowlist
 * client-override policy (Kafka 4.2 and later) that operators choose to allow a few overrides: the shipped
 * configs need none. The REST API runs without its Basic authentication here (see {@link #workerSettings()}).
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

    /**
     * Also without the REST API's Basic authentication: Maven Central has no connect-basic-auth-extension 4.4.0
     * (a 4.4.0 tarball has it in libs/), and 4.3.1's does not load with 4.4.0's clients. The watchdog stays.
     */
    @Override
    Map<String, String> workerSettings() {
        return Map.of("connector.client.config.override.policy", "Allowlist",
                "rest.extension.classes", "io.github.kresconnect.filesink.watchdog.FailedTaskWatchdog");
    }
}
