package io.github.kresconnect.filesink.publish;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.util.clusters.EmbeddedConnectStandalone;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.EmbeddedResolverWorker;
import io.github.kresconnect.filesink.notify.FakeManager;

/**
 * Receipts end to end on an embedded broker and worker: two connectors stand for two hosts (r2 takes smaller
 * configuration files), each with its own fake manager; a third reports to an unreachable receipts broker. The
 * hosts write to one shared receipts topic (receipts.topic.mode=shared, the opt-in for small fleets whose hosts
 * trust each other) and the publisher reads it as such (--receipts-topic-mode shared); the per-host default runs
 * in the tests with real workers (ReceiptsFleetIT, PerHostReceiptsIT, TopicAclsIT).
 */
class ReceiptsIT {
    private static final String RECEIPTS = "knot-resolver-receipts";

    @TempDir
    static Path work;

    private static EmbeddedResolverWorker worker;
    private static EmbeddedConnectStandalone connect;
    private static FakeManager manager1;
    private static FakeManager manager2;

    @BeforeAll
    static void start() throws Exception {
        worker = EmbeddedResolverWorker.start(3);
        connect = worker.connect();
        connect.kafka().createTopic(RECEIPTS, 1);
        manager1 = FakeManager.start(work.resolve("m1.sock"));
        manager2 = FakeManager.start(work.resolve("m2.sock"));
        worker.runConnector("sink-r1", host("r1", manager1, Map.of()));
        worker.runConnector("sink-r2", host("r2", manager2, Map.of("config.file.max.bytes", "64")));
        worker.runConnector("sink-r3", host("r3", manager1, Map.of("receipts.bootstrap.servers", "127.0.0.1:1",
                "manager.notify.enabled", "false")));
    }

    private static Map<String, String> host(String name, FakeManager manager, Map<String, String> extra)
            throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of(
                "files.dir", Files.createDirectories(work.resolve("files-" + name)).toString(),
                "resolver.hostname", name,
                "errors.tolerance", "all",
                "manager.socket.path", manager.socket().toString(),
                "notify.quiet.period.ms", "100",
                "notify.max.delay.ms", "1000",
                "receipts.topic", RECEIPTS,
                "receipts.topic.mode", "shared",
                "receipts.bootstrap.servers", connect.kafka().bootstrapServers()));
        settings.putAll(extra);
        return settings;
    }

    @AfterAll
    static void stop() throws Exception {
        if (worker != null) {
            worker.close();
        }
        if (manager1 != null) {
            manager1.close();
        }
        if (manager2 != null) {
            manager2.close();
        }
    }

    /** The publisher, reading the shared receipts topic as these hosts write it. */
    private static PublisherRun publish(String... args) {
        List<String> all = new ArrayList<>(List.of("--receipts-topic-mode", "shared"));
        all.addAll(List.of(args));
        return PublisherRun.against(connect.kafka().bootstrapServers(), all.toArray(String[]::new));
    }

    private static Path write(String name, String content) throws Exception {
        return Files.writeString(Files.createTempDirectory(work, "src").resolve(name), content, UTF_8);
    }

    private static String line(PublisherRun run, String host) {
        return run.out().lines().filter(l -> l.startsWith(host + " ")).findFirst().orElse("(none) " + run);
    }

    @Test
    void waitReportsEveryHostThenARejectionANonAnsweringHostAndStatus() throws Exception {
        Path zone = write("a.rpz", "example.com CNAME .\n");
        Path small = write("config.yaml", "workers: 1\n");
        PublisherRun first = publish("--to", "r1", "--to", "r2", "--wait", "60", zone.toString(), small.toString());
        assertEquals(0, first.exitCode(), first.toString());
        assertEquals("r1  published a.rpz, config.yaml; reload accepted, running configuration changed",
                line(first, "r1"), first.toString());
        assertEquals("r2  published a.rpz, config.yaml; reload accepted, running configuration changed",
                line(first, "r2"), first.toString());

        // Larger than r2's config.file.max.bytes: r1 publishes it, r2 rejects it and says why.
        Path large = write("config.yaml", "workers: 2\n# " + "x".repeat(80) + "\n");
        PublisherRun second = publish("--to", "r1", "--to", "r2", "--wait", "60", large.toString());
        assertEquals(ExitCode.REJECTED_BY_HOST.code(), second.exitCode(), second.toString());
        assertEquals("r1  published config.yaml; reload accepted, running configuration changed",
                line(second, "r1"));
        assertTrue(line(second, "r2").startsWith("r2  rejected config.yaml: "), second.toString());
        assertTrue(line(second, "r2").contains("64"), second.toString());

        PublisherRun status = PublisherRun.run("status", "--receipts-topic-mode", "shared",
                "--bootstrap-server", connect.kafka().bootstrapServers(),
                "--file", "config.yaml");
        assertEquals(0, status.exitCode(), status.toString());
        assertTrue(status.out().contains("  r2 config.yaml (has "), status.toString());

        // A stopped host does not answer; once running again it catches up, and status shows it.
        connect.pauseConnector("sink-r2");
        connect.assertions().assertConnectorAndExactlyNumTasksArePaused("sink-r2", 1, "r2 did not pause");
        Path zone2 = write("a.rpz", "example.org CNAME .\n");
        PublisherRun third = publish("--to", "r1", "--to", "r2", "--wait", "5", zone2.toString());
        assertEquals(ExitCode.NO_ANSWER.code(), third.exitCode(), third.toString());
        assertEquals("r1  published a.rpz", line(third, "r1"));
        assertEquals("r2  no answer", line(third, "r2"));
        PublisherRun lagging = PublisherRun.run("status", "--receipts-topic-mode", "shared",
                "--bootstrap-server", connect.kafka().bootstrapServers(),
                "--file", "a.rpz");
        assertTrue(lagging.out().contains("  r2 a.rpz (has "), lagging.toString());

        connect.resumeConnector("sink-r2");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        PublisherRun caughtUp;
        do {
            Thread.sleep(500);
            caughtUp = PublisherRun.run("status", "--receipts-topic-mode", "shared",
                "--bootstrap-server", connect.kafka().bootstrapServers(),
                    "--file", "a.rpz", "--json");
        } while (caughtUp.out().contains("\"behind\" : true") && System.nanoTime() < deadline);
        assertTrue(!caughtUp.out().contains("\"behind\" : true"), caughtUp.toString());
        assertEquals("example.org CNAME .\n", Files.readString(work.resolve("files-r2/a.rpz")));
    }

    @Test
    void anUnreachableReceiptsBrokerLeavesDeliveryAlone() throws Exception {
        Path zone = write("b.rpz", "example.net CNAME .\n");
        PublisherRun run = publish("--to", "r3", zone.toString());
        assertEquals(0, run.exitCode(), run.toString());
        Path delivered = work.resolve("files-r3/b.rpz");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(delivered) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals("example.net CNAME .\n", Files.readString(delivered));
        assertTrue(List.of(ExitCode.values()).contains(ExitCode.NO_ANSWER));
    }
}
