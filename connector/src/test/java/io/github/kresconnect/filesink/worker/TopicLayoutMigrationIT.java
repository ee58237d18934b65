package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.github.kresconnect.filesink.notify.FakeManager;
import io.github.kresconnect.filesink.protocol.TopicLayout;
import io.github.kresconnect.filesink.protocol.TopicNames;

/**
 * The topic layouts on real processes: one broker, two standalone workers running the built zip with the shipped
 * configs (r1 in group east, r2 in group west), and the publisher's launcher. The fleet starts on the single
 * topic, moves to the per-group layout through the migration layout (as docs/operator.md "Moving between
 * layouts" describes), delivers there, and moves back. Every file carries its version in its content; a watcher
 * polls both files directories throughout and fails the test if a file ever goes back to an older version or
 * disappears, and at each step every file must reach its newest version.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TopicLayoutMigrationIT {
    private static final String BASE = "knot-resolver";
    private static final String RECEIPTS = "knot-resolver-receipts";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Pattern VERSION = Pattern.compile("; v(\\d+)\n");

    private KafkaDistribution dist;
    private BrokerProcess broker;
    private Path runDir;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<String> backwards = new CopyOnWriteArrayList<>();
    private volatile boolean watching = true;

    @BeforeAll
    void startBroker() throws Exception {
        dist = KafkaDistribution.resolve("4.3.1");
        runDir = KafkaDistribution.projectDir().resolve("target/worker-it/topic-layouts-kafka-4.3.1");
        RealWorkerScenario.deleteRecursively(runDir);
        broker = BrokerProcess.start(dist, runDir.resolve("broker"), runDir.resolve("broker"));
    }

    @AfterAll
    void stop() throws Exception {
        watching = false;
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
        final String zone;
        final Path dir;
        final Path files;
        final FakeManager manager;
        final int restPort = FreePorts.next();
        final Path worker;
        final String connector;
        StandaloneWorkerProcess process;
        int starts;

        Host(String name, String zone) throws Exception {
            this.name = name;
            this.zone = zone;
            this.dir = Files.createDirectories(runDir.resolve(name));
            this.files = Files.createDirectories(dir.resolve("files"));
            this.manager = FakeManager.start(dir.resolve("kres-api.sock"));
            toClose.add(manager);
            this.connector = "resolver-file-sink-" + name;
            // A shorter session than the shipped 45 s only to keep the test short: a layout change waits it out.
            // Heartbeats every second keep a busy worker's session alive (the broker allows sessions from 1 s).
            // Offsets flushed every second rather than every 10 s: the end of each layout checks them.
            this.worker = ShippedConfig.worker("worker.properties", dir, broker.bootstrapServers(), restPort,
                    HubComponent.installInto(dir.resolve("plugins")).getParent(),
                    Map.of("consumer.session.timeout.ms", "4000", "consumer.group.instance.id", name,
                            "offset.flush.interval.ms", "1000"), Map.of());
            ShippedConfig.append("worker.properties", worker, Map.of("consumer.heartbeat.interval.ms", "1000"));
        }

        Set<String> topics(TopicLayout layout) {
            return layout.topicsOf(BASE, name, List.of(zone));
        }

        /** The connector's config for {@code layout}: its topics as a list, or as topics.regex. */
        void configure(TopicLayout layout, boolean regex) throws Exception {
            Map<String, String> replaced = new java.util.LinkedHashMap<>(Map.of(
                    "name", connector,
                    "files.dir", files.toString(),
                    "resolver.hostname", name,
                    "manager.socket.path", manager.socket().toString(),
                    "errors.deadletterqueue.topic.name", "knot-resolver-dlq-" + name,
                    "receipts.topic", RECEIPTS,
                    "receipts.bootstrap.servers", broker.bootstrapServers(),
                    "topics", String.join(",", topics(layout))));
            Map<String, String> added = new java.util.LinkedHashMap<>(Map.of(
                    "notify.quiet.period.ms", "200",
                    "recipient.mode", "hostname-or-zone-id",
                    "resolver.zone.ids", zone,
                    "topic.layout", layout.configValue(),
                    "topic.base", BASE));
            Path sink = ShippedConfig.copy("resolver-sink.properties", dir.resolve("sink.properties"), replaced);
            ShippedConfig.append("resolver-sink.properties", sink, added);
            if (regex) {
                List<String> lines = new ArrayList<>(Files.readAllLines(sink));
                lines.removeIf(line -> line.startsWith("topics="));
                lines.add("topics.regex=" + TopicNames.exactRegex(topics(layout)).replace("\\", "\\\\"));
                Files.write(sink, lines);
            }
        }

        void start() throws Exception {
            process = StandaloneWorkerProcess.start(dist, dir, dir.resolve("worker-" + (++starts) + ".log"), restPort,
                    worker, dir.resolve("sink.properties"));
            synchronized (toClose) {
                toClose.add(process);
            }
            process.awaitRunning(connector, TIMEOUT);
        }

        void awaitNoMember() {
            Await.until("the group of " + name + " to have no member", TIMEOUT, () -> broker.admin()
                    .describeConsumerGroups(List.of("connect-" + connector)).all().get(30, TimeUnit.SECONDS)
                    .get("connect-" + connector).members().isEmpty());
        }

        int version(String file) throws Exception {
            return versionOf(Files.readString(files.resolve(file), StandardCharsets.UTF_8));
        }
    }

    /**
     * A layout change on both hosts, as docs/operator.md describes it for each: the workers stop, their static
     * members leave their groups once their sessions time out (a static member rejoining within it keeps its old
     * assignment, whatever its new topics), and they start with the new topics. The two hosts change together,
     * as a fleet's hosts do, so their sessions time out side by side.
     */
    private void restartBoth(Host r1, TopicLayout layout1, boolean regex1, Host r2, TopicLayout layout2,
            boolean regex2) throws Exception {
        stopBoth(r1, r2);
        r1.configure(layout1, regex1);
        r2.configure(layout2, regex2);
        startBoth(r1, r2);
    }

    /** Stops both workers and waits until neither host's group has a member. */
    private static void stopBoth(Host r1, Host r2) throws Exception {
        inParallel(List.of(r1.process::close, r2.process::close));
        r1.awaitNoMember();
        r2.awaitNoMember();
    }

    /** Starts both workers at once; returns when both connectors run. */
    private static void startBoth(Host r1, Host r2) throws Exception {
        inParallel(List.of(r1::start, r2::start));
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Runs the steps at once and returns when all have; fails with the first one's failure. */
    private static void inParallel(List<Step> steps) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(steps.size());
        try {
            List<java.util.concurrent.Future<?>> running = new ArrayList<>();
            for (Step step : steps) {
                running.add(pool.submit(() -> {
                    step.run();
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> step : running) {
                try {
                    step.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof Exception cause) {
                        throw cause;
                    }
                    throw (Error) e.getCause();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static int versionOf(String content) {
        Matcher matcher = VERSION.matcher(content);
        if (!matcher.find()) {
            throw new AssertionError("no version in " + content);
        }
        return Integer.parseInt(matcher.group(1));
    }

    /** Polls every file of every host; records any file that goes back to an older version or disappears. */
    private Thread watch(List<Host> hosts) {
        Map<Path, Integer> seen = new ConcurrentHashMap<>();
        Thread watcher = new Thread(() -> {
            while (watching) {
                for (Host host : hosts) {
                    for (String file : List.of("all.rpz", "group.rpz", "host.conf.rpz")) {
                        Path path = host.files.resolve(file);
                        Integer before = seen.get(path);
                        try {
                            int now = versionOf(Files.readString(path, StandardCharsets.UTF_8));
                            if (before != null && now < before) {
                                backwards.add(path + " went from v" + before + " to v" + now);
                            }
                            seen.put(path, Math.max(now, before == null ? 0 : before));
                        } catch (NoSuchFileException e) {
                            if (before != null) {
                                backwards.add(path + " disappeared after v" + before);
                            }
                        } catch (Exception | AssertionError e) {
                            backwards.add(path + ": " + e);
                        }
                    }
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "version-watcher");
        watcher.setDaemon(true);
        watcher.start();
        return watcher;
    }

    private String publish(String label, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrapServers(), "--topic", BASE));
        all.addAll(List.of(args));
        return PublisherProcess.publish(runDir, label, all, 0);
    }

    private Path outbox(String name, int version, String who) throws Exception {
        Path dir = Files.createTempDirectory(runDir, "outbox-");
        return Files.writeString(dir.resolve(name), "; " + who + "\n; v" + version + "\n", StandardCharsets.UTF_8);
    }

    /**
     * One round of version {@code v}: a file for every host, one per group, one per host, through {@code layout}
     * (as the publisher's --layout), each run waiting for the hosts' receipts.
     */
    private void round(int v, String layout, Host r1, Host r2) throws Exception {
        // The file for all, the group's and the host's files of both hosts go to different topics (or
        // recipients): five publishers at once, each waiting for its own receipts.
        List<Step> sends = new ArrayList<>();
        sends.add(() -> {
            String all = publish("all-v" + v, "--layout", layout, "--to-all", "--wait", "60", "--wait-hosts", "2",
                    "all.rpz=" + outbox("all.rpz", v, "everyone"));
            assertTrue(all.contains("r1  published all.rpz") && all.contains("r2  published all.rpz"), all);
        });
        for (Host host : List.of(r1, r2)) {
            sends.add(() -> {
                String group = publish("group-" + host.zone + "-v" + v, "--layout", layout, "--to-group", host.zone,
                        "--wait", "60", "--wait-hosts", "1", "group.rpz=" + outbox("group.rpz", v, host.zone));
                assertTrue(group.contains(host.name + "  published group.rpz"), group);
            });
            sends.add(() -> {
                String own = publish("host-" + host.name + "-v" + v, "--layout", layout, "--to", host.name,
                        "--wait", "60", "host.conf.rpz=" + outbox("host.conf.rpz", v, host.name));
                assertEquals(host.name + "  published host.conf.rpz", own.lines()
                        .filter(l -> l.startsWith(host.name + " ")).findFirst().orElse(own), own);
            });
        }
        inParallel(sends);
        for (Host host : List.of(r1, r2)) {
            assertEquals(v, host.version("all.rpz"), host.name);
            assertEquals(v, host.version("group.rpz"), host.name);
            assertTrue(Files.readString(host.files.resolve("group.rpz")).startsWith("; " + host.zone + "\n"),
                    "only its own group's file on " + host.name);
            assertEquals(v, host.version("host.conf.rpz"), host.name);
            assertTrue(Files.readString(host.files.resolve("host.conf.rpz")).startsWith("; " + host.name + "\n"),
                    "only its own file on " + host.name);
        }
        assertEquals(List.of(), backwards);
        for (Host host : List.of(r1, r2)) {
            assertFalse(host.process.logText().contains("No partition of"), "every topic of the layout assigned on "
                    + host.name + ":\n" + host.process.tail());
        }
    }

    /**
     * The host's consumer group committed offsets of no topic but its own (in either layout), and those of
     * {@code topics} to their end.
     */
    private void assertOffsetsAtEnd(Host host, Set<String> topics) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = broker.admin()
                .listConsumerGroupOffsets("connect-" + host.connector).partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
        Set<String> read = new TreeSet<>();
        committed.keySet().forEach(tp -> read.add(tp.topic()));
        for (String topic : read) {
            assertTrue(topic.equals(BASE) || topic.equals(TopicNames.broadcast(BASE))
                    || topic.equals(TopicNames.forGroup(BASE, host.zone))
                    || topic.equals(TopicNames.forHost(BASE, host.name)),
                    host.name + " committed offsets of a topic not its own: " + topic + " in " + read);
        }
        for (String topic : topics) {
            TopicPartition partition = new TopicPartition(topic, 0);
            long end = broker.admin().listOffsets(Map.of(partition, OffsetSpec.latest())).all()
                    .get(30, TimeUnit.SECONDS).get(partition).offset();
            Await.until(host.name + " committed " + topic + " to its end (" + end + ")", TIMEOUT, () -> {
                OffsetAndMetadata offset = broker.admin().listConsumerGroupOffsets("connect-" + host.connector)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(partition);
                return offset != null && offset.offset() == end;
            });
        }
    }

    @Test
    void aFleetMovesToThePerGroupLayoutAndBackWithoutLosingOrRollingBackAVersion() throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (String topic : List.of(BASE, RECEIPTS + ".host.r1", RECEIPTS + ".host.r2", "knot-resolver-dlq-r1",
                "knot-resolver-dlq-r2")) { // each host's own receipts topic, as shipped
            topics.add(new NewTopic(topic, 1, (short) 1));
        }
        // The per-group topics as docs/operator.md creates them: its partitions and --config values, for this
        // fleet's groups and hosts (1 replica on the one broker).
        DocumentedTopics documented = DocumentedTopics.read();
        assertEquals(TopicLayout.PER_GROUP.topicsOf(BASE, "resolver1", List.of("dc-east", "dns64")),
                new TreeSet<>(documented.names()), "the page's topics follow the naming rule");
        for (String topic : List.of(TopicNames.broadcast(BASE), TopicNames.forGroup(BASE, "east"),
                TopicNames.forGroup(BASE, "west"), TopicNames.forHost(BASE, "r1"), TopicNames.forHost(BASE, "r2"))) {
            topics.add(new NewTopic(topic, documented.partitions(), (short) 1).configs(documented.configs()));
        }
        broker.admin().createTopics(topics).all().get(30, TimeUnit.SECONDS);
        Host r1 = new Host("r1", "east");
        Host r2 = new Host("r2", "west");
        r1.configure(TopicLayout.SINGLE, false);
        r2.configure(TopicLayout.SINGLE, false);
        startBoth(r1, r2);
        watch(List.of(r1, r2));

        // A connector whose topics do not match its layout is refused, naming what to set.
        HttpResponse<String> refused = r1.process.put("/connector-plugins/ResolverFileSinkConnector/config/validate",
                "{\"connector.class\": \"io.github.kresconnect.filesink.ResolverFileSinkConnector\","
                        + " \"name\": \"validation\", \"topics\": \"knot-resolver\", \"files.dir\": \""
                        + r1.files + "\", \"topic.layout\": \"per-group\", \"recipient.mode\": "
                        + "\"hostname-or-zone-id\", \"resolver.hostname\": \"r1\", \"resolver.zone.ids\": \"east\"}");
        assertEquals(200, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("\"error_count\":1"), refused.body());
        assertTrue(refused.body().contains("topics=knot-resolver.all,knot-resolver.group.east,knot-resolver.host.r1"),
                refused.body());

        // 1. The single topic.
        round(1, "single", r1, r2);

        // 2. Every host reads both layouts. A version published on the single topic while the hosts are being
        // reconfigured is delivered from there.
        stopBoth(r1, r2);
        publish("all-v2-while-stopped", "--to-all", "all.rpz=" + outbox("all.rpz", 2, "everyone"));
        r1.configure(TopicLayout.SINGLE_AND_PER_GROUP, false);
        r2.configure(TopicLayout.SINGLE_AND_PER_GROUP, true);
        startBoth(r1, r2);
        for (Host host : List.of(r1, r2)) {
            Await.until("v2 of all.rpz on " + host.name + " from the single topic", TIMEOUT,
                    () -> host.version("all.rpz") == 2);
        }
        round(3, "single", r1, r2);

        // 3. The publisher moves to the per-group layout: its last single-topic round was waited for above.
        round(4, "per-group", r1, r2);

        // 4. Hosts drop the single topic.
        restartBoth(r1, TopicLayout.PER_GROUP, false, r2, TopicLayout.PER_GROUP, true);
        round(5, "per-group", r1, r2);
        assertOffsetsAtEnd(r1, r1.topics(TopicLayout.PER_GROUP));
        assertOffsetsAtEnd(r2, r2.topics(TopicLayout.PER_GROUP));
        // The fleet's status from the receipts of every topic: each group's and host's file compared only with the
        // copies received through the same topic, so no host is behind.
        String perGroupStatus = PublisherProcess.publish(runDir, "status-per-group", List.of("status",
                "--bootstrap-server", broker.bootstrapServers()), 0);
        for (String line : List.of("r1 (", "r2 (", "  all.rpz  sha256", "  group.rpz  sha256",
                "  host.conf.rpz  sha256")) {
            assertTrue(perGroupStatus.contains(line), line + " in\n" + perGroupStatus);
        }
        assertTrue(perGroupStatus.contains("No host lags behind the newest version of a file."), perGroupStatus);

        // 5. And back: hosts read both, the publisher returns to the single topic, hosts drop the per-group topics.
        restartBoth(r1, TopicLayout.SINGLE_AND_PER_GROUP, true, r2, TopicLayout.SINGLE_AND_PER_GROUP, false);
        round(6, "single", r1, r2);
        restartBoth(r1, TopicLayout.SINGLE, false, r2, TopicLayout.SINGLE, false);
        round(7, "single", r1, r2);
        assertOffsetsAtEnd(r1, Set.of(BASE));

        // Back on the single topic, status still sees every host's broadcast file at its newest.
        String status = PublisherProcess.publish(runDir, "status", List.of("status", "--bootstrap-server",
                broker.bootstrapServers()), 0);
        assertFalse(status.contains(" all.rpz (has "), status);
        watching = false;
        assertEquals(List.of(), backwards);
    }

    /**
     * The block after {@code <!-- layout-topics:start -->} in docs/operator.md: its topic names, partitions and
     * configs.
     */
    private record DocumentedTopics(List<String> names, int partitions, Map<String, String> configs) {
        static DocumentedTopics read() {
            io.github.kresconnect.filesink.docs.DocBlocks.Block block = io.github.kresconnect.filesink.docs.DocBlocks
                    .parse("docs/operator.md").stream()
                    .filter(b -> "<!-- layout-topics:start -->".equals(b.lineBefore())).findFirst()
                    .orElseThrow(() -> new AssertionError("no block after <!-- layout-topics:start -->"));
            String text = String.join("\n", block.lines());
            Matcher loop = Pattern.compile("for topic in ([^;]+); do").matcher(text);
            Matcher partitions = Pattern.compile("--partitions (\\d+)").matcher(text);
            assertTrue(loop.find() && partitions.find(), text);
            Map<String, String> configs = new java.util.TreeMap<>();
            Matcher config = Pattern.compile("--config ([a-z.]+)=(\\S+)").matcher(text);
            while (config.find()) {
                configs.put(config.group(1), config.group(2));
            }
            assertTrue(text.contains("--create --topic \"$topic\""), text);
            return new DocumentedTopics(List.of(loop.group(1).trim().split("\\s+")),
                    Integer.parseInt(partitions.group(1)), configs);
        }
    }
}
