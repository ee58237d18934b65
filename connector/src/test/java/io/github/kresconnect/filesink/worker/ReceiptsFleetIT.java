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
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.github.kresconnect.filesink.notify.FakeManager;

/**
 * Receipts on real processes: one broker, two standalone workers (two hosts, two connector names) running the
 * built zip with the shipped configs, each with a fake resolver manager, and the publisher's launcher. r2 takes
 * configuration files of at most 64 bytes, so a larger one is rejected there and published on r1. Each host writes
 * its receipts to its own topic, as shipped; r2's does not exist when it starts (an ERROR saying how to create it)
 * nor when the first {@code --wait} starts, and is created while that run waits, which then reads it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReceiptsFleetIT {
    private static final String MAX_BLOCK = "receipts.producer.max.block.ms";
    private static final String RECEIPTS = "knot-resolver-receipts";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private KafkaDistribution dist;
    private BrokerProcess broker;
    private Path runDir;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    void startBroker() throws Exception {
        dist = KafkaDistribution.resolve("4.3.1");
        runDir = KafkaDistribution.projectDir().resolve("target/worker-it/receipts-kafka-4.3.1");
        RealWorkerScenario.deleteRecursively(runDir);
        broker = BrokerProcess.start(dist, runDir.resolve("broker"), runDir.resolve("broker"));
    }

    @AfterAll
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** One host: its directory, worker and connector configs, files directory and manager. */
    private final class Host {
        final String name;
        final Path dir;
        final Path files;
        final FakeManager manager;
        final int restPort = FreePorts.next();
        final Path worker;
        final String connector;
        StandaloneWorkerProcess process;
        int starts;

        Host(String name, Map<String, String> extra) throws Exception {
            this.name = name;
            this.dir = Files.createDirectories(runDir.resolve(name));
            this.files = Files.createDirectories(dir.resolve("files"));
            this.manager = FakeManager.start(dir.resolve("kres-api.sock"));
            toClose.add(manager);
            this.connector = "resolver-file-sink-" + name;
            this.worker = ShippedConfig.worker("worker.properties", dir, broker.bootstrapServers(), restPort,
                    HubComponent.installInto(dir.resolve("plugins")).getParent(), Map.of(), Map.of());
            sink(extra);
        }

        Path sink(Map<String, String> extra) throws Exception {
            Map<String, String> replaced = new java.util.LinkedHashMap<>(Map.of(
                    "name", connector,
                    "files.dir", files.toString(),
                    "resolver.hostname", name,
                    "manager.socket.path", manager.socket().toString(),
                    "errors.deadletterqueue.topic.name", "knot-resolver-dlq-" + name,
                    "receipts.topic", RECEIPTS,
                    "receipts.bootstrap.servers", broker.bootstrapServers()));
            Map<String, String> added = new java.util.LinkedHashMap<>(Map.of("notify.quiet.period.ms", "200"));
            for (Map.Entry<String, String> setting : extra.entrySet()) {
                (replaced.containsKey(setting.getKey()) ? replaced : added).put(setting.getKey(), setting.getValue());
            }
            Path sink = ShippedConfig.copy("resolver-sink.properties", dir.resolve("sink.properties"), replaced);
            return ShippedConfig.append("resolver-sink.properties", sink, added);
        }

        void start() throws Exception {
            process = StandaloneWorkerProcess.start(dist, dir, dir.resolve("worker-" + (++starts) + ".log"), restPort,
                    worker, dir.resolve("sink.properties"));
            toClose.add(process);
            process.awaitRunning(connector, TIMEOUT);
        }

        void stop() {
            process.close();
        }
    }

    private String publish(String label, int expectedExit, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrapServers()));
        all.addAll(List.of(args));
        return PublisherProcess.publish(runDir, label, all, expectedExit);
    }

    private String status(String label, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("status", "--bootstrap-server", broker.bootstrapServers()));
        all.addAll(List.of(args));
        return PublisherProcess.publish(runDir, label, all, 0);
    }

    private Path outbox(String name, String content) throws Exception {
        Path dir = Files.createDirectories(runDir.resolve("outbox-" + System.nanoTime()));
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static String line(String output, String host) {
        return output.lines().filter(l -> l.startsWith(host + " ")).findFirst().orElse("(no line for " + host
                + ")\n" + output);
    }

    @Test
    void operatorSeesWhatEveryHostDid() throws Exception {
        String r2Receipts = ShippedConfig.receiptsTopicOf("r2"); // knot-resolver-receipts.host.r2
        broker.admin().createTopics(List.of(new NewTopic(FileDeliveryScenario.TOPIC, 1, (short) 1),
                new NewTopic(ShippedConfig.receiptsTopicOf("r1"), 1, (short) 1),
                new NewTopic("knot-resolver-dlq-r1", 1, (short) 1),
                new NewTopic("knot-resolver-dlq-r2", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        Host r1 = new Host("r1", Map.of());
        // Receipts that cannot be sent wait 2 s for the topic's metadata here (10 s as shipped): the same failures,
        // found sooner.
        Host r2 = new Host("r2", Map.of("config.file.max.bytes", "64", MAX_BLOCK, "2000"));
        r1.start();
        r2.start();
        // r2's receipts topic is missing: one ERROR at start names it and the command that creates it.
        Await.until("r2's ERROR about its missing receipts topic", TIMEOUT, () -> r2.process.logText().lines()
                .anyMatch(l -> l.contains("ERROR") && l.contains("Receipts cannot be sent to topic '" + r2Receipts
                        + "'") && l.contains("kafka-topics.sh --bootstrap-server " + broker.bootstrapServers()
                        + " --create --topic " + r2Receipts)), r2.process::tail);
        assertTrue(r1.process.logText().lines().noneMatch(l -> l.contains("Receipts cannot be sent")),
                r1.process.tail());

        // Both hosts publish both files and reload. r2's receipts topic is created while --wait waits (once r2 has
        // the files, whose receipts it could not send): --wait finds it and reads it from its beginning.
        java.util.concurrent.CompletableFuture<String> waiting = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return publish("wait-both", 0, "--to", "r1", "--to", "r2", "--wait", "60",
                                "a.rpz=" + outbox("a.rpz", "example.com CNAME .\n"), "config.yaml=" + outbox(
                                        "config.yaml", "workers: 1\n"));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        Await.until("both files on r2", TIMEOUT, () -> Files.exists(r2.files.resolve("a.rpz"))
                && Files.exists(r2.files.resolve("config.yaml")), r2.process::tail);
        assertFalse(waiting.isDone(), "--wait is still waiting for r2's receipts");
        broker.admin().createTopics(List.of(new NewTopic(r2Receipts, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        String first = waiting.get(2, TimeUnit.MINUTES);
        assertTrue(first.contains("not there yet, looked for every 2 s: '" + r2Receipts + "'"), first);
        assertTrue(first.contains("'" + r2Receipts + "' appeared while waiting and was read from its beginning"),
                first);
        assertEquals("r1  published a.rpz, config.yaml; reload accepted, running configuration changed",
                line(first, "r1"), first);
        assertEquals("r2  published a.rpz, config.yaml; reload accepted, running configuration changed",
                line(first, "r2"), first);

        // A configuration r2 refuses (above its config.file.max.bytes): rejected there with the reason, published
        // on r1; exit 10.
        String second = publish("wait-rejected", 10, "--to", "r1", "--to", "r2", "--wait", "60",
                "config.yaml=" + outbox("config.yaml", "workers: 2\n# " + "x".repeat(80) + "\n"));
        assertEquals("r1  published config.yaml; reload accepted, running configuration changed",
                line(second, "r1"), second);
        assertTrue(line(second, "r2").startsWith("r2  rejected config.yaml: ") && line(second, "r2").contains("64"),
                second);

        // A stopped host does not answer (exit 11); status shows it behind until it runs again and catches up.
        r2.stop();
        String third = publish("wait-stopped", 11, "--to", "r1", "--to", "r2", "--wait", "5",
                "a.rpz=" + outbox("a.rpz", "example.org CNAME .\n"));
        assertEquals("r1  published a.rpz", line(third, "r1"), third);
        assertEquals("r2  no answer", line(third, "r2"), third);
        String lagging = status("status-lagging", "--file", "a.rpz");
        assertTrue(lagging.contains("  r2 a.rpz (has "), lagging);
        r2.start();
        Await.until("r2 to catch up in the receipts", TIMEOUT, () -> !status("status-caught-up", "--file", "a.rpz",
                "--json").contains("\"behind\" : true"));
        assertEquals("example.org CNAME .\n", Files.readString(r2.files.resolve("a.rpz")));
        String all = status("status-all");
        assertTrue(all.contains("r2 config.yaml (has "), all); // still the configuration it refused to replace

        // Receipts that cannot be sent leave delivery alone: r1's receipts topic does not exist, r2's receipts
        // broker is unreachable.
        r1.stop();
        r2.stop();
        // r1's topic becomes knot-resolver-receipts-missing.host.r1
        r1.sink(Map.of("receipts.topic", RECEIPTS + "-missing", MAX_BLOCK, "2000"));
        r2.sink(Map.of("receipts.bootstrap.servers", "127.0.0.1:1", MAX_BLOCK, "2000"));
        r1.start();
        r2.start();
        publish("no-receipts", 0, "--to", "r1", "--to", "r2", "c.rpz=" + outbox("c.rpz", "example.net CNAME .\n"));
        Await.until("c.rpz on both hosts", TIMEOUT, () -> Files.exists(r1.files.resolve("c.rpz"))
                && Files.exists(r2.files.resolve("c.rpz")));
        Await.until("the receipts warning in both logs", TIMEOUT, () -> r1.process.logText().contains(
                "Could not send") && r2.process.logText().contains("Could not send"));
        assertEquals(1, r1.process.logText().split("Could not send", -1).length - 1, r1.process.tail());
        // Each says what is wrong: a missing topic is not an unreachable broker.
        assertTrue(r1.process.logText().lines().anyMatch(l -> l.contains("Could not send")
                && l.contains("does not exist there")), r1.process.tail());
        assertTrue(r2.process.logText().lines().anyMatch(l -> l.contains("Could not send")
                && l.contains("no receipts broker can be reached")), r2.process.tail());

        // Receipts are at least once across a crash: r2 is killed (SIGKILL) while the receipt of c.rpz, whose
        // offset is already durable, cannot be sent; run again with its receipts broker reachable, it sends it.
        String sha = io.github.kresconnect.filesink.protocol.TransferIntegrity.sha256HexOf(
                Files.readAllBytes(r2.files.resolve("c.rpz")));
        assertTrue(status("status-before-crash", "--host", "r2", "--file", "c.rpz").lines()
                .noneMatch(l -> l.contains("c.rpz")), "no receipt of c.rpz from r2 yet");
        r2.process.kill();
        r2.sink(Map.of());
        r2.start();
        Await.until("r2's published receipt of c.rpz, kept across the crash", TIMEOUT, () -> status(
                "status-after-crash", "--host", "r2", "--file", "c.rpz").contains("c.rpz  sha256 "
                        + sha.substring(0, 16) + "  changed 20"), r2.process::tail);
        assertTrue(r2.process.logText().contains("receipt(s) kept from before the last stop"), r2.process.tail());
    }
}
