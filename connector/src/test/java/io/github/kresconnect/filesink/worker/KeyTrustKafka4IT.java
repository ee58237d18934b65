package io.github.kresconnect.filesink.worker;

import org.junit.jupiter.api.Test;

/**
 * Keys with scopes and lifetimes, revocation, fleets and signed chunk geometry under attack, on Kafka 4.3.1: a real
 * broker, a real standalone worker restarted once, the component zip, the publisher.
 */
class KeyTrustKafka4IT extends OwnKafka4Broker {

    KeyTrustKafka4IT() {
        super("key-trust-kafka-4.3.1");
    }

    @Test
    void scopedExpiredRevokedOtherFleetAndReshapedRecordsAreSetAsideWithTheirReasons() throws Exception {
        new KeyTrustScenario(dist, broker.bootstrapServers(), broker.admin(), runDir.resolve("scenario")).run();
    }
}
