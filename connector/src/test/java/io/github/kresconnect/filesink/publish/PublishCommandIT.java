package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.worker.FreePorts;

/** The command against a real KRaft broker: what lands on the topic, in which partition and order, and failures. */
class PublishCommandIT {
    private static final AtomicInteger TOPICS = new AtomicInteger();

    private static EmbeddedKafkaCluster kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() {
        Properties broker = new Properties();
        // The broker would create a topic a client asks for: the publisher must never ask it to.
        broker.setProperty("auto.create.topics.enable", "true");
        kafka = new EmbeddedKafkaCluster(1, broker);
        kafka.start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.stop();
        }
    }

    private static String topic(int partitions) {
        String topic = "files-" + TOPICS.incrementAndGet();
        kafka.createTopic(topic, partitions);
        return topic;
    }

    private static PublisherRun publish(String topic, String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", kafka.bootstrapServers(), "--topic", topic,
                "--timeout", "20"));
        all.addAll(List.of(args));
        return PublisherRun.run(all.toArray(String[]::new));
    }

    /** Every record on the topic, partition by partition in offset order. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) throws Exception {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        kafka.consumeAll(30_000, topic).forEach(records::add);
        records.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return records;
    }

    private static long recordsOn(String topic, int partitions) throws Exception {
        long total = 0;
        for (int p = 0; p < partitions; p++) {
            total += kafka.endOffset(new TopicPartition(topic, p));
        }
        return total;
    }

    private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    private static String key(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.key(), StandardCharsets.UTF_8);
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private Path randomFile(String name, int size, long seed) throws IOException {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        return Files.write(dir.resolve(name), content);
    }

    @Test
    void chunksCarryTheProtocolsHeadersAndReassembleToTheFile() throws Exception {
        String topic = topic(3);
        Path big = randomFile("big.bin", 2 * 512 * 1024 + 777, 1);
        Path small = Files.writeString(dir.resolve("small.rpz"), "example.com CNAME .\n");
        PublisherRun run = publish(topic, "--to", "resolver1", "rpz/big.bin=" + big, small.toString());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Done: 2 files, 4 records acknowledged"), run::toString);

        List<ConsumerRecord<byte[], byte[]>> records = readAll(topic);
        assertEquals(4, records.size());
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        String bigTransfer = headers(records.get(0)).get("transfer-id");
        assertTrue(ProtocolHeaders.isTransferId(bigTransfer), bigTransfer);
        for (int i = 0; i < 3; i++) {
            ConsumerRecord<byte[], byte[]> chunk = records.get(i);
            assertEquals("rpz/big.bin", key(chunk));
            assertEquals(Map.of("hostname", "resolver1", "file-name", "rpz/big.bin", "total-chunks", "3",
                    "chunk-index", Integer.toString(i + 1), "transfer-id", bigTransfer,
                    "file-length", Long.toString(Files.size(big)), "file-sha256", sha256(big)), headers(chunk),
                    "the same transfer id, length and digest on every chunk");
            assertEquals(i < 2 ? 512 * 1024 : 777, chunk.value().length);
            joined.write(chunk.value());
        }
        assertArrayEquals(Files.readAllBytes(big), joined.toByteArray());
        ConsumerRecord<byte[], byte[]> whole = records.get(3);
        assertEquals("small.rpz", key(whole));
        String smallTransfer = headers(whole).get("transfer-id");
        assertTrue(ProtocolHeaders.isTransferId(smallTransfer), smallTransfer);
        assertNotEquals(bigTransfer, smallTransfer, "each file sent is its own transfer");
        assertEquals(Map.of("hostname", "resolver1", "file-name", "small.rpz", "transfer-id", smallTransfer,
                "file-length", Long.toString(Files.size(small)), "file-sha256", sha256(small)), headers(whole));
        assertArrayEquals(Files.readAllBytes(small), whole.value());
        assertEquals(1, records.stream().map(ConsumerRecord::partition).distinct().count(),
                "one recipient's records share one partition");
    }

    @Test
    void zoneModeKeysByZoneOnTheDefaultPartitionersPartition() throws Exception {
        String topic = topic(5);
        Path file = randomFile("z.rpz", 1000, 2);
        PublisherRun run = publish(topic, "--zone", "dc-east", "--chunk-size", "400", file.toString());
        assertEquals(0, run.exitCode(), run::toString);

        List<ConsumerRecord<byte[], byte[]>> records = readAll(topic);
        assertEquals(3, records.size());
        int expectedPartition = BuiltInPartitioner.partitionForKey("dc-east".getBytes(StandardCharsets.UTF_8), 5);
        String transferId = headers(records.get(0)).get("transfer-id");
        assertTrue(ProtocolHeaders.isTransferId(transferId), transferId);
        for (int i = 0; i < 3; i++) {
            ConsumerRecord<byte[], byte[]> record = records.get(i);
            assertEquals("dc-east", key(record));
            assertEquals(expectedPartition, record.partition());
            assertEquals(Map.of("file-name", "z.rpz", "total-chunks", "3", "chunk-index", Integer.toString(i + 1),
                    "transfer-id", transferId, "file-length", "1000", "file-sha256", sha256(file)), headers(record));
        }
    }

    @Test
    void dataFilesPrecedeConfigsForEveryRecipient() throws Exception {
        String topic = topic(4);
        Path config = Files.writeString(dir.resolve("config.yaml"), "cache:\n  size-max: 100M\n");
        Path a = randomFile("a.rpz", 1500, 3);
        Path settings = Files.writeString(dir.resolve("settings.json"), "{\"x\": 1}");
        Path b = randomFile("b.rpz", 10, 4);
        PublisherRun run = publish(topic, "--to", "r1", "--to", "r2", "--to", "r3", "--chunk-size", "1000",
                config.toString(), a.toString(), settings.toString(), b.toString());
        assertEquals(0, run.exitCode(), run::toString);

        Map<String, List<String>> namesByRecipient = new HashMap<>();
        Map<String, Set<Integer>> partitionsByRecipient = new HashMap<>();
        Map<String, Set<String>> transfersByFile = new HashMap<>();
        Map<String, Path> paths = Map.of("config.yaml", config, "a.rpz", a, "settings.json", settings, "b.rpz", b);
        for (ConsumerRecord<byte[], byte[]> record : readAll(topic)) {
            String host = headers(record).get("hostname");
            String name = headers(record).get("file-name");
            transfersByFile.computeIfAbsent(name, n -> new HashSet<>()).add(headers(record).get("transfer-id"));
            assertEquals(Long.toString(Files.size(paths.get(name))), headers(record).get("file-length"), name);
            assertEquals(sha256(paths.get(name)), headers(record).get("file-sha256"), name);
            namesByRecipient.computeIfAbsent(host, h -> new ArrayList<>()).add(headers(record).get("file-name"));
            partitionsByRecipient.computeIfAbsent(host, h -> new HashSet<>()).add(record.partition());
        }
        assertEquals(Set.of("r1", "r2", "r3"), namesByRecipient.keySet());
        for (String host : namesByRecipient.keySet()) {
            assertEquals(List.of("a.rpz", "a.rpz", "b.rpz", "config.yaml", "settings.json"), namesByRecipient.get(host),
                    "offset order for " + host);
            assertEquals(1, partitionsByRecipient.get(host).size(), host + " spread over partitions");
        }
        assertEquals(paths.keySet(), transfersByFile.keySet());
        Set<String> allTransfers = new HashSet<>();
        for (Map.Entry<String, Set<String>> file : transfersByFile.entrySet()) {
            assertEquals(1, file.getValue().size(), "one transfer id for all records of " + file.getKey()
                    + ", whichever recipient: " + file.getValue());
            allTransfers.addAll(file.getValue());
        }
        assertEquals(4, allTransfers.size(), "a fresh transfer id per file: " + transfersByFile);
    }

    @Test
    void aRecipientsPartitionIsStableAcrossRunsAndCanBeOverridden() throws Exception {
        String topic = topic(6);
        Path file = Files.writeString(dir.resolve("f.rpz"), "x");
        List<String> hosts = List.of("resolver1", "resolver2", "resolver3", "resolver4", "resolver5", "resolver6");
        List<String> args = new ArrayList<>();
        hosts.forEach(host -> args.addAll(List.of("--to", host)));
        args.add(file.toString());

        assertEquals(0, publish(topic, args.toArray(String[]::new)).exitCode());
        Map<String, Integer> first = partitionByHost(readAll(topic));
        assertEquals(0, publish(topic, args.toArray(String[]::new)).exitCode());
        List<ConsumerRecord<byte[], byte[]>> both = readAll(topic);
        assertEquals(12, both.size());
        Map<String, Set<Integer>> seen = new HashMap<>();
        both.forEach(r -> seen.computeIfAbsent(headers(r).get("hostname"), h -> new HashSet<>()).add(r.partition()));
        for (String host : hosts) {
            assertEquals(Set.of(first.get(host)), seen.get(host), host + " moved between runs");
            assertEquals(RecipientPartitioner.partition(host, 6), first.get(host));
        }
        assertTrue(new HashSet<>(first.values()).size() > 1, "every recipient on one partition: " + first);

        String fixed = topic(6);
        assertEquals(0, publish(fixed, "--partition", "4", "--to", "resolver1", "--to", "resolver2",
                file.toString()).exitCode());
        assertEquals(Set.of(4), new HashSet<>(partitionByHost(readAll(fixed)).values()));

        PublisherRun outOfRange = publish(fixed, "--partition", "6", "--to", "resolver1", file.toString());
        assertEquals(2, outOfRange.exitCode(), outOfRange::toString);
        assertTrue(outOfRange.err().contains("has 6 partitions"), outOfRange::toString);
    }

    private static Map<String, Integer> partitionByHost(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Integer> partitions = new HashMap<>();
        records.forEach(r -> partitions.put(headers(r).get("hostname"), r.partition()));
        return partitions;
    }

    @Test
    void aMissingTopicIsReportedAndNotCreated() throws Exception {
        Path file = Files.writeString(dir.resolve("f.rpz"), "x");
        PublisherRun run = publish("no-such-topic", "--to", "r1", file.toString());
        assertEquals(6, run.exitCode(), run::toString);
        assertTrue(run.err().contains("topic 'no-such-topic' does not exist"), run::toString);
        assertEquals(Optional.empty(), kafka.describeTopics("no-such-topic").get("no-such-topic"),
                "the publisher created the topic");
    }

    @Test
    void anUnreachableBrokerIsReportedWithinTheTimeout() throws Exception {
        int closedPort = FreePorts.next();
        Path file = Files.writeString(dir.resolve("f.rpz"), "x");
        long start = System.nanoTime();
        PublisherRun run = PublisherRun.run("--bootstrap-server", "127.0.0.1:" + closedPort, "--to", "r1",
                "--timeout", "2", file.toString());
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertEquals(5, run.exitCode(), run::toString);
        assertTrue(run.err().contains("no broker at 127.0.0.1:" + closedPort + " answered within 2 s"), run::toString);
        assertTrue(seconds < 15, "took " + seconds + " s");

        PublisherRun dryRun = PublisherRun.run("--bootstrap-server", "127.0.0.1:" + closedPort, "--to", "r1",
                "--timeout", "2", "--dry-run", file.toString());
        assertEquals(5, dryRun.exitCode(), dryRun::toString);
        assertTrue(dryRun.out().contains("r1 -> partition = hash " + RecipientPartitioner.hash("r1")
                + " modulo the topic's partition count"), dryRun::toString);
    }

    @Test
    void dryRunPrintsThePlanAndSendsNothing() throws Exception {
        String topic = topic(3);
        Path config = Files.writeString(dir.resolve("config.json"), "{}");
        Path zone = randomFile("zone.rpz", 3000, 5);
        PublisherRun run = publish(topic, "--dry-run", "--to", "r1", "--chunk-size", "1000", config.toString(),
                zone.toString());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("(3 partitions)"), run::toString);
        assertTrue(run.out().contains("r1 -> partition " + RecipientPartitioner.partition("r1", 3)), run::toString);
        assertTrue(run.out().contains("1. zone.rpz") && run.out().contains("2. config.json"), run::toString);
        assertEquals(0, recordsOn(topic, 3), "a dry run sent records");
    }

    @Test
    void filesTheConnectorWouldRejectAreNotSent() throws Exception {
        String topic = topic(1);
        Path big = randomFile("big.rpz", 2000, 6);
        Path ok = Files.writeString(dir.resolve("ok.rpz"), "x");
        PublisherRun tooLarge = publish(topic, "--to", "r1", "--max-file-bytes", "1000", ok.toString(),
                big.toString());
        assertEquals(9, tooLarge.exitCode(), tooLarge::toString);
        assertTrue(tooLarge.err().contains("above the connector's limit of 1000 bytes"), tooLarge::toString);

        PublisherRun missing = publish(topic, "--to", "r1", ok.toString(), dir.resolve("absent.rpz").toString());
        assertEquals(4, missing.exitCode(), missing::toString);

        PublisherRun refusedName = publish(topic, "--to", "r1", ok.toString(), "rpz/.hidden.rpz=" + ok);
        assertEquals(9, refusedName.exitCode(), refusedName::toString);
        assertTrue(refusedName.err().contains("would be rejected by the connector: component '.hidden.rpz' is hidden"),
                refusedName::toString);
        assertEquals(0, recordsOn(topic, 1), "records were sent although a file was refused");
    }

    @Test
    void aRecordTheBrokerRefusesStopsTheRunBeforeAnyConfig() throws Exception {
        String topic = "small-records-" + TOPICS.incrementAndGet();
        kafka.createTopic(topic, 1, 1, Map.of("max.message.bytes", "20000"));
        Path zone = randomFile("zone.rpz", 100_000, 7);
        Path config = Files.writeString(dir.resolve("config.yaml"), "a: 1\n");
        PublisherRun run = publish(topic, "--to", "r1", "--chunk-size", "50000", zone.toString(), config.toString());
        assertEquals(7, run.exitCode(), run::toString);
        assertTrue(run.err().contains("did not acknowledge chunk 1/2 of 'zone.rpz' for host r1"), run::toString);
        assertTrue(run.err().contains("configuration file 'config.yaml' and every file after it were not sent")
                || run.err().contains("nothing after it was sent"), run::toString);
        assertEquals(0, recordsOn(topic, 1), "the config (or a chunk) reached the topic");
    }

    @Test
    void anInvalidConfigStopsTheRunWithNothingSent() throws Exception {
        String topic = topic(2);
        Path zone = randomFile("zone.rpz", 3000, 8);
        Path good = Files.writeString(dir.resolve("good.yaml"), "cache:\n  size-max: 100M\n");
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "cache:\n  size-max: 100M\ncache: {}\n");
        PublisherRun run = publish(topic, "--to", "r1", "--chunk-size", "1000", zone.toString(), good.toString(),
                bad.toString());
        assertEquals(9, run.exitCode(), run::toString);
        assertTrue(run.err().contains("'" + bad + "' would be rejected by the connector: invalid config file "
                + "'bad.yaml': YAML: while constructing a mapping"), run::toString);
        assertTrue(run.err().contains("found duplicate key cache"), run::toString);
        assertTrue(run.err().contains("nothing was sent"), run::toString);
        assertEquals(0, recordsOn(topic, 2), "records were sent although a config was refused");
        assertEquals(List.of(), readAll(topic), "the topic holds records");

        PublisherRun dryRun = publish(topic, "--dry-run", "--to", "r1", zone.toString(), bad.toString());
        assertEquals(9, dryRun.exitCode(), dryRun::toString);
        assertTrue(dryRun.err().contains("invalid config file 'bad.yaml'"), dryRun::toString);
        assertTrue(!dryRun.out().contains("Files, in sending order"), "a refused plan is not printed: " + dryRun);
        assertEquals(0, recordsOn(topic, 2));

        // The same files, the bad one left out, go.
        PublisherRun fixed = publish(topic, "--to", "r1", "--chunk-size", "1000", zone.toString(), good.toString());
        assertEquals(0, fixed.exitCode(), fixed::toString);
        assertEquals(4, readAll(topic).size());
    }

    @Test
    void anUnresolvableBrokerHostExitsWithTheBrokerCodeAtOnce() throws Exception {
        Path file = Files.writeString(dir.resolve("f.rpz"), "x");
        long start = System.nanoTime();
        PublisherRun run = PublisherRun.run("--bootstrap-server", "no-such-host.invalid:9092", "--to", "r1",
                "--timeout", "30", file.toString());
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertEquals(ExitCode.BROKER_UNREACHABLE.code(), run.exitCode(), run::toString);
        assertTrue(run.err().contains("cannot resolve the broker host name 'no-such-host.invalid'"), run::toString);
        assertTrue(!run.err().contains("producer configuration"), run::toString);
        assertTrue(seconds < 10, "took " + seconds + " s");
    }

    /** Records when a text first appears on stderr. */
    private static final class TimedStream extends ByteArrayOutputStream {
        private final String text;
        private volatile long seenNanos;

        TimedStream(String text) {
            this.text = text;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            super.write(b, off, len);
            if (seenNanos == 0 && toString(StandardCharsets.UTF_8).contains(text)) {
                seenNanos = System.nanoTime();
            }
        }
    }

    @Test
    void aClosedPortIsReportedWhileWaitingAndTheWaitIsBounded() throws Exception {
        int closedPort = FreePorts.next();
        Path file = Files.writeString(dir.resolve("f.rpz"), "x");
        for (boolean dryRun : new boolean[] {false, true}) {
            TimedStream err = new TimedStream("still waiting for broker");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long start = System.nanoTime();
            int code;
            try (java.io.PrintStream errStream = new java.io.PrintStream(err, true, StandardCharsets.UTF_8);
                    java.io.PrintStream outStream = new java.io.PrintStream(out, true, StandardCharsets.UTF_8)) {
                List<String> args = new ArrayList<>(List.of("--bootstrap-server", "127.0.0.1:" + closedPort,
                        "--to", "r1", "--timeout", "6", file.toString()));
                if (dryRun) {
                    args.add("--dry-run");
                }
                code = new PublishCommand(outStream, errStream, false).run(args.toArray(String[]::new));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String stderr = err.toString(StandardCharsets.UTF_8);
            assertEquals(5, code, stderr);
            assertTrue(stderr.contains("still waiting for broker 127.0.0.1:" + closedPort + " (connection refused) "
                    + "after 3 s; giving up after 6 s (--timeout)"), stderr);
            double reportedAfter = (err.seenNanos - start) / 1e9;
            assertTrue(reportedAfter >= 2 && reportedAfter < 4.5, "reported after " + reportedAfter + " s");
            assertTrue(stderr.contains("no broker at 127.0.0.1:" + closedPort + " answered within 6 s (--timeout): "
                    + "127.0.0.1:" + closedPort + " (connection refused)"), stderr);
            assertTrue(seconds >= 5 && seconds < 11, "the wait is bounded by --timeout; took " + seconds + " s");
        }
    }
}
