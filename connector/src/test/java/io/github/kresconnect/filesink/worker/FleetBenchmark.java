package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.notify.FakeManager;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.TopicLayout;
import io.github.kresconnect.filesink.protocol.TopicNames;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.publish.FileRecords;
import io.github.kresconnect.filesink.publish.RecipientPartitioner;

/**
 * A simulated fleet on one broker, behind {@code bin/benchmark --fleet}: a few real hosts (standalone worker
 * processes running the built zip with the shipped configs, one connector each) and many simulated hosts
 * (KafkaConsumers in this JVM, each in its own group, subscribed to exactly the topics the connector of that host
 * reads, with the shipped worker's consumer.* settings, keeping the records addressed to it as the connector
 * does). Each layout in turn, single topic then per-group, gets the same rounds: a broadcast file, a file per
 * group and a file per host. Reported per layout: the bytes each simulated host fetched (its consumer's
 * bytes-consumed-total, all the broker sent it) against the bytes of its own records (what it needs), and the
 * time from the start of a round to the last real host's last file in place (p50/p99 over rounds), with the
 * simulated hosts' own time to their last record (p50/p99 over hosts and rounds).
 */
final class FleetBenchmark {
    private static final String KAFKA_VERSION = "4.3.1";
    private static final String BASE = "fleet";
    private static final int BROADCAST_BYTES = 64 * 1024;
    private static final int GROUP_BYTES = 16 * 1024;
    private static final int HOST_BYTES = 4 * 1024;
    private static final int SINGLE_PARTITIONS = 6;
    private static final int POLLER_THREADS = 4;
    private static final Duration ROUND_TIMEOUT = Duration.ofSeconds(180);
    /** Targets of the issue: fetched bytes per host within 1.2x of its own, propagation p99 under 15 s. */
    private static final double EGRESS_TARGET = 1.2;
    private static final long PROPAGATION_TARGET_MS = 15_000;

    private final PrintStream out;
    private final int hosts;
    private final int groups;
    private final int rounds;
    private final int realHosts;
    private final Path workDir;
    private final Map<String, Object> consumerSettings = new HashMap<>();
    private final List<String> table = new ArrayList<>();
    private final List<String> details = new ArrayList<>();
    private boolean allMet = true;
    private BrokerProcess broker;
    private Path managerSocket;

    private FleetBenchmark(PrintStream out, int hosts, int groups, int rounds, int realHosts, Path workDir) {
        this.out = out;
        this.hosts = hosts;
        this.groups = groups;
        this.rounds = rounds;
        this.realHosts = realHosts;
        this.workDir = workDir;
    }

    public static void main(String[] args) throws Exception {
        int hosts = 200;
        int groups = 10;
        int rounds = 5;
        boolean enforce = false;
        for (String arg : args) {
            if (arg.equals("--short")) {
                hosts = 50;
                groups = 5;
                rounds = 2;
            } else if (arg.matches("--hosts=[1-9][0-9]*")) {
                hosts = Integer.parseInt(arg.substring("--hosts=".length()));
            } else if (arg.matches("--groups=[1-9][0-9]*")) {
                groups = Integer.parseInt(arg.substring("--groups=".length()));
            } else if (arg.matches("--rounds=[1-9][0-9]*")) {
                rounds = Integer.parseInt(arg.substring("--rounds=".length()));
            } else if (arg.equals("--enforce-targets")) {
                enforce = true;
            } else {
                System.err.println("unknown argument: " + arg);
                System.exit(2);
            }
        }
        FleetBenchmark benchmark = new FleetBenchmark(System.out, hosts, groups, rounds, Math.min(2, hosts),
                KafkaDistribution.projectDir().resolve("target/benchmark/fleet"));
        try {
            benchmark.run();
        } catch (Exception | AssertionError e) {
            System.err.println("Fleet benchmark failed: " + e.getMessage());
            e.printStackTrace();
            System.err.println("Logs are under " + benchmark.workDir);
            System.exit(1);
        }
        System.exit(enforce && !benchmark.allMet ? 3 : 0);
    }

    private String host(int i) {
        return "h" + i;
    }

    private String groupOf(int i) {
        return "g" + (i % groups);
    }

