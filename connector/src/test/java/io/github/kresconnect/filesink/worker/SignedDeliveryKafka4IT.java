package io.github.kresconnect.filesink.worker;

import org.junit.jupiter.api.Test;

/** Signed delivery on Kafka 4.3.1: a real broker, a real standalone worker, the component zip, the publisher. */
class SignedDeliveryKafka4IT extends OwnKafka4Broker {

    SignedDeliveryKafka4IT() {
        super("signed-kafka-4.3.1");
    }

    @Test
    void signedFilesLandAndEveryBadSignatureIsSetAsideWithItsReason() throws Exception {
        new SignedDeliveryScenario(dist, broker.bootstrapServers(), broker.admin(), runDir.resolve("scenario")).run();
    }
}
