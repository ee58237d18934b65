package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The broker the ACL tests run against: with {@code BrokerProcess.startWithAuthorizer}, a host principal can
 * do nothing until an ACL added with the distribution's kafka-acls.sh allows it, and then exactly that; a user
 * added while the broker runs authenticates too.
 */
class AuthorizerBrokerIT {
    @Test
    void aHostPrincipalMayOnlyWhatItsAclsAllow() throws Exception {
        KafkaDistribution dist = KafkaDistribution.resolve("4.3.1");
        Path dir = KafkaDistribution.projectDir().resolve("target/worker-it/authorizer-broker");
        RealWorkerScenario.deleteRecursively(dir);
        BrokerProcess.ScramUser resolver1 = new BrokerProcess.ScramUser("SCRAM-SHA-512", "resolver1", "pw-r1");
        BrokerProcess.ScramUser resolver2 = new BrokerProcess.ScramUser("SCRAM-SHA-256", "resolver2", "pw-r2");
        try (BrokerProcess broker = BrokerProcess.startWithAuthorizer(dist, dir, dir, null, List.of(resolver1))) {
            broker.tool("kafka-topics.sh", "--create", "--topic", "acl-test", "--partitions", "1",
                    "--replication-factor", "1");
            broker.addScramUser(resolver2);

            ExecutionException refused = assertThrows(ExecutionException.class, () -> send(broker, resolver1));
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause(), "no ACL, no Write");

            broker.tool("kafka-acls.sh", "--add", "--allow-principal", "User:resolver1", "--operation", "Write",
                    "--operation", "Describe", "--topic", "acl-test");
            assertTrue(broker.tool("kafka-acls.sh", "--list", "--topic", "acl-test").contains("User:resolver1"));
            send(broker, resolver1);

            ExecutionException other = assertThrows(ExecutionException.class, () -> send(broker, resolver2));
            assertInstanceOf(TopicAuthorizationException.class, other.getCause(), "resolver1's ACL is not resolver2's");
        }
    }

    private static void send(BrokerProcess broker, BrokerProcess.ScramUser user) throws Exception {
        Map<String, Object> config = new HashMap<>(broker.clientProperties(user));
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.sslBootstrapServers());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("acl-test", "x".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }
    }
}