    private Set<String> topicsOf(TopicLayout layout, int i) {
        return layout.topicsOf(BASE, host(i), List.of(groupOf(i)));
    }

    private void run() throws Exception {
        RealWorkerScenario.deleteRecursively(workDir);
        Files.createDirectories(workDir);
        Properties worker = new Properties();
        try (InputStream in = Files.newInputStream(ShippedConfig.shipped("worker.properties"))) {
            worker.load(in);
        }
        for (String key : worker.stringPropertyNames()) {
            if (key.startsWith("consumer.") && !key.equals("consumer.group.instance.id")) {
                consumerSettings.put(key.substring("consumer.".length()), worker.getProperty(key));
            }
        }
        String load = loadAverage();
        out.println("==> Fleet benchmark: " + hosts + " hosts (" + realHosts + " real workers, " + (hosts - realHosts)
                + " simulated), " + groups + " groups, " + rounds + " rounds per layout; load average " + load);
        KafkaDistribution dist = KafkaDistribution.resolve(KAFKA_VERSION);
        broker = BrokerProcess.start(dist, workDir.resolve("broker"), workDir.resolve("broker"));
        Path socketDir = Files.createTempDirectory("kres-fleet");
        managerSocket = socketDir.resolve("kres-api.sock");
        List<BenchmarkWorker> workers = new ArrayList<>();
        try (FakeManager manager = FakeManager.start(managerSocket)) {
            createTopics();
            Path pluginPath = workDir.resolve("plugins");
            HubComponent.installInto(pluginPath);
            for (int i = 0; i < realHosts; i++) {
                workers.add(BenchmarkWorker.start(dist, workDir.resolve("worker-" + host(i)),
                        broker.bootstrapServers(), pluginPath, List.of("-Xms128m", "-Xmx256m"), Map.of(),
                        Map.of("consumer.group.instance.id", host(i))));
            }
            for (TopicLayout layout : List.of(TopicLayout.SINGLE, TopicLayout.PER_GROUP)) {
                runLayout(layout, workers);
            }
        } finally {
            for (BenchmarkWorker w : workers) {
                w.close();
            }
            Files.deleteIfExists(managerSocket);
            Files.deleteIfExists(socketDir);
            broker.close();
            RealWorkerScenario.deleteRecursively(workDir.resolve("broker/data"));
        }
        details.add("load average at the start: " + load + "; at the end: " + loadAverage() + " ("
                + Runtime.getRuntime().availableProcessors() + " processors)");
        report();
    }

