package io.github.kresconnect.filesink.worker;

/** The plugin on Kafka 4.3.1 (broker and Connect worker), the version this project builds against. */
class RealWorkerKafka4IT extends RealWorkerScenario {
    @Override
    String kafkaVersion() {
        return "4.3.1";
    }
}
