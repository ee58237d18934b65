package io.github.kresconnect.filesink.worker;

/** The plugin on Kafka 3.8.1 (broker and Connect worker, logging through reload4j): what users run today. */
class RealWorkerKafka3IT extends RealWorkerScenario {
    @Override
    String kafkaVersion() {
        return "3.8.1";
    }
}