    private void createTopics() throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        topics.add(new NewTopic(BASE, SINGLE_PARTITIONS, (short) 1));
        topics.add(new NewTopic(TopicNames.broadcast(BASE), 1, (short) 1));
        for (int g = 0; g < groups; g++) {
            topics.add(new NewTopic(TopicNames.forGroup(BASE, "g" + g), 1, (short) 1));
        }
        for (int i = 0; i < hosts; i++) {
            topics.add(new NewTopic(TopicNames.forHost(BASE, host(i)), 1, (short) 1));
        }
        for (int i = 0; i < realHosts; i++) { // the real hosts' receipts, each in its own topic as shipped
            topics.add(new NewTopic(ShippedConfig.receiptsTopicOf(host(i)), 1, (short) 1));
        }
        topics.add(new NewTopic(ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name"), 1,
                (short) 1));
        broker.admin().createTopics(topics).all().get(120, TimeUnit.SECONDS);
    }

    /** One simulated host: its consumer, what it keeps, and when it had all of each round. */
    private final class Simulated {
        final int index;
        final KafkaConsumer<byte[], byte[]> consumer;
        final int expectedPartitions;
        long ownRecords;
        long ownBytes;
        final long[] doneAt = new long[rounds];
        volatile boolean assigned;
        volatile boolean caughtUp;
        volatile double fetchedBytes;

        Simulated(TopicLayout layout, int index) {
            this.index = index;
            Map<String, Object> config = new HashMap<>(consumerSettings);
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            config.put(ConsumerConfig.GROUP_ID_CONFIG, "sim-" + layout.configValue() + "-" + host(index));
            config.put(ConsumerConfig.CLIENT_ID_CONFIG, "sim-" + layout.configValue() + "-" + host(index));
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            Set<String> topics = topicsOf(layout, index);
            consumer.subscribe(List.copyOf(topics));
            expectedPartitions = layout == TopicLayout.SINGLE ? SINGLE_PARTITIONS : topics.size();
        }

        /** As the connector's FilePartReader in hostname-or-zone-id mode: its host name, its group, or '*'. */
        boolean own(ConsumerRecord<byte[], byte[]> record) {
            Header hostname = record.headers().lastHeader(ProtocolHeaders.HOSTNAME);
            if (hostname != null) {
                return new String(hostname.value(), StandardCharsets.UTF_8).equals(host(index));
            }
            String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
            return key.equals(TopicNames.BROADCAST_ZONE_ID) || key.equals(groupOf(index));
        }

        void poll() {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ZERO)) {
                if (own(record)) {
                    ownRecords++;
                    ownBytes += record.serializedValueSize();
                    int round = (int) (ownRecords / 3) - 1;
                    if (ownRecords % 3 == 0 && round < rounds) {
                        doneAt[round] = System.nanoTime();
                    }
                }
            }
            if (!assigned && consumer.assignment().size() == expectedPartitions) {
                assigned = true;
            }
            Map<org.apache.kafka.common.TopicPartition, Long> end = endOffsets;
            if (end != null && !caughtUp) {
                caughtUp = consumer.assignment().stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            }
        }

        /** All the broker sent this consumer: its bytes-consumed-total; called once its poller has stopped. */
        void readFetched() {
            for (Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> metric
                    : consumer.metrics().entrySet()) {
                if (metric.getKey().name().equals("bytes-consumed-total")
                        && metric.getKey().group().equals("consumer-fetch-manager-metrics")
                        && !metric.getKey().tags().containsKey("topic")) {
                    fetchedBytes = ((Number) metric.getValue().metricValue()).doubleValue();
                }
            }
        }
    }

    private void runLayout(TopicLayout layout, List<BenchmarkWorker> workers) throws Exception {
        out.println("==> Layout " + layout.configValue());
        List<Path> realDirs = new ArrayList<>();
        for (int i = 0; i < realHosts; i++) {
            Path files = Files.createDirectories(workDir.resolve(layout.configValue()).resolve(host(i)));
            realDirs.add(files);
            String name = "fleet-" + layout.configValue() + "-" + host(i);
            Set<String> topics = layout == TopicLayout.SINGLE ? Set.of(BASE) : topicsOf(layout, i);
            workers.get(i).createConnector(workDir.resolve("worker-" + host(i)), name, Map.of(
                    "topics", String.join(",", topics),
                    "files.dir", files.toString(),
                    "resolver.hostname", host(i),
                    "manager.socket.path", managerSocket.toString(),
                    "receipts.bootstrap.servers", broker.bootstrapServers()),
                    Map.of("topic.layout", layout.configValue(), "topic.base", BASE,
                            "recipient.mode", "hostname-or-zone-id", "resolver.zone.ids", groupOf(i)));
        }
        List<Simulated> simulated = new ArrayList<>();
        for (int i = realHosts; i < hosts; i++) {
            simulated.add(new Simulated(layout, i));
        }
        AtomicBoolean polling = new AtomicBoolean(true);
        List<Thread> pollers = new ArrayList<>();
        for (int t = 0; t < POLLER_THREADS; t++) {
            List<Simulated> slice = new ArrayList<>();
            for (int s = t; s < simulated.size(); s += POLLER_THREADS) {
                slice.add(simulated.get(s));
            }
            Thread poller = new Thread(() -> {
                while (polling.get()) {
                    slice.forEach(Simulated::poll);
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "fleet-poller-" + t);
            poller.start();
            pollers.add(poller);
        }
        try {
            for (int i = 0; i < realHosts; i++) {
                workers.get(i).awaitRunning("fleet-" + layout.configValue() + "-" + host(i), Duration.ofSeconds(120));
            }
            Await.until("every simulated host assigned its partitions", Duration.ofSeconds(300),
                    () -> simulated.stream().allMatch(s -> s.assigned));
            long[] realMillis = new long[rounds];
            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                for (int r = 0; r < rounds; r++) {
                    long start = System.nanoTime();
                    publishRound(producer, layout, r);
                    int round = r;
                    Await.until("round " + (r + 1) + " on every real host", ROUND_TIMEOUT,
                            () -> realDirs.stream().allMatch(d -> hasRound(d, round)));
                    realMillis[r] = (System.nanoTime() - start) / 1_000_000;
                    Await.until("round " + (r + 1) + " on every simulated host", ROUND_TIMEOUT,
                            () -> simulated.stream().allMatch(s -> s.doneAt[round] != 0));
                    List<Long> simMillis = new ArrayList<>();
                    simulated.forEach(s -> simMillis.add((s.doneAt[round] - start) / 1_000_000));
                    details.add(layout.configValue() + " round " + (r + 1) + ": last real host's files in place after "
                            + realMillis[r] + " ms; simulated hosts p50 " + percentile(simMillis, 50) + " ms, max "
                            + percentile(simMillis, 100) + " ms");
                    simMillis.forEach(m -> allSimulated(layout).add(m));
                }
            }
            // Everything the layout makes a host fetch, its own records or not, before its bytes are counted.
            endOffsets = latestOffsets();
            Await.until("every simulated host at the end of its topics", ROUND_TIMEOUT,
                    () -> simulated.stream().allMatch(s -> s.caughtUp));
            polling.set(false);
            for (Thread poller : pollers) {
                poller.join();
            }
            endOffsets = null;
            simulated.forEach(Simulated::readFetched);
            double fetched = 0;
            long own = 0;
            double worst = 0;
            for (Simulated s : simulated) {
                fetched += s.fetchedBytes;
                own += s.ownBytes;
                worst = Math.max(worst, s.fetchedBytes / s.ownBytes);
            }
            double perHost = fetched / simulated.size();
            double ownPerHost = (double) own / simulated.size();
            double ratio = perHost / ownPerHost;
            List<Long> real = new ArrayList<>();
            Arrays.stream(realMillis).forEach(real::add);
            long p99 = percentile(real, 99);
            boolean met = ratio <= EGRESS_TARGET && worst <= EGRESS_TARGET && p99 < PROPAGATION_TARGET_MS;
            if (layout != TopicLayout.SINGLE) {
                allMet &= met;
            }
            table.add(String.format(Locale.ROOT,
                    "| %s | %d | %s | %s | %.2f (max %.2f) | %d / %d ms | %d / %d ms | %s |",
                    layout.configValue(), hosts, mib(perHost), mib(ownPerHost), ratio, worst,
                    percentile(real, 50), p99, percentile(allSimulated(layout), 50),
                    percentile(allSimulated(layout), 99),
                    layout == TopicLayout.SINGLE ? "(reference)" : met ? "PASS" : "FAIL"));
        } finally {
            polling.set(false);
            for (Thread poller : pollers) {
                poller.join();
            }
            simulated.forEach(s -> s.consumer.close(Duration.ofSeconds(5)));
            for (int i = 0; i < realHosts; i++) {
                workers.get(i).deleteConnector("fleet-" + layout.configValue() + "-" + host(i));
            }
        }
    }

    private final Map<TopicLayout, List<Long>> simulatedMillis = new HashMap<>();
    /** The end of every partition once a layout's rounds are published; null before. */
    private volatile Map<org.apache.kafka.common.TopicPartition, Long> endOffsets;

    /** The latest offset of every partition of the broker's topics. */
    private Map<org.apache.kafka.common.TopicPartition, Long> latestOffsets() throws Exception {
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> wanted = new HashMap<>();
        for (org.apache.kafka.clients.admin.TopicDescription topic : broker.admin()
                .describeTopics(broker.admin().listTopics().names().get(60, TimeUnit.SECONDS)).allTopicNames()
                .get(60, TimeUnit.SECONDS).values()) {
            topic.partitions().forEach(p -> wanted.put(new org.apache.kafka.common.TopicPartition(topic.name(),
                    p.partition()), org.apache.kafka.clients.admin.OffsetSpec.latest()));
        }
        Map<org.apache.kafka.common.TopicPartition, Long> latest = new HashMap<>();
        broker.admin().listOffsets(wanted).all().get(60, TimeUnit.SECONDS)
                .forEach((tp, info) -> latest.put(tp, info.offset()));
        return latest;
    }

    private List<Long> allSimulated(TopicLayout layout) {
        return simulatedMillis.computeIfAbsent(layout, l -> new ArrayList<>());
    }

    private static boolean hasRound(Path dir, int round) {
        for (String file : List.of("all.rpz", "group.rpz", "host.rpz")) {
            try {
                if (!Files.readString(dir.resolve(file), StandardCharsets.ISO_8859_1).startsWith(marker(round))) {
                    return false;
                }
            } catch (NoSuchFileException e) {
                return false;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return true;
    }

    private static String marker(int round) {
        return "; round " + (round + 1) + "\n";
    }

    /** The round's records: the broadcast file, one per group, one per host, each to its layout's topic. */
    private void publishRound(KafkaProducer<byte[], byte[]> producer, TopicLayout layout, int round) throws Exception {
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        sent.add(send(producer, layout, RecipientMode.ZONE_ID, TopicNames.BROADCAST_ZONE_ID, "all.rpz",
                BROADCAST_BYTES, round));
        for (int g = 0; g < groups; g++) {
            sent.add(send(producer, layout, RecipientMode.ZONE_ID, "g" + g, "group.rpz", GROUP_BYTES, round));
        }
        for (int i = 0; i < hosts; i++) {
            sent.add(send(producer, layout, RecipientMode.HOSTNAME, host(i), "host.rpz", HOST_BYTES, round));
        }
        for (java.util.concurrent.Future<?> future : sent) {
            future.get(60, TimeUnit.SECONDS);
        }
    }

    private java.util.concurrent.Future<?> send(KafkaProducer<byte[], byte[]> producer, TopicLayout layout,
            RecipientMode mode, String recipient, String file, int size, int round) {
        byte[] content = new byte[size];
        byte[] head = (marker(round) + "; " + recipient + "\n").getBytes(StandardCharsets.ISO_8859_1);
        Arrays.fill(content, (byte) 'x');
        System.arraycopy(head, 0, content, 0, head.length);
        content[size - 1] = '\n';
        String topic;
        int partition;
        if (layout == TopicLayout.SINGLE) {
            topic = BASE;
            partition = RecipientPartitioner.partition(recipient, SINGLE_PARTITIONS);
        } else {
            topic = mode == RecipientMode.ZONE_ID ? TopicNames.forZoneRecipient(BASE, recipient)
                    : TopicNames.forHost(BASE, recipient);
            partition = 0;
        }
        TransferIntegrity integrity = TransferIntegrity.forNewTransfer(content.length,
                TransferIntegrity.newSha256().digest(content));
        return producer.send(FileRecords.record(topic, partition, mode, recipient, file, 1, 1, integrity, content));
    }

    /** As resolver-publish configures its producer: acks=all, idempotent. */
    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static long percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static String mib(double bytes) {
        return String.format(Locale.ROOT, "%.2f MiB", bytes / (1024 * 1024));
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private void report() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("Simulated fleet: " + hosts + " hosts (" + realHosts + " real), " + groups + " groups, " + rounds
                + " rounds of a " + BROADCAST_BYTES / 1024 + " KiB broadcast file, a " + GROUP_BYTES / 1024
                + " KiB file per group and a " + HOST_BYTES / 1024 + " KiB file per host");
        lines.add("");
        lines.add("| layout | hosts | fetched per simulated host | its own records | ratio (target <= " + EGRESS_TARGET
                + ") | last real host p50 / p99 (target p99 < 15 s) | simulated hosts p50 / p99 | |");
        lines.add("|---|---|---|---|---|---|---|---|");
        lines.addAll(table);
        lines.add("");
        lines.addAll(details);
        lines.forEach(out::println);
        Files.write(workDir.resolve("results.txt"), lines, StandardCharsets.UTF_8);
        out.println("Written to " + workDir.resolve("results.txt"));
    }
}
