package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.notify.FakeManager;

/**
 * Crash campaign: a real standalone worker (the unzipped component, the shipped configs with only paths, ports
 * and the manager socket replaced, plus static consumer-group membership so a restart resumes at once) is
 * killed with SIGKILL at random moments while new versions of several chunked files, whole files and a config
 * keep arriving, and is restarted with the same configs, files directory and offsets file, again and again.
 *
 * <p>A checker polls the files directory every few milliseconds: every published file and every backup must
 * be, byte for byte, one of the versions sent whole (never a mix of two versions, never a half-written
 * file), and a published file must never move back to an older version than one already seen. After the last
 * kill: the last version of every file is in place, the backups are versions sent whole, nothing but the
 * files, their backups and the connector's hidden state is left in the directory, the consumer group has
 * committed the whole partition, the manager was asked to reload after the last change, and every version sent
 * has its receipt on the host's receipts topic (published, or unchanged), though a kill may have come between a
 * publication and its receipt's delivery.
 *
 * <p>{@code -Dkill.campaign.kills=N} sets the number of kills (12 by default), {@code -Dkill.campaign.seed=S}
 * the random seed (printed with the figures). Logs, configs and the files directory stay under
 * target/worker-it/kill-campaign/.
 */
class WorkerKillCampaignIT {
    private static final String KAFKA_VERSION = "4.3.1";
    private static final String TOPIC = FileDeliveryScenario.TOPIC;
    private static final int KILLS = Integer.getInteger("kill.campaign.kills", 12);
    /**
     * The same campaign with every kill left out (the worker runs throughout): a control run showing that the
     * checks find nothing to report on an uninterrupted worker.
     */
    private static final boolean CONTROL = Boolean.getBoolean("kill.campaign.control");
    /** Share of kills made early in a worker's life, before its first offset commit. */
    private static final double EARLY_KILL_SHARE = 0.5;
    /** Rounds the producer may be ahead of the newest config seen on disk. */
    private static final int ROUNDS_AHEAD = 2;
    private static final Duration CHECK_INTERVAL = Duration.ofMillis(5);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration FINISH_TIMEOUT = Duration.ofSeconds(240);
    private static final String CONFIG = "config.json";

    /** The files of every round, in the order they are sent: data files first, the config last. */
    private static final List<FileSpec> FILES = List.of(
            // A round's bulk: 40..200 chunks of 16..64 KiB; a total repeats between rounds now and then.
            FileSpec.chunked("big.rpz", new int[] {40, 80, 120, 160, 200}, 16 * 1024, 64 * 1024),
            // The same number of chunks in every round.
            FileSpec.chunked("zone-a.rpz", new int[] {8}, 16 * 1024, 32 * 1024),
            FileSpec.chunked("zone-b.rpz", new int[] {3, 4, 5}, 16 * 1024, 24 * 1024),
            FileSpec.whole("allow.rpz"),
            FileSpec.whole("deny.rpz"),
            FileSpec.whole("local.zone"),
            FileSpec.whole(CONFIG));

    record FileSpec(String name, int[] totals, int minChunkBytes, int maxChunkBytes) {
        static FileSpec chunked(String name, int[] totals, int minChunkBytes, int maxChunkBytes) {
            return new FileSpec(name, totals, minChunkBytes, maxChunkBytes);
        }

        static FileSpec whole(String name) {
            return new FileSpec(name, new int[0], 0, 0);
        }

        boolean isChunked() {
            return totals.length > 0;
        }
    }

    /** One life of the worker: from its start to the SIGKILL that ended it. */
    private static final class Life {
        long startNanos;
        long runningNanos;
        long killNanos;
        long committedAtStart;
        long committedAtKill;
        boolean early;
        int exitCode;
    }

