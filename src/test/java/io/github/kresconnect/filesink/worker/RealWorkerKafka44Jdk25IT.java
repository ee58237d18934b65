package io.github.kresconnect.filesink.worker;

import java.io.IOException;

/** The newest Kafka, 4.4.0, with its broker and workers on JDK 25. */
class RealWorkerKafka44Jdk25IT extends RealWorkerScenario {
    @Override
    String kafkaVersion() {
        return "4.4.0";
    }

    @Override
    KafkaDistribution onJdk(KafkaDistribution distribution) throws IOException {
        return distribution.onJdk(KafkaDistribution.installedJdk(25));
    }
}
