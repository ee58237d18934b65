package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.docs.DocBlocks;
import io.github.kresconnect.filesink.protocol.TopicLayout;
import io.github.kresconnect.filesink.protocol.TopicNames;

/**
 * docs/security.md's per-group ACLs ("In the per-group layout"), run as written by bash against a broker with
 * {@code StandardAuthorizer}, together with the host's group, dead letter queue and receipts lines of the "Topic
 * ACLs" block (all but its Read on the single topic). A real worker as shipped (worker-sasl-ssl.properties)
 * authenticating as User:resolver1, in the per-group layout, then delivers a broadcast file, its group's file and
 * its own, all sent by resolver-publish as User:publisher (whose one prefixed ACL covers every topic of the
 * layout); resolver1 cannot read knot-resolver.host.resolver10 (another host's configuration, and a topic its own
 * name is a prefix of) nor another group's topic, and the publisher cannot write the receipts topic.
 */
class PerGroupAclsIT {
    private static final String MARKER = "<!-- per-group-acls -->";
    private static final String HOST_ACLS_MARKER = "<!-- topic-acls -->";
    private static final String SHIPPED_SECRETS_DIR = "/etc/knot-resolver/kafka";
    private static final String BASE = "knot-resolver";
    private static final String ZONE = "dc-east";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    void aHostReadsItsOwnTopicsAndNoOtherHostsConfiguration() throws Exception {
        KafkaDistribution dist = KafkaDistribution.resolve("4.3.1");
        Path dir = KafkaDistribution.projectDir().resolve("target/worker-it/per-group-acls");
        RealWorkerScenario.deleteRecursively(dir);
        TlsMaterial tls = TlsMaterial.create(dir.resolve("tls"));
        String name = ShippedConfig.value("resolver-sink.properties", "name");
        String hostname = ShippedConfig.value("resolver-sink.properties", "resolver.hostname");
        String dlqTopic = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");
        String receiptsTopic = ShippedConfig.receiptsTopicOf(hostname);
        String mechanism = ShippedConfig.value("worker-sasl-ssl.properties", "sasl.mechanism");
        String password = "test-" + UUID.randomUUID();
        BrokerProcess.ScramUser host = new BrokerProcess.ScramUser(mechanism, hostname, password);
        BrokerProcess.ScramUser publisher = new BrokerProcess.ScramUser(mechanism, "publisher",
                "publisher-" + UUID.randomUUID());
        Files.writeString(tls.clientPemDir.resolve("sasl.password"), password, StandardCharsets.UTF_8);
        String other = TopicNames.forHost(BASE, hostname + "0");
        String otherGroup = TopicNames.forGroup(BASE, "dc-west");

        // This host's ACLs of the "Topic ACLs" block but its Read on the single topic, then the per-group block.
        List<String> hostAcls = marked(HOST_ACLS_MARKER);
        assertTrue(hostAcls.get(1).endsWith("--topic " + BASE), "the block starts with the single topic's Read: "
                + hostAcls);
        List<String> perGroup = marked(MARKER);
        assertTrue(perGroup.get(0).equals("for topic in " + String.join(" ",
                TopicLayout.PER_GROUP.topicsOf(BASE, hostname, List.of(ZONE))) + "; do"),
                "the page's loop names the host's topics by the naming rule: " + perGroup.get(0));
        List<String> acls = new ArrayList<>(hostAcls.subList(2, hostAcls.size()));
        acls.addAll(perGroup);

        try (BrokerProcess broker = BrokerProcess.startWithAuthorizer(dist, dir.resolve("broker"),
                dir.resolve("broker"), tls, List.of(host, publisher))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String topic : List.of(TopicNames.broadcast(BASE), TopicNames.forGroup(BASE, ZONE), otherGroup,
                    TopicNames.forHost(BASE, hostname), other, dlqTopic, receiptsTopic)) {
                topics.add(new NewTopic(topic, 1, (short) 1));
            }
            broker.admin().createTopics(topics).all().get(30, TimeUnit.SECONDS);
            String added = TopicAclsIT.runBlock(broker, dist, dir, "per-group", password, acls);
            assertFalse(added.contains("rror"), added);

            // The publisher, as User:publisher: each recipient's file to its own topic.
            Properties client = new Properties();
            broker.clientProperties(publisher).forEach((key, value) -> client.setProperty(key, value.toString()));
            Path publisherConfig = dir.resolve("publisher.properties");
            try (var out = Files.newBufferedWriter(publisherConfig, StandardCharsets.UTF_8)) {
                client.store(out, null);
            }
            publish(dir, broker, publisherConfig, "all", "--to-all", "all.rpz", "all.example. CNAME .\n");
            publish(dir, broker, publisherConfig, "group", "--to-group=" + ZONE, "east.rpz", "east.example. CNAME .\n");
            publish(dir, broker, publisherConfig, "west", "--to-group=dc-west", "west.rpz", "west.example. CNAME .\n");
            publish(dir, broker, publisherConfig, "own", "--to=" + hostname, "own.rpz", "own.example. CNAME .\n");
            publish(dir, broker, publisherConfig, "other", "--to=" + hostname + "0", "config.yaml",
                    "# the other host's secrets\nworkers: 1\n");

            Path filesDir = Files.createDirectories(dir.resolve("files"));
            Path pluginPath = dir.resolve("plugins");
            HubComponent.installInto(pluginPath);
            Path sink = ShippedConfig.copy("resolver-sink.properties", dir.resolve("resolver-sink.properties"), Map.of(
                    "files.dir", filesDir.toString(),
                    "manager.socket.path", dir.resolve("kres-api.sock").toString(),
                    "receipts.bootstrap.servers", broker.sslBootstrapServers(),
                    "topics", String.join(",", TopicLayout.PER_GROUP.topicsOf(BASE, hostname, List.of(ZONE)))),
                    Map.of(SHIPPED_SECRETS_DIR, tls.clientPemDir.toString()), "receipts.producer.");
            ShippedConfig.append("resolver-sink.properties", sink, Map.of("topic.layout", "per-group",
                    "recipient.mode", "hostname-or-zone-id", "resolver.zone.ids", ZONE));
            try (StandaloneWorkerProcess connect = TopicAclsIT.startWorker(dist, dir, broker, tls, pluginPath, sink)) {
                connect.awaitRunning(name, TIMEOUT);
                Await.until("the broadcast, group and own files", TIMEOUT,
                        () -> Files.exists(filesDir.resolve("all.rpz")) && Files.exists(filesDir.resolve("east.rpz")) && Files.exists(filesDir.resolve("own.rpz")),
                        connect::tail);
                assertEquals("own.example. CNAME .\n", Files.readString(filesDir.resolve("own.rpz")));
                connect.awaitRunning(name, Duration.ofSeconds(10));
                assertFalse(connect.logText().contains("AuthorizationException"), connect.tail());
            }
            assertFalse(Files.exists(filesDir.resolve("west.rpz")));
            assertFalse(Files.exists(filesDir.resolve("config.yaml")));

            // What the page gives the host no ACL for stays refused: another host's topic (its name has this
            // host's as a prefix), another group's; the publisher's prefix does not reach the receipts topic, which
            // it may only read.
            TopicAclsIT.assertCannotRead(broker, host, other);
            TopicAclsIT.assertCannotRead(broker, host, otherGroup);
            TopicAclsIT.assertCannotWrite(broker, publisher, receiptsTopic);
        }
    }

    private static List<String> marked(String marker) {
        List<DocBlocks.Block> blocks = DocBlocks.all().stream().filter(b -> marker.equals(b.lineBefore())).toList();
        assertEquals(1, blocks.size(), "one block after " + marker);
        return blocks.get(0).commands();
    }

    private static void publish(Path dir, BrokerProcess broker, Path producerConfig, String label, String recipient,
            String file, String content) throws Exception {
        Path source = Files.writeString(dir.resolve(label + "-" + file), content, StandardCharsets.UTF_8);
        PublisherProcess.publish(dir, label, List.of("--bootstrap-server", broker.sslBootstrapServers(),
                "--producer-config", producerConfig.toString(), "--layout", "per-group", recipient,
                file + "=" + source));
    }
}