    @Test
    void survivesRepeatedSigkillWhileFilesFlow() throws Exception {
        long campaignStart = System.nanoTime();
        long seed = Long.getLong("kill.campaign.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        KafkaDistribution dist = KafkaDistribution.resolve(KAFKA_VERSION);
        Path runDir = KafkaDistribution.projectDir().resolve("target/worker-it/kill-campaign");
        RealWorkerScenario.deleteRecursively(runDir);
        Path filesDir = Files.createDirectories(runDir.resolve("files"));
        // A Unix socket's path must be short: a directory of its own under the system's temporary directory.
        Path socketDir = Files.createTempDirectory("kres-manager");
        Path socket = socketDir.resolve("kres-api.sock");
        try (BrokerProcess broker = BrokerProcess.start(dist, runDir.resolve("broker"), runDir.resolve("broker"));
                FakeManager manager = FakeManager.start(socket)) {
            new Campaign(dist, broker, manager, runDir, filesDir, random, seed, campaignStart).run();
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(socketDir);
        }
    }

    private static final class Campaign {
        private final KafkaDistribution dist;
        private final BrokerProcess broker;
        private final FakeManager manager;
        private final Path runDir;
        private final Path filesDir;
        private final SplittableRandom random;
        private final long seed;
        private final long campaignStart;
        private final Admin admin;
        private final String name;
        private final String hostname;
        private final String group;
        private final Versions versions = new Versions();
        private final List<Life> lives = new ArrayList<>();

        Campaign(KafkaDistribution dist, BrokerProcess broker, FakeManager manager, Path runDir, Path filesDir,
                SplittableRandom random, long seed, long campaignStart) throws IOException {
            this.dist = dist;
            this.broker = broker;
            this.manager = manager;
            this.runDir = runDir;
            this.filesDir = filesDir;
            this.random = random;
            this.seed = seed;
            this.campaignStart = campaignStart;
            this.admin = broker.admin();
            this.name = ShippedConfig.value("resolver-sink.properties", "name");
            this.hostname = ShippedConfig.value("resolver-sink.properties", "resolver.hostname");
            this.group = "connect-" + name;
        }

        void run() throws Exception {
            String dlqTopic = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");
            String receiptsTopic = ShippedConfig.receiptsTopicOf(hostname); // the host's own, as shipped
            // One partition: all of the host's records in one order, as the publisher sends them. Retention
            // bounds the broker's disk in a long campaign (the producer is never far ahead of the worker, and
            // dead letters are only counted).
            Map<String, String> bounded = Map.of(
                    "retention.bytes", Long.toString(1L << 30), "segment.bytes", Long.toString(64L << 20));
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(bounded),
                    new NewTopic(dlqTopic, 1, (short) 1).configs(bounded),
                    new NewTopic(receiptsTopic, 1, (short) 1).configs(bounded))).all().get(30, TimeUnit.SECONDS);

            Path pluginPath = runDir.resolve("plugins");
            HubComponent.installInto(pluginPath);
            int restPort = FreePorts.next();
            Path workerProperties = ShippedConfig.worker("worker.properties", runDir, broker.bootstrapServers(),
                    restPort, pluginPath, Map.of(), Map.of());
            // The shipped worker config uses static membership: a restarted worker takes its killed
            // predecessor's place in the group at once, instead of waiting for the dead member's session.
            assertEquals(hostname, ShippedConfig.value("worker.properties", "consumer.group.instance.id"));
            Path sinkProperties = ShippedConfig.copy("resolver-sink.properties",
                    runDir.resolve("resolver-sink.properties"), Map.of(
                            "files.dir", filesDir.toString(),
                            "manager.socket.path", manager.socket().toString(),
                            "receipts.bootstrap.servers", broker.bootstrapServers()));

            Checker checker = new Checker(filesDir, versions, campaignStart);
            Thread checkerThread = new Thread(checker, "kill-campaign-checker");
            RoundProducer producer = new RoundProducer(broker.bootstrapServers(), hostname, versions, checker,
                    seed);
            Thread producerThread = new Thread(producer, "kill-campaign-producer");
            StandaloneWorkerProcess worker = null;
            try {
                worker = startWorker(restPort, workerProperties, sinkProperties);
                checkerThread.start();
                producerThread.start();

                for (int kill = 1; kill <= KILLS; kill++) {
                    Life life = lives.get(lives.size() - 1);
                    life.early = random.nextDouble() < EARLY_KILL_SHARE;
                    if (!life.early) {
                        StandaloneWorkerProcess current = worker;
                        Await.until("an offset commit by worker life " + lives.size(), START_TIMEOUT,
                                () -> committedOffset() > life.committedAtStart,
                                () -> failureContext(current, checker, producer));
                    }
                    // Deliberately random: a kill at any moment of the work, not at a condition.
                    Thread.sleep(500 + random.nextInt(3500));
                    assertNull(producer.failure, () -> "the producer failed: " + producer.failure);
                    assertNull(checker.failure, () -> "the checker failed: " + checker.failure);
                    if (CONTROL) {
                        life.committedAtStart = committedOffset(); // the next late "kill" waits for a new commit
                        continue;
                    }
                    life.killNanos = System.nanoTime();
                    life.exitCode = worker.kill();
                    life.committedAtKill = committedOffset();
                    worker = startWorker(restPort, workerProperties, sinkProperties);
                }

                producer.stop();
                producerThread.join(FINISH_TIMEOUT.toMillis());
                assertFalse(producerThread.isAlive(), "the producer finished its last round");
                assertNull(producer.failure, () -> "the producer failed: " + producer.failure);

                StandaloneWorkerProcess last = worker;
                long end = endOffset(TOPIC);
                Await.until("the consumer group " + group + " to commit " + TOPIC + " up to its end (" + end + ")",
                        FINISH_TIMEOUT, () -> committedOffset() == end,
                        () -> "committed " + committedOffsetQuietly() + "\n" + failureContext(last, checker, producer));
                // Offsets are committed only once records have had their effect: the files are final now.
                // One more full pass of the checker sees them.
                long pass = checker.passes();
                Await.until("two more passes of the checker", Duration.ofSeconds(30),
                        () -> checker.passes() >= pass + 2);

                Outcome outcome = finalChecks(checker, producer, dlqTopic, receiptsTopic);
                checker.stop();
                checkerThread.join(10_000);
                outcome.report(checker, producer);
                outcome.assertClean(checker);
            } finally {
                producer.stop();
                checker.stop();
                if (worker != null) {
                    worker.close();
                }
                producerThread.join(30_000);
                checkerThread.join(10_000);
            }
        }

        private StandaloneWorkerProcess startWorker(int restPort, Path workerProperties, Path sinkProperties)
                throws Exception {
            Life life = new Life();
            life.committedAtStart = committedOffsetQuietly();
            life.startNanos = System.nanoTime();
            Path log = runDir.resolve(String.format("worker-%03d.log", lives.size() + 1));
            StandaloneWorkerProcess worker = StandaloneWorkerProcess.start(dist, runDir, log, restPort,
                    workerProperties, sinkProperties);
            try {
                worker.awaitRunning(name, START_TIMEOUT);
            } catch (RuntimeException | Error e) {
                worker.close();
                throw e;
            }
            life.runningNanos = System.nanoTime();
            lives.add(life);
            return worker;
        }

        private long committedOffset() throws Exception {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            OffsetAndMetadata offset = offsets.get(new TopicPartition(TOPIC, 0));
            return offset == null ? 0 : offset.offset();
        }

        private long committedOffsetQuietly() {
            try {
                return committedOffset();
            } catch (Exception e) {
                return -1;
            }
        }

        private long endOffset(String topic) throws Exception {
            TopicPartition partition = new TopicPartition(topic, 0);
            return admin.listOffsets(Map.of(partition, OffsetSpec.latest())).all().get(10, TimeUnit.SECONDS)
                    .get(partition).offset();
        }

        private static String failureContext(StandaloneWorkerProcess worker, Checker checker, RoundProducer producer) {
            return "rounds sent " + producer.roundsSent + ", newest config seen " + checker.newestConfigRound()
                    + "\n" + worker.tail();
        }

        private Outcome finalChecks(Checker checker, RoundProducer producer, String dlqTopic, String receiptsTopic)
                throws Exception {
            Outcome outcome = new Outcome();
            awaitReceipts(receiptsTopic, outcome);
            outcome.lives = lives;
            outcome.seed = seed;
            outcome.deadLetters = endOffset(dlqTopic);
            for (FileSpec file : FILES) {
                Path target = filesDir.resolve(file.name());
                byte[] expected = versions.lastContent(file.name());
                if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                    outcome.lost.add(file.name() + " is missing");
                } else {
                    byte[] actual = Files.readAllBytes(target);
                    if (!Arrays.equals(expected, actual)) {
                        outcome.lost.add(file.name() + " holds " + versions.describe(file.name(), actual)
                                + " instead of round " + versions.lastRound(file.name()));
                    }
                }
                Path backup = filesDir.resolve(file.name() + ".backup");
                if (!Files.isRegularFile(backup, LinkOption.NOFOLLOW_LINKS)) {
                    outcome.badBackups.add(file.name() + ".backup is missing");
                } else {
                    byte[] actual = Files.readAllBytes(backup);
                    if (versions.roundOf(file.name(), sha256(actual)) == null) {
                        outcome.badBackups.add(file.name() + ".backup holds " + versions.describe(file.name(), actual));
                    }
                }
            }
            outcome.leftovers = leftovers();
            // The config changed last, so a reload is owed after it; and a request (a reload covers a renew)
            // after the last change of any file.
            long configChanged = checker.lastChangeNanos(CONFIG);
            long anyChanged = FILES.stream().mapToLong(f -> checker.lastChangeNanos(f.name())).max().orElse(0);
            outcome.missingReloads += awaitPost(r -> r.path().equals("/reload") && r.nanoTime() > configChanged,
                    "a reload after the last change of " + CONFIG) ? 0 : 1;
            outcome.missingReloads += awaitPost(r -> r.nanoTime() > anyChanged,
                    "a reload or renew after the last change of any file") ? 0 : 1;
            outcome.roundsSent = producer.roundsSent;
            outcome.seconds = (System.nanoTime() - campaignStart) / 1e9;
            return outcome;
        }

        /**
         * Every version sent must have its receipt (published, or unchanged) from this host, whatever kill came
         * between its publication and the receipt's delivery: receipts are at least once across crashes. Reads
         * the receipts topic until they are all there or a minute has passed; counts what is missing.
         */
        private void awaitReceipts(String receiptsTopic, Outcome outcome) {
            Map<String, java.util.Set<String>> expected = versions.all();
            Map<String, java.util.Set<String>> missing = new HashMap<>();
            expected.forEach((file, shas) -> missing.put(file, new java.util.HashSet<>(shas)));
            TopicPartition partition = new TopicPartition(receiptsTopic, 0);
            try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
                    new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.of(
                            org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            broker.bootstrapServers()),
                            new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (missing.values().stream().anyMatch(shas -> !shas.isEmpty()) && System.nanoTime() < deadline) {
                    for (var record : consumer.poll(Duration.ofMillis(500))) {
                        io.github.kresconnect.filesink.receipts.Receipt receipt =
                                io.github.kresconnect.filesink.receipts.Receipt.fromJson(record.value());
                        outcome.receipts++;
                        boolean applied = io.github.kresconnect.filesink.receipts.Receipt.PUBLISHED
                                .equals(receipt.outcome())
                                || io.github.kresconnect.filesink.receipts.Receipt.UNCHANGED.equals(receipt.outcome());
                        if (receipt.isManager() || !hostname.equals(receipt.host()) || !applied) {
                            continue;
                        }
                        java.util.Set<String> shas = missing.get(receipt.file());
                        if (shas != null) {
                            shas.remove(receipt.sha256());
                        }
                    }
                }
            }
            outcome.versions = expected.values().stream().mapToInt(java.util.Set::size).sum();
            missing.forEach((file, shas) -> shas.forEach(sha -> outcome.missingReceipts.add(file + " round "
                    + versions.roundOf(file, sha))));
        }

        private boolean awaitPost(java.util.function.Predicate<FakeManager.Request> matching, String what)
                throws InterruptedException {
            try {
                // notify.quiet.period.ms (5 s as shipped) after the last change, with room to spare.
                manager.awaitRequests(r -> r.isPost() && matching.test(r), 1, Duration.ofSeconds(60));
                return true;
            } catch (TimeoutException e) {
                System.out.println("Kill campaign: no " + what + "; the manager received " + manager.posts());
                return false;
            }
        }

        /** Everything in the files directory but the files, their backups and the connector's hidden state. */
        private List<String> leftovers() throws IOException {
            List<String> allowed = new ArrayList<>();
            for (FileSpec file : FILES) {
                allowed.add(file.name());
                allowed.add(file.name() + ".backup");
            }
            List<String> names;
            try (Stream<Path> all = Files.walk(filesDir)) {
                names = all.filter(p -> !p.equals(filesDir))
                        .map(p -> filesDir.relativize(p).toString())
                        .filter(n -> !n.equals(".resolver-file-sink") && !n.startsWith(".resolver-file-sink/"))
                        .filter(n -> !allowed.contains(n))
                        .sorted().toList();
            }
            List<String> leftovers = new ArrayList<>();
            for (String leftover : names) {
                if (names.stream().noneMatch(n -> leftover.startsWith(n + "/"))) {
                    long inside = names.stream().filter(n -> n.startsWith(leftover + "/")).count();
                    leftovers.add(inside == 0 ? leftover : leftover + "/ (" + inside + " entries)");
                }
            }
            return leftovers;
        }
    }

    /** The figures of a campaign, printed and then asserted. */
    private static final class Outcome {
        List<Life> lives;
        long seed;
        int roundsSent;
        long deadLetters;
        final List<String> lost = new ArrayList<>();
        final List<String> badBackups = new ArrayList<>();
        List<String> leftovers = List.of();
        int missingReloads;
        int versions;
        long receipts;
        final List<String> missingReceipts = new ArrayList<>();
        double seconds;

        void report(Checker checker, RoundProducer producer) {
            List<Life> killed = lives.subList(0, lives.size() - 1);
            long early = killed.stream().filter(l -> l.early).count();
            long beforeFirstCommit = killed.stream().filter(l -> l.committedAtKill == l.committedAtStart).count();
            double meanRunning = lives.stream().skip(1)
                    .mapToLong(l -> l.runningNanos - l.startNanos).average().orElse(Double.NaN) / 1e9;
            // For every restart: the first change of a published file seen after it, within that life.
            List<Long> firstChanges = new ArrayList<>();
            for (int i = 1; i < lives.size(); i++) {
                Life life = lives.get(i);
                long until = i < killed.size() ? life.killNanos : Long.MAX_VALUE;
                checker.changeTimes.stream().filter(t -> t > life.startNanos && t < until).min(Long::compare)
                        .ifPresent(t -> firstChanges.add(t - life.startNanos));
            }
            double meanFirstChange = firstChanges.stream().mapToLong(Long::longValue).average().orElse(Double.NaN)
                    / 1e9;
            String exitCodes = killed.stream().map(l -> Integer.toString(l.exitCode)).distinct()
                    .collect(Collectors.joining(","));
            String text = String.join("\n",
                    "Kill campaign figures (seed " + seed + ", Kafka " + KAFKA_VERSION
                            + (CONTROL ? ", control run without kills" : "") + ")",
                    String.format("  kills                          %d (exit codes %s; %d early, %d before the life's first offset commit)",
                            killed.size(), exitCodes, early, beforeFirstCommit),
                    String.format("  rounds sent                    %d (%d files each, %d records in all)",
                            roundsSent, FILES.size(), producer.recordsSent),
                    String.format("  files checked (observations)   %d (%d contents hashed, %d checker passes)",
                            checker.observations, checker.hashes, checker.passes()),
                    String.format("  corrupt observations           %d (%d distinct contents)",
                            checker.corruptObservations, checker.corruptContents),
                    String.format("  backward moves                 %d (backups: %d)", checker.backwardMoves,
                            checker.backupBackwardMoves),
                    String.format("  published files vanished       %d", checker.vanished),
                    String.format("  lost versions                  %d %s", lost.size(), lost),
                    String.format("  backups not a version sent     %d %s", badBackups.size(), badBackups),
                    String.format("  leftovers in the files dir     %d %s", leftovers.size(), leftovers),
                    String.format("  missing reloads                %d", missingReloads),
                    String.format("  versions without a receipt     %d of %d (%d receipts read) %s", missingReceipts.size(),
                            versions, receipts, missingReceipts.size() > 10 ? missingReceipts.subList(0, 10) + "..."
                                    : missingReceipts),
                    String.format("  dead letters                   %d", deadLetters),
                    String.format("  mean restart -> task RUNNING   %.2f s", meanRunning),
                    String.format("  mean restart -> first change   %.2f s (%d of %d restarts saw a change before the next kill)",
                            meanFirstChange, firstChanges.size(), lives.size() - 1),
                    String.format("  total time                     %.1f s", seconds));
            if (!checker.corruptDiagnoses.isEmpty()) {
                text += "\n  corrupt contents seen:\n    " + String.join("\n    ", checker.corruptDiagnoses);
            }
            if (!checker.backwardDiagnoses.isEmpty()) {
                text += "\n  first backward moves:\n    " + String.join("\n    ", checker.backwardDiagnoses);
            }
            StringBuilder table = new StringBuilder(
                    "life  start(s)  running(s)  killed(s)  kind   committed at start -> at kill  exit\n");
            long origin = lives.get(0).startNanos;
            for (int i = 0; i < lives.size(); i++) {
                Life l = lives.get(i);
                boolean wasKilled = i < killed.size();
                table.append(String.format("%4d  %8.1f  %10.1f  %9s  %-5s  %18d -> %7s  %4s%n", i + 1,
                        (l.startNanos - origin) / 1e9, (l.runningNanos - origin) / 1e9,
                        wasKilled ? String.format("%.1f", (l.killNanos - origin) / 1e9) : "-",
                        wasKilled ? (l.early ? "early" : "late") : "last", l.committedAtStart,
                        wasKilled ? Long.toString(l.committedAtKill) : "-", wasKilled ? l.exitCode : "-"));
            }
            System.out.println(text);
            try {
                Files.writeString(KafkaDistribution.projectDir().resolve("target/worker-it/kill-campaign/lives.txt"),
                        table, StandardCharsets.UTF_8);
                Files.writeString(KafkaDistribution.projectDir().resolve("target/worker-it/kill-campaign/figures.txt"),
                        text + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                System.out.println("cannot write figures.txt: " + e);
            }
        }

        void assertClean(Checker checker) {
            assertAll(
                    () -> assertEquals(CONTROL ? 0 : KILLS, lives.size() - 1, "kills made"),
                    () -> assertNull(checker.failure, "the checker ran to the end"),
                    () -> assertEquals(0, checker.corruptObservations,
                            "files seen that are no version sent whole: " + checker.corruptDiagnoses),
                    () -> assertEquals(0, checker.backwardMoves,
                            "published files that went back to an older version: " + checker.backwardDiagnoses),
                    () -> assertEquals(0, checker.vanished, "published files that disappeared"),
                    () -> assertEquals(List.of(), lost, "files not at their last version"),
                    () -> assertEquals(List.of(), badBackups, "backups that are no version sent whole"),
                    () -> assertEquals(List.of(), leftovers, "left in the files directory"),
                    () -> assertEquals(0, missingReloads, "reload after the last change"),
                    () -> assertEquals(List.of(), missingReceipts, "versions published without a receipt"),
                    () -> assertEquals(0, deadLetters, "valid records delivered again must never be rejected"));
        }
    }

    /**
     * Every version sent, by file: the SHA-256 of each version (registered before its first record is sent),
     * and the content of the last one. A version's content names its file, round and chunk, so a mix shows
     * which versions it mixes.
     */
    private static final class Versions {
        private static final Pattern MARK = Pattern.compile("\\{kill-campaign ([^ ]+) round (\\d+)");
        private final Map<String, Map<String, Integer>> rounds = new ConcurrentHashMap<>();
        private final Map<String, byte[]> lastContent = new ConcurrentHashMap<>();
        private final Map<String, Integer> lastRound = new ConcurrentHashMap<>();

        void register(String file, int round, byte[] content) {
            rounds.computeIfAbsent(file, f -> new ConcurrentHashMap<>()).put(sha256(content), round);
            lastContent.put(file, content);
            lastRound.put(file, round);
        }

        /** The SHA-256 of every version sent, by file. */
        Map<String, java.util.Set<String>> all() {
            Map<String, java.util.Set<String>> all = new HashMap<>();
            rounds.forEach((file, shas) -> all.put(file, java.util.Set.copyOf(shas.keySet())));
            return all;
        }

        Integer roundOf(String file, String sha) {
            return rounds.getOrDefault(file, Map.of()).get(sha);
        }

        byte[] lastContent(String file) {
            return lastContent.get(file);
        }

        int lastRound(String file) {
            return lastRound.getOrDefault(file, 0);
        }

        /** What a content is: a round sent, or which rounds' pieces it holds. */
        String describe(String file, byte[] content) {
            Integer round = roundOf(file, sha256(content));
            if (round != null) {
                return "round " + round;
            }
            TreeSet<Integer> seen = new TreeSet<>();
            Matcher matcher = MARK.matcher(new String(content, StandardCharsets.ISO_8859_1));
            while (matcher.find()) {
                if (matcher.group(1).equals(file)) {
                    seen.add(Integer.parseInt(matcher.group(2)));
                }
            }
            return "no version sent (" + content.length + " bytes, pieces of rounds " + seen + ")";
        }

        /** Chunk {@code index} of {@code total} of round {@code round}: a label, then bytes only it has. */
        static byte[] chunk(long seed, String file, int round, int index, int total, int size) {
            byte[] label = ("{kill-campaign " + file + " round " + round + " chunk " + index + "/" + total + "}\n")
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] chunk = new byte[Math.max(size, label.length)];
            System.arraycopy(label, 0, chunk, 0, label.length);
            SplittableRandom bytes = new SplittableRandom(seed ^ (file.hashCode() * 0x9E3779B97F4A7C15L)
                    ^ ((long) round << 32) ^ index);
            for (int i = label.length; i < chunk.length; i++) {
                chunk[i] = (byte) bytes.nextInt(256);
            }
            return chunk;
        }

        /** A whole small file of round {@code round}; the config is a JSON mapping. */
        static byte[] whole(SplittableRandom random, String file, int round) {
            int lines = 2 + random.nextInt(60);
            StringBuilder text = new StringBuilder();
            if (file.endsWith(".json")) {
                text.append("{\"kill-campaign\": {\"file\": \"").append(file).append("\", \"round\": ").append(round)
                        .append("},\n \"note\": \"{kill-campaign ").append(file).append(" round ").append(round)
                        .append("}\",\n \"entries\": [");
                for (int i = 0; i < lines; i++) {
                    text.append(i == 0 ? "" : ", ").append('"').append(Long.toHexString(random.nextLong())).append('"');
                }
                text.append("]}\n");
            } else {
                text.append("; {kill-campaign ").append(file).append(" round ").append(round).append("}\n");
                for (int i = 0; i < lines; i++) {
                    text.append("r").append(round).append("-").append(Long.toHexString(random.nextLong()))
                            .append(".example. CNAME .\n");
                }
            }
            return text.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * Sends rounds, each a new version of every file (data files first, the config last), all to partition 0,
     * at most {@link #ROUNDS_AHEAD} rounds ahead of the newest config seen on disk. Stops between rounds.
     */
    private static final class RoundProducer implements Runnable {
        private final String bootstrapServers;
        private final String hostname;
        private final Versions versions;
        private final Checker checker;
        private final long seed;
        private final SplittableRandom random;
        private volatile boolean stopped;
        volatile int roundsSent;
        volatile long recordsSent;
        volatile Throwable failure;

        RoundProducer(String bootstrapServers, String hostname, Versions versions, Checker checker, long seed) {
            this.bootstrapServers = bootstrapServers;
            this.hostname = hostname;
            this.versions = versions;
            this.checker = checker;
            this.seed = seed;
            this.random = new SplittableRandom(seed + 1);
        }

        void stop() {
            stopped = true;
            checker.wakeWaiters();
        }

        @Override
        public void run() {
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.LINGER_MS_CONFIG, 5),
                    new StringSerializer(), new ByteArraySerializer())) {
                for (int round = 1; ; round++) {
                    if (!checker.awaitConfigRound(round - 1 - ROUNDS_AHEAD, () -> stopped)) {
                        return;
                    }
                    List<Future<RecordMetadata>> sent = new ArrayList<>();
                    for (FileSpec file : FILES) {
                        sendVersion(producer, file, round, sent);
                    }
                    producer.flush();
                    for (Future<RecordMetadata> ack : sent) {
                        ack.get(60, TimeUnit.SECONDS);
                    }
                    roundsSent = round;
                }
            } catch (Throwable e) {
                failure = e;
            }
        }

        private void sendVersion(KafkaProducer<String, byte[]> producer, FileSpec file, int round,
                List<Future<RecordMetadata>> sent) {
            if (!file.isChunked()) {
                byte[] content = Versions.whole(random, file.name(), round);
                versions.register(file.name(), round, content);
                sent.add(producer.send(FileDeliveryScenario.record(0, hostname, file.name(), content, 1, 0)));
                recordsSent++;
                return;
            }
            int total = file.totals()[random.nextInt(file.totals().length)];
            int chunkSize = file.minChunkBytes() + random.nextInt(file.maxChunkBytes() - file.minChunkBytes() + 1);
            int lastSize = chunkSize / 2 + random.nextInt(chunkSize / 2 + 1); // the last chunk is usually short
            List<byte[]> chunks = new ArrayList<>(total);
            int length = 0;
            for (int index = 1; index <= total; index++) {
                byte[] chunk = Versions.chunk(seed, file.name(), round, index, total,
                        index == total ? lastSize : chunkSize);
                chunks.add(chunk);
                length += chunk.length;
            }
            byte[] content = new byte[length];
            int at = 0;
            for (byte[] chunk : chunks) {
                System.arraycopy(chunk, 0, content, at, chunk.length);
                at += chunk.length;
            }
            versions.register(file.name(), round, content);
            for (int index = 1; index <= total; index++) {
                sent.add(producer.send(FileDeliveryScenario.record(0, hostname, file.name(), chunks.get(index - 1),
                        index, total)));
                recordsSent++;
            }
        }
    }

    /**
     * Polls the files directory every few milliseconds. A content is hashed once per (inode, size, mtime); the
     * result is cached only when the file was the same before and after reading it.
     */
    private static final class Checker implements Runnable {
        private static final int ABSENT = -2;
        private static final int CORRUPT = -1;
        private static final int MAX_DIAGNOSES = 10;

        private record Key(Object fileKey, long size, long modifiedNanos) {
        }

        private static final class PathState {
            int last = ABSENT;
            int newest = ABSENT;
        }

        private final Path filesDir;
        private final Versions versions;
        private final long startNanos;
        private final Object progress = new Object();
        private final Map<String, PathState> states = new HashMap<>();
        private final Map<Key, Integer> known = new HashMap<>();
        private final Map<String, Long> lastChange = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<Long> changeTimes = new ConcurrentLinkedQueue<>();
        final List<String> corruptDiagnoses = new ArrayList<>();
        final List<String> backwardDiagnoses = new ArrayList<>();
        private volatile boolean stopped;
        private volatile long passes;
        private int newestConfigRound;
        volatile long observations;
        volatile long hashes;
        volatile long corruptObservations;
        volatile long corruptContents;
        volatile long backwardMoves;
        volatile long backupBackwardMoves;
        volatile long vanished;
        volatile Throwable failure;

        Checker(Path filesDir, Versions versions, long startNanos) {
            this.filesDir = filesDir;
            this.versions = versions;
            this.startNanos = startNanos;
        }

        void stop() {
            stopped = true;
        }

        long passes() {
            return passes;
        }

        long lastChangeNanos(String file) {
            return lastChange.getOrDefault(file, 0L);
        }

        int newestConfigRound() {
            synchronized (progress) {
                return newestConfigRound;
            }
        }

        /** Waits until a config of round {@code round} or later was seen; false once {@code stop} says so. */
        boolean awaitConfigRound(int round, java.util.function.BooleanSupplier stop) throws InterruptedException {
            synchronized (progress) {
                while (newestConfigRound < round) {
                    if (stop.getAsBoolean()) {
                        return false;
                    }
                    progress.wait(1000);
                }
                return !stop.getAsBoolean();
            }
        }

        void wakeWaiters() {
            synchronized (progress) {
                progress.notifyAll();
            }
        }

        @Override
        public void run() {
            try {
                while (!stopped) {
                    for (FileSpec file : FILES) {
                        observe(file.name(), file.name(), false);
                        observe(file.name(), file.name() + ".backup", true);
                    }
                    passes++;
                    Thread.sleep(CHECK_INTERVAL.toMillis()); // the polling period
                }
            } catch (Throwable e) {
                failure = e;
            }
        }

        private void observe(String file, String pathName, boolean backup) throws IOException {
            Path path = filesDir.resolve(pathName);
            PathState state = states.computeIfAbsent(pathName, p -> new PathState());
            Key before = key(path);
            if (before == null) {
                if (state.last != ABSENT && !backup) {
                    vanished++;
                }
                state.last = ABSENT;
                return;
            }
            Integer round = known.get(before);
            if (round == null) {
                byte[] content;
                try {
                    content = Files.readAllBytes(path);
                } catch (NoSuchFileException e) {
                    return; // replaced in between; the next pass sees the new one
                }
                hashes++;
                Integer sent = versions.roundOf(file, sha256(content));
                round = sent == null ? CORRUPT : sent;
                if (before.equals(key(path))) {
                    known.put(before, round);
                }
                if (round == CORRUPT) {
                    corruptContents++;
                    if (corruptDiagnoses.size() < MAX_DIAGNOSES) {
                        corruptDiagnoses.add(String.format("at %.1f s: %s is %s",
                                (System.nanoTime() - startNanos) / 1e9, pathName,
                                versions.describe(file, content)));
                    }
                }
            }
            observations++;
            if (round == CORRUPT) {
                corruptObservations++;
            }
            if (round != state.last) {
                long now = System.nanoTime();
                if (round >= 0 && round < state.newest) {
                    if (backup) {
                        backupBackwardMoves++;
                    } else {
                        backwardMoves++;
                        if (backwardDiagnoses.size() < MAX_DIAGNOSES) {
                            backwardDiagnoses.add(String.format("at %.1f s: ", (now - startNanos) / 1e9)
                                    + pathName + " went from round " + state.last + " to round " + round
                                    + " after round " + state.newest + " had been seen");
                        }
                    }
                }
                state.newest = Math.max(state.newest, round);
                if (!backup) {
                    changeTimes.add(now);
                    lastChange.put(file, now);
                    if (file.equals(CONFIG) && round > 0) {
                        synchronized (progress) {
                            if (round > newestConfigRound) {
                                newestConfigRound = round;
                                progress.notifyAll();
                            }
                        }
                    }
                }
            }
            state.last = round;
        }

        /** The file's identity and state, or null when there is no file there. */
        private static Key key(Path path) throws IOException {
            try {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                return new Key(attributes.isRegularFile() ? attributes.fileKey() : "not a regular file",
                        attributes.size(), attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS));
            } catch (NoSuchFileException e) {
                return null;
            }
        }
    }

    static String sha256(byte[] bytes) {
        return io.github.kresconnect.filesink.protocol.TransferIntegrity.sha256HexOf(bytes);
    }
}
