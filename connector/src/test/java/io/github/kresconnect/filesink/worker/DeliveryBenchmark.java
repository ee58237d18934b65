package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.github.kresconnect.filesink.notify.FakeManager;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.publish.FileRecords;

/**
 * Delivery benchmark on real processes, behind {@code bin/benchmark}: a KRaft broker process and standalone
 * Connect worker processes from Kafka's own jars, the built component zip unzipped into plugin.path, the shipped
 * config/worker.properties and config/resolver-sink.properties (only paths, ports, topic, connector name and
 * manager socket replaced), manager requests answered by a stand-in manager on a Unix socket.
 *
 * <p>Every scenario has its own topic and connector (so its own consumer group). Its records are produced first,
 * outside the timed section; then the connector is created over the worker's REST API and timed until its
 * files are at their final paths. The baseline, measured in the same run on the same broker, is a plain
 * {@link KafkaConsumer} with the worker's {@code consumer.*} fetch settings that reads the same topic and writes
 * the record values to one file, fsync'd at the end; it runs on its own, never beside the connector. Times
 * are {@link System#nanoTime()} in this process; a large file's arrival is the inotify event of its name
 * appearing in the files directory (see {@link FileArrivals}); small files are timed by their own times, with no
 * watcher of the directory (an event for each of them would cost this process CPU the connector then lacks).
 *
 * <ol>
 * <li>A file in 512 KiB chunks: MiB/s from the connector's creation to the file at its final path with the
 * right size (its SHA-256 checked afterwards), against the baseline's MiB/s from its creation to its fsync,
 * measured right before it; {@link #CHUNKED_RUNS} runs, each with its own topic and connector. Target: their
 * median ratio at least 0.80.</li>
 * <li>Many small whole files: files/s from the first file written (its work file's mtime) to the last one in
 * place (its ctime, set by the rename), the span the disk's limit is timed over, and the time from the connector's
 * creation to the first file in place; the baseline's records/s for reference; the worker's CPU
 * per file (the whole process, from the connector's creation to its last file). A resolver host's worker runs
 * for weeks, so the same load goes through fresh connectors and topics until a run's JIT compilers take at most
 * {@link #STEADY_JIT_SHARE} of its CPU (at most {@link Sizes#smallRuns} runs); that last run is the measured one,
 * the first (cold) run beside it for reference. The disk's limit (create and write each file, one syncfs, rename
 * each, one directory fsync) is measured right after each run, with its own CPU per file: both vary from run to
 * run, so the figure against it is the median of the last {@link #PAIRED_RUNS} runs' ratios, each to the limit
 * measured right after it. What the runs wrote is removed only after the last one (see {@link #toDelete}).
 * Targets: 8,000 files/s and a median of 0.80 of the disk's limit; 0.3 ms of CPU per file.</li>
 * <li>A large chunked file through a worker with -Xmx128m: completes with the right SHA-256; its heap (used,
 * and used right after the latest GC) is sampled over JMX every 250 ms. Target: the largest heap after GC in
 * the second half of the chunks is at most 16 MiB above the first half's.</li>
 * <li>Latency of a small file: from the producer's acknowledgement ({@code send().get()} returning) to the
 * file's arrival, files sent one at a time after a few unmeasured ones. Target: p99 under 50 ms.</li>
 * <li>Only with {@code --only=5}: one store growing run after run (see {@link #manyFiles}); no target.</li>
 * </ol>
 *
 * <p>With {@code --signed} ({@code --signed=N}: N rounds, default {@value #DEFAULT_SIGNED_ROUNDS}), scenarios 1
 * and 2 also run with every record signed as {@code resolver-publish --sign} signs it (integrity and signature
 * headers; the large file has its own Ed25519 signature, the small files share one per
 * {@link SignatureBatch#PUBLISHER_LEAVES}, each record with its proof) by a key generated in the run, the connector
 * given that key in {@code signatures.trusted.keys} and {@code signatures.required=true}: in the same invocation,
 * on the same worker, each signed run between two unsigned ones (U S U S U ...), so that neither kind always comes
 * first and the disk's drift shows in both. The unsigned runs compared are what {@code resolver-publish} sends
 * without {@code --sign} (the integrity headers, no signature headers), so that the difference is the signatures'
 * alone; each scenario's first run, the one its own target is measured on, keeps the upstream client's records.
 * The mean of the signed runs is printed beside the mean of the unsigned ones, every run's figure in brackets;
 * the ratio is the median, over the signed runs, of each signed run against the mean of the two unsigned runs
 * around it (the ratio of the means beside it). Target: signed at least 0.90 of
 * unsigned. Scenario 2's signed runs are compared once signed runs that are not compared have brought the JIT
 * compilers to the steady state the unsigned runs reached first (see {@link #warmUpSigned}). The worker's
 * CPU time per file of each run (the whole process, the task thread, the connector's own threads by kind), and
 * this JVM's own cost of one Ed25519 verification, say where the time goes.
 */
public final class DeliveryBenchmark {
    static final String KAFKA_VERSION = "4.3.1";
    static final int CHUNK_BYTES = 512 * 1024;
    static final int SMALL_FILE_BYTES = 4 * 1024;
    static final double MIB = 1024.0 * 1024.0;
    static final double TARGET_CHUNKED_RATIO = 0.80;
    /** Scenario 1's runs: the figure is their median ratio to the baseline. */
    static final int CHUNKED_RUNS = 3; // odd: the median is one run's
    static final double TARGET_FILES_PER_SECOND = 8_000;
    static final double TARGET_LATENCY_P99_MS = 50;
    static final long HEAP_GROWTH_ALLOWED = 16L * 1024 * 1024;
    static final double TARGET_SIGNED_RATIO = 0.90;
    /** Small files: at least this share of the disk's limit measured in the same run. */
    static final double TARGET_PHYSICAL_RATIO = 0.80;
    /** The small-file figure against the disk's limit: the median ratio of at most this many last runs. */
    static final int PAIRED_RUNS = 10;
    private static final String NO_SYNCFS = "2: the disk's limit was not measured: syncfs(2) is not available here";
    /** The whole worker process's CPU time per small file. */
    static final double TARGET_CPU_MS_PER_FILE = 0.30;
    /** The worker's resident set in every scenario, with the shipped unit's JVM options. */
    static final long TARGET_RSS_BYTES = 256L * 1024 * 1024;
    /** Signed runs under {@code --signed}: each between two unsigned ones (U S U S U S U). */
    static final int DEFAULT_SIGNED_ROUNDS = 3;
    private static final Duration SCENARIO_TIMEOUT = Duration.ofMinutes(30);

    /** How much each scenario moves. */
    record Sizes(String label, int warmupChunks, int warmupFiles, int chunkedChunks, int smallFiles, int smallRuns,
            int largeChunks, int latencyWarmup, int latencyFiles) {
    }

    static final Sizes FULL = new Sizes("full", 64, 300, 512, 2_000, 30, 2_048, 20, 200);
    static final Sizes SHORT = new Sizes("short", 32, 100, 64, 500, 6, 256, 10, 50);
    /** Scenario 2 is steady once the JIT compilers take at most this share of a run's worker CPU. */
    static final double STEADY_JIT_SHARE = 0.10;
    /** Runs of the disk's limit fed by Connect, each beside the disk's limit right after it. */
    static final int CONNECT_FED_RUNS = 5;

    private static final String FILE_STREAM_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector";

    /** One line of the results table. {@code pass} is null for a figure without a target. */
    record Row(String scenario, String connector, String baseline, String ratio, String target, Boolean pass) {
    }

    /** The headers a run's records carry besides the recipient's and the file's name (and chunk headers). */
    enum Records {
        /** The upstream client's records: nothing more. */
        UPSTREAM,
        /** What {@code resolver-publish} sends without {@code --sign}: the transfer's integrity headers. */
        PUBLISHED,
        /** What {@code resolver-publish --sign} sends: the integrity headers and the signature headers. */
        SIGNED
    }

    /**
     * Which run of a scenario: the first, upstream records ({@link #FIRST}), or in {@code --signed} mode the
     * {@code round}-th signed run (rounds from 1) or the unsigned run of resolver-publish's records before it (round
     * 0) or after it.
     */
    record Variant(Records records, int round, int rounds) {
        static final Variant FIRST = new Variant(Records.UPSTREAM, 0, 1);

        boolean signed() {
            return records == Records.SIGNED;
        }

        /** As the table and log say it: "" for the first run, "signed" or "signed 2", "unsigned 0", "unsigned 2". */
        String label() {
            return switch (records) {
                case UPSTREAM -> "";
                case SIGNED -> rounds > 1 ? "signed " + round : "signed";
                case PUBLISHED -> "unsigned " + round;
            };
        }

        /** ", signed 2" or "" for the first run. */
        String suffix() {
            return label().isEmpty() ? "" : ", " + label();
        }

        String slug() {
            return label().isEmpty() ? "" : "-" + label().replace(' ', '-');
        }
    }

    /**
     * What one timed connector run measured: its figure (MiB/s or files/s) and the worker's CPU it took;
     * {@code taskAllocatedBytes}: what the task thread allocated on the heap in the run.
     */
    record Run(double rate, long files, double seconds, double processCpuSeconds, double taskCpuSeconds,
            double commitCpuSeconds, Map<String, Long> connectorThreadsCpuNanos, long gcs, long taskAllocatedBytes) {
    }

    private final PrintStream out;
    private final Sizes sizes;
    private final Set<Integer> scenarios;
    private final Path workDir;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> details = new ArrayList<>();
    private final Map<String, Object> consumerSettings = new HashMap<>();
    private final Map<String, String> workerOverrides;
    /** In {@code --signed} mode, how many signed runs alternate with unsigned ones; 0 otherwise. */
    private final int signedRounds;
    private final List<Row> signatureRows = new ArrayList<>();
    private final List<String> signatureDetails = new ArrayList<>();
    private KeyPair signingKey;
    private String keyId;
    /** The worker whose resident set is sampled, every 100 ms, into {@link #rssMax}. */
    private volatile BenchmarkWorker sampledWorker;
    private final java.util.concurrent.atomic.AtomicLong rssMax = new java.util.concurrent.atomic.AtomicLong(-1);
    private KafkaDistribution dist;
    /**
     * What scenario 2 wrote, removed only once this worker's last scenario is done (every run, signed or not, its
     * baselines, and scenario 4): on ext4 without a journal, creating a file scans past every inode freed in the
     * last one to five minutes, so removing files before a run would charge that run with the benchmark's own
     * clean-up, more with every run (the connector's commit thread, which creates the files, went from 75 to 422 µs
     * per file over seven runs that each followed such a removal).
     */
    private final List<Path> toDelete = new ArrayList<>();
    /** The disk's limit's own CPU time per file (its one thread: create, write, syncfs, rename), in ms. */
    private double physicalCpuMillisPerFile = -1;
    /** The whole machine's CPU time per file while the disk's limit was measured (the kernel's writeback too). */
    private double physicalMachineMillisPerFile = -1;
    /** The whole machine's CPU time (and the broker's) while the Kafka-fed limit was measured. */
    private Machine kafkaFedMachine;
    private BrokerProcess broker;
    private Path pluginPath;
    /** Whether Kafka's FileStreamSink is in the plugin path (for Connect alone). */
    private boolean connectFile;
    /** Whether {@link DiskLimitSink} is in the plugin path (for the disk's limit fed by Connect). */
    private boolean diskLimitSink;
    private Path managerSocket;
    private String hostname;

    DeliveryBenchmark(PrintStream out, Sizes sizes, Set<Integer> scenarios, Map<String, String> workerOverrides,
            Path workDir) {
        this(out, sizes, scenarios, workerOverrides, 0, workDir);
    }

    DeliveryBenchmark(PrintStream out, Sizes sizes, Set<Integer> scenarios, Map<String, String> workerOverrides,
            int signedRounds, Path workDir) {
        this.out = out;
        this.signedRounds = signedRounds;
        this.workerOverrides = Map.copyOf(workerOverrides);
        this.sizes = sizes;
        this.scenarios = scenarios;
        this.workDir = workDir;
    }

    public static void main(String[] args) throws Exception {
        Sizes sizes = FULL;
        Set<Integer> scenarios = new TreeSet<>(List.of(1, 2, 3, 4));
        boolean enforce = false;
        int signedRounds = 0;
        Map<String, String> overrides = new java.util.TreeMap<>();
        for (String arg : args) {
            if (arg.equals("--short")) {
                sizes = SHORT;
            } else if (arg.equals("--enforce-targets")) {
                enforce = true;
            } else if (arg.equals("--signed")) {
                signedRounds = DEFAULT_SIGNED_ROUNDS;
            } else if (arg.matches("--signed=[1-9][0-9]?")) {
                signedRounds = Integer.parseInt(arg.substring("--signed=".length()));
            } else if (arg.startsWith("--set=") && arg.indexOf('=', "--set=".length()) > "--set=".length()) {
                String setting = arg.substring("--set=".length());
                overrides.put(setting.substring(0, setting.indexOf('=')), setting.substring(setting.indexOf('=') + 1));
            } else if (arg.startsWith("--only=")) {
                scenarios = Arrays.stream(arg.substring("--only=".length()).split(",")).map(String::trim)
                        .map(Integer::valueOf).collect(Collectors.toCollection(TreeSet::new));
            } else {
                System.err.println("unknown argument: " + arg);
                System.exit(2);
            }
        }
        DeliveryBenchmark benchmark = new DeliveryBenchmark(System.out, sizes, scenarios, overrides, signedRounds,
                KafkaDistribution.projectDir().resolve("target/benchmark"));
        try {
            benchmark.run();
        } catch (Exception | AssertionError e) {
            System.err.println("Benchmark failed: " + e.getMessage());
            e.printStackTrace();
            System.err.println("Logs are under " + benchmark.workDir);
            System.exit(1);
        }
        boolean allMet = Stream.concat(benchmark.rows.stream(), benchmark.signatureRows.stream())
                .noneMatch(r -> Boolean.FALSE.equals(r.pass()));
        System.exit(enforce && !allMet ? 3 : 0);
    }

    void run() throws Exception {
        RealWorkerScenario.deleteRecursively(workDir);
        Files.createDirectories(workDir);
        Properties worker = new Properties();
        try (var in = Files.newBufferedReader(ShippedConfig.shipped("worker.properties"), StandardCharsets.UTF_8)) {
            worker.load(in);
        }
        workerOverrides.forEach(worker::setProperty);
        for (String key : worker.stringPropertyNames()) {
            if (key.startsWith("consumer.")) {
                consumerSettings.put(key.substring("consumer.".length()), worker.getProperty(key));
            }
        }
        hostname = ShippedConfig.value("resolver-sink.properties", "resolver.hostname");
        if (signedRounds > 0) {
            signingKey = Signatures.generateKeyPair();
            keyId = Signatures.keyId(signingKey.getPublic());
        }
        step("Resolving Kafka " + KAFKA_VERSION + " and starting a KRaft broker");
        dist = KafkaDistribution.resolve(KAFKA_VERSION);
        broker = BrokerProcess.start(dist, workDir.resolve("broker"), workDir.resolve("broker"));
        createTopic(ShippedConfig.receiptsTopicOf(hostname)); // receipts go somewhere: this host's own topic
        Path socketDir = Files.createTempDirectory("kres-bench");
        managerSocket = socketDir.resolve("kres-api.sock");
        try (FakeManager manager = FakeManager.start(managerSocket)) {
            String dlq = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");
            broker.admin().createTopics(List.of(new NewTopic(dlq, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            pluginPath = workDir.resolve("plugins");
            HubComponent.installInto(pluginPath);
            // Apache Kafka's own file sink, a plugin of its own: Connect alone, for scenario 2's reference rows,
            // which are left out (and said so) where Maven cannot fetch it
            try {
                dist.copyArtifact("connect-file", pluginPath.resolve("kafka-connect-file"));
                connectFile = true;
            } catch (IOException | AssertionError e) { // Maven's failure, with its log's tail: its first line here
                details.add("2: Connect alone was not measured: Kafka's connect-file jar could not be fetched ("
                        + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
            }
            diskLimitSink = FileSystemSync.available();
            if (diskLimitSink) {
                installDiskLimitSink(pluginPath.resolve("disk-limit-sink"));
            } else {
                details.add("2: the disk's limit fed by Connect was not measured: syncfs(2) is not available here");
            }
            runScenarios();
            details.add("stand-in manager received " + manager.posts().size() + " reload/renew requests");
        } finally {
            Files.deleteIfExists(managerSocket);
            Files.deleteIfExists(socketDir);
            broker.close();
            RealWorkerScenario.deleteRecursively(workDir.resolve("broker/data"));
        }
        report();
    }

    /**
     * The JVM options of the shipped systemd unit, as kafka-run-class.sh puts them together: its
     * {@code KAFKA_HEAP_OPTS}, its {@code KAFKA_JVM_PERFORMANCE_OPTS} (kafka-run-class.sh's own, G1, when the unit
     * sets none) and the {@code -X} options of its {@code KAFKA_OPTS}.
     */
    static List<String> unitJvmOptions() throws IOException {
        Map<String, String> env = unitEnvironment();
        List<String> options = new ArrayList<>(ServiceUnit.words(env.getOrDefault("KAFKA_HEAP_OPTS", "")));
        options.addAll(env.containsKey("KAFKA_JVM_PERFORMANCE_OPTS")
                ? ServiceUnit.words(env.get("KAFKA_JVM_PERFORMANCE_OPTS")) : KAFKA_RUN_CLASS_PERFORMANCE_OPTIONS);
        // the JVM's own options; not the system properties naming files of the host (the REST API's JAAS)
        ServiceUnit.words(env.getOrDefault("KAFKA_OPTS", "")).stream().filter(o -> o.startsWith("-X"))
                .forEach(options::add);
        if (options.stream().noneMatch(o -> o.startsWith("-Xmx"))) {
            throw new IllegalStateException("no KAFKA_HEAP_OPTS with -Xmx in the shipped unit");
        }
        return options;
    }

    /**
     * The shipped unit's Environment= variables, which systemd gives the worker's process: the scripts' own
     * (read by {@link #unitJvmOptions()}) and those the process itself reads, such as glibc's MALLOC_ARENA_MAX.
     */
    static Map<String, String> unitEnvironment() throws IOException {
        return ServiceUnit.read(ShippedConfig.shipped("kafka-connect-resolver.service")).environment();
    }

    /** kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS when the environment sets none. */
    static final List<String> KAFKA_RUN_CLASS_PERFORMANCE_OPTIONS = List.of("-server", "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
            "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true");

    /** Samples the worker's resident set every 100 ms, for as long as the benchmark runs. */
    private void startRssSampler() {
        Thread sampler = new Thread(() -> {
            while (true) {
                BenchmarkWorker worker = sampledWorker;
                if (worker != null) {
                    long rss = worker.rssBytes();
                    rssMax.accumulateAndGet(rss, Math::max);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Starts a scenario's window of the worker's resident set. */
    private void rssStart() {
        BenchmarkWorker worker = sampledWorker;
        rssMax.set(worker == null ? -1 : worker.rssBytes());
    }

    /** The row of the worker's largest resident set since {@link #rssStart}. */
    private void rssRow(String what) {
        rssRow(what, true);
    }

    /** As {@link #rssRow(String)}; without {@code target}, a reference figure. */
    private void rssRow(String what, boolean target) {
        BenchmarkWorker worker = sampledWorker;
        long max = Math.max(rssMax.get(), worker == null ? -1 : worker.rssBytes());
        rows.add(new Row("   worker RSS, max " + what, max < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MiB",
                max / MIB), "", "", target ? String.format(Locale.ROOT, "<= %d MiB", TARGET_RSS_BYTES >> 20)
                : "(reference)", max < 0 || !target ? null : max <= TARGET_RSS_BYTES));
    }

    private void runScenarios() throws Exception {
        startRssSampler();
        if (scenarios.contains(1) || scenarios.contains(2) || scenarios.contains(4) || scenarios.contains(5)) {
            List<String> unit = unitJvmOptions();
            step("Starting a Connect worker with the shipped unit's JVM options " + unit);
            try (BenchmarkWorker connect = BenchmarkWorker.start(dist, workDir.resolve("worker"),
                    broker.bootstrapServers(), pluginPath, unit, unitEnvironment(), workerOverrides)) {
                sampledWorker = connect;
                warmUp(connect, false);
                if (signedRounds > 0) {
                    warmUp(connect, true);
                }
                if (scenarios.contains(1)) {
                    alternate(variant -> chunkedThroughput(connect, variant), String.format(Locale.ROOT,
                            "1. %.0f MiB in %d chunks of 512 KiB", sizes.chunkedChunks() * (double) CHUNK_BYTES / MIB,
                            sizes.chunkedChunks()), "MiB/s", "%.1f", "chunk");
                }
                if (scenarios.contains(2)) {
                    alternate(variant -> smallFiles(connect, variant), "2. " + sizes.smallFiles()
                            + " whole files of 4 KiB", "files/s", "%.0f", "file");
                }
                if (scenarios.contains(4)) {
                    latency(connect);
                }
                if (scenarios.contains(5)) {
                    manyFiles(connect);
                }
                deleteNow();
            }
        }
        if (scenarios.contains(3)) {
            step("Starting a Connect worker with the unit's JVM options but -Xmx128m");
            List<String> options = new ArrayList<>(unitJvmOptions());
            options.removeIf(o -> o.startsWith("-Xm"));
            options.add("-Xmx128m");
            try (BenchmarkWorker connect = BenchmarkWorker.start(dist, workDir.resolve("worker-128m"),
                    broker.bootstrapServers(), pluginPath, options, unitEnvironment(), workerOverrides)) {
                sampledWorker = connect;
                largeFileHeap(connect);
            }
        }
    }

    /** Runs both the connector and the baseline over a little of everything first, so neither starts cold. */
    private void warmUp(BenchmarkWorker connect, boolean signedRecords) throws Exception {
        String label = signedRecords ? "bench-warmup-signed" : "bench-warmup";
        String topic = createTopic(label);
        step("Warm-up" + (signedRecords ? ", signed" : "") + ": " + sizes.warmupChunks() + " chunks and "
                + sizes.warmupFiles() + " small files (not timed)");
        Records form = signedRecords ? Records.SIGNED : Records.UPSTREAM;
        produceChunked(topic, "warm.bin", sizes.warmupChunks(), 7, form);
        produceSmallFiles(topic, "warm-", sizes.warmupFiles(), 8, form);
        int records = sizes.warmupChunks() + sizes.warmupFiles();
        plainConsumer(topic, records, workDir.resolve("baseline-warmup.bin"));
        Path files = Files.createDirectories(workDir.resolve("files-" + label));
        connect.createConnector(workDir.resolve("worker"), label, sinkOverrides(topic, files),
                signatureConfig(signedRecords));
        Await.until("the warm-up files", SCENARIO_TIMEOUT, () -> {
            connect.checkNotFailed(label);
            return Files.exists(files.resolve("warm.bin")) && Files.size(files.resolve("warm.bin"))
                    == (long) sizes.warmupChunks() * CHUNK_BYTES
                    && Files.exists(files.resolve(smallName("warm-", sizes.warmupFiles() - 1)));
        }, connect::tail);
        connect.deleteConnector(label);
        RealWorkerScenario.deleteRecursively(files);
        Files.deleteIfExists(workDir.resolve("baseline-warmup.bin"));
    }

    /** One run of scenario 1: the connector's MiB/s and the baseline's, measured right before it. */
    private record ChunkedRun(Run run, double baselineRate) {
        double ratio() {
            return run.rate() / baselineRate;
        }
    }

    /**
     * Scenario 1: one file in 512 KiB chunks, connector against baseline. Both vary from one run to the next by
     * more than the target's margin, so the first variant runs {@link #CHUNKED_RUNS} times, each connector run
     * right after its own baseline, and the figure is the median ratio (the run it comes from in the table). In
     * {@code --signed} mode every later variant is one run.
     */
    private Run chunkedThroughput(BenchmarkWorker connect, Variant variant) throws Exception {
        int chunks = sizes.chunkedChunks();
        long bytes = (long) chunks * CHUNK_BYTES;
        int count = variant.equals(Variant.FIRST) ? CHUNKED_RUNS : 1;
        List<ChunkedRun> runs = new ArrayList<>();
        rssStart();
        for (int i = 1; i <= count; i++) {
            runs.add(chunkedRun(connect, variant, count == 1 ? 0 : i));
        }
        List<ChunkedRun> byRatio = new ArrayList<>(runs);
        byRatio.sort(java.util.Comparator.comparingDouble(ChunkedRun::ratio));
        ChunkedRun middle = byRatio.get(byRatio.size() / 2); // an odd count: the median run
        double ratio = middle.ratio();
        rows.add(new Row(String.format(Locale.ROOT, "1. %.0f MiB in %d chunks of 512 KiB%s", bytes / MIB, chunks,
                variant.suffix() + (count == 1 ? "" : ", median of " + count)),
                String.format(Locale.ROOT, "%.1f MiB/s", middle.run().rate()),
                String.format(Locale.ROOT, "%.1f MiB/s", middle.baselineRate()),
                String.format(Locale.ROOT, "%.2f", ratio),
                String.format(Locale.ROOT, "ratio >= %.2f", TARGET_CHUNKED_RATIO), ratio >= TARGET_CHUNKED_RATIO));
        if (count > 1) {
            details.add(String.format(Locale.ROOT, "1: the ratios of the %d runs, each to the baseline right before "
                    + "it: %s; their median %.2f", count, runs.stream().map(r -> String.format(Locale.ROOT, "%.2f",
                            r.ratio())).collect(Collectors.joining(", ")), ratio));
        }
        if (variant.equals(Variant.FIRST)) {
            rssRow("(scenario 1)");
        }
        return middle.run();
    }

    /** Run {@code run} of scenario 1 (0 when it is the only one): the baseline, then the connector. */
    private ChunkedRun chunkedRun(BenchmarkWorker connect, Variant variant, int run) throws Exception {
        boolean signedRecords = variant.signed();
        int chunks = sizes.chunkedChunks();
        long bytes = (long) chunks * CHUNK_BYTES;
        String name = "bench-chunked" + variant.slug() + (run > 1 ? "-run" + run : "");
        String mark = ("1 " + variant.label()).strip() + (run > 0 ? " run " + run : "");
        String topic = createTopic(name);
        step(String.format(Locale.ROOT, "Scenario 1%s: %.0f MiB as %d chunks of 512 KiB", variant.suffix(),
                bytes / MIB, chunks));
        long produceStart = System.nanoTime();
        String sha = produceChunked(topic, "chunked.bin", chunks, 1, variant.records());
        details.add(String.format(Locale.ROOT, "%s: produced %d chunks in %.2f s (not timed)", mark, chunks,
                seconds(System.nanoTime() - produceStart)));

        Path baselineFile = workDir.resolve("baseline-chunked.bin");
        Baseline baseline = plainConsumer(topic, chunks, baselineFile);
        check(sha.equals(sha256(baselineFile)), "the baseline's file has the produced SHA-256");
        Files.delete(baselineFile);

        Path files = Files.createDirectories(workDir.resolve("files-" + name));
        long created;
        long done;
        Long firstEntry;
        connect.collectGarbage();
        Map<Long, Long> threadsBefore = connect.threadCpuNanos();
        Map<Long, Long> allocatedBefore = connect.threadAllocatedBytes();
        long gcBefore = connect.heap().gcCount();
        long taskCpu;
        long taskAllocated;
        long commitCpu;
        Map<String, Long> families;
        long gcs;
        long processCpu;
        try (FileArrivals arrivals = FileArrivals.watch(files)) {
            long cpuBefore = connect.processCpuNanos(); // after the JMX calls above, which are not the connector's
            created = System.nanoTime();
            connect.createConnector(workDir.resolve("worker"), name, sinkOverrides(topic, files),
                    signatureConfig(signedRecords));
            done = awaitFile(connect, name, arrivals, files, "chunked.bin", bytes);
            processCpu = connect.processCpuNanos() - cpuBefore;
            taskCpu = connect.threadCpuNanos("task-thread-" + name + "-", threadsBefore).get(-1L);
            taskAllocated = connect.threadAllocatedBytes("task-thread-" + name + "-", allocatedBefore).get(-1L);
            commitCpu = connect.threadCpuNanos("resolver-file-sink-", threadsBefore).get(-1L);
            families = connectorThreads(connect, threadsBefore);
            gcs = connect.heap().gcCount() - gcBefore;
            firstEntry = arrivals.all().entrySet().stream().filter(e -> !e.getKey().startsWith("."))
                    .map(Map.Entry::getValue).min(Long::compare).orElse(null);
        }
        check(sha.equals(sha256(files.resolve("chunked.bin"))), "chunked.bin has the produced SHA-256");
        connect.deleteConnector(name);
        RealWorkerScenario.deleteRecursively(files);

        double connectorRate = bytes / MIB / seconds(done - created);
        double baselineRate = bytes / MIB / baseline.startToEndSeconds();
        details.add(String.format(Locale.ROOT, "%s: connector %.3f s from its creation to chunked.bin at its final "
                + "path (SHA-256 ok); first entry in the files directory after %s", mark, seconds(done - created),
                firstEntry == null ? "n/a" : String.format(Locale.ROOT, "%.3f s", seconds(firstEntry - created))));
        details.add(String.format(Locale.ROOT, "%s: baseline %.3f s from its creation to fsync (first record after "
                + "%.3f s; %.1f MiB/s from the first record)", mark, baseline.startToEndSeconds(),
                baseline.startToEndSeconds() - baseline.firstToEndSeconds(),
                bytes / MIB / baseline.firstToEndSeconds()));
        return new ChunkedRun(new Run(connectorRate, chunks, seconds(done - created), seconds(processCpu),
                seconds(taskCpu), seconds(commitCpu), families, gcs, taskAllocated), baselineRate);
    }

    /**
     * What one run of scenario 2 measured: files/s, the worker's CPU from the connector's creation to its last file
     * (the whole process over JMX, by thread over JMX and /proc), the time to the first file, the baseline.
     */
    record SmallRun(Run run, Map<String, Long> byName, Map<String, Long> byNameInKernel, String firstAfter,
            Baseline baseline, Machine machine, Flow flow, String topic) {
        double cpuMillisPerFile() {
            return 1e3 * run.processCpuSeconds() / run.files();
        }

        long jitMillis() {
            return byName.entrySet().stream().filter(e -> e.getKey().contains("CompilerThre"))
                    .mapToLong(Map.Entry::getValue).sum();
        }
    }

    /**
     * The whole machine's CPU time over a timed section (every process and the kernel's own work, from /proc/stat)
     * and the broker's share of it, in milliseconds; -1 where /proc does not have them.
     */
    record Machine(long millis, long brokerMillis) {
        /** Ticks now, to pass to {@link #since}. */
        static long[] now(BrokerProcess broker) {
            return new long[] {CpuTicks.ofMachine(), broker == null ? -1 : CpuTicks.ofProcess(broker.pid())};
        }

        static Machine since(long[] before, BrokerProcess broker) {
            long[] after = now(broker);
            return new Machine(before[0] < 0 || after[0] < 0 ? -1 : (after[0] - before[0]) * CpuTicks.MILLIS_PER_TICK,
                    before[1] < 0 || after[1] < 0 ? -1 : (after[1] - before[1]) * CpuTicks.MILLIS_PER_TICK);
        }

        /** The most files per second the machine's CPUs allow at this CPU time per file. */
        double filesPerSecondAllowed(long files) {
            return CpuTicks.cpus() * 1e3 * files / millis;
        }
    }

    /**
     * The flow of files into place, without the connector's start: /proc (the machine, the worker, the broker and
     * this benchmark, 10 ms ticks) sampled when the first file is seen in place and when the last one is, and the
     * files renamed into place in between, counted afterwards by their change times.
     */
    static final class Flow {
        private static final long SELF = ProcessHandle.current().pid();
        private final long workerPid;
        private final BrokerProcess broker;
        private long[] first;
        private long[] last;
        private long files;
        /** This benchmark's own threads, read right outside the span. */
        private Map<Long, BenchmarkWorker.NativeThread> selfFirst;
        private Map<Long, BenchmarkWorker.NativeThread> selfLast;

        Flow(long workerPid, BrokerProcess broker) {
            this.workerPid = workerPid;
            this.broker = broker;
        }

        boolean started() {
            return first != null;
        }

        void first() {
            selfFirst = BenchmarkWorker.nativeThreads(SELF);
            first = sample();
        }

        void last() {
            last = sample();
            selfLast = BenchmarkWorker.nativeThreads(SELF);
        }

        /** Sets the records handled between the two samples, counted by the caller. */
        void counted(long records) {
            files = records;
        }

        /** Counts the files placed between the two samples, by their change times (microseconds since the epoch). */
        void placed(long[] ctimeMicros) {
            if (first != null && last != null) {
                files = Arrays.stream(ctimeMicros).filter(t -> t > first[0] && t <= last[0]).count();
            }
        }

        private long[] sample() {
            long at = micros(Instant.now());
            long[] machine = Machine.now(broker);
            return new long[] {at, machine[0], CpuTicks.ofProcess(workerPid), machine[1], CpuTicks.ofProcess(SELF)};
        }

        /** Whether both ends were sampled, with files and /proc figures between them. */
        boolean measured() {
            return first != null && last != null && files > 0 && last[0] > first[0] && first[1] >= 0
                    && last[1] >= 0 && first[2] >= 0 && last[2] >= 0;
        }

        long files() {
            return files;
        }

        double seconds() {
            return (last[0] - first[0]) / 1e6;
        }

        /**
         * Milliseconds of CPU between the two samples: 1 the machine's, 2 the worker's, 3 the broker's, 4 this
         * benchmark's.
         */
        double millis(int which) {
            return (last[which] - first[which]) * (double) CpuTicks.MILLIS_PER_TICK;
        }

        /** The share of the machine's CPUs busy over the span. */
        double busy() {
            return millis(1) / (1e3 * seconds() * CpuTicks.cpus());
        }

        String describe() {
            return describe("file");
        }

        /** As {@link #describe()}, counting {@code unit}s (file, record). */
        String describe(String unit) {
            return String.format(Locale.ROOT, "%.0f %ss/s; CPUs %.0f %% busy, %.2f ms per %s (worker %.2f, "
                    + "broker %.2f, benchmark %.2f%s)", files() / seconds(), unit, 100 * busy(), millis(1) / files(),
                    unit, millis(2) / files(), first[3] < 0 ? Double.NaN : millis(3) / files(),
                    first[4] < 0 ? Double.NaN : millis(4) / files(), selfThreads());
        }

        /** This benchmark's threads that used CPU in the span, when it used a share worth naming (ms). */
        private String selfThreads() {
            if (first[4] < 0 || millis(4) / files() < 0.02) {
                return "";
            }
            String busiest = BenchmarkWorker.millisBetween(selfFirst, selfLast, false).entrySet().stream()
                    .filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
            return busiest.isEmpty() ? "" : ": " + busiest + " ms";
        }
    }

    /**
     * Scenario 2: many small whole files. The first run's figures are a worker's first minutes (the JIT still
     * compiling the path); a resolver host's worker runs for weeks, so the same load then goes through fresh
     * connectors and topics, up to {@link Sizes#smallRuns} runs, and the last run is the measured one
     * (steady state): the first run after the second in which the JIT compilers took at most {@link
     * #STEADY_JIT_SHARE} of the worker's CPU, or the last allowed. The first run is shown beside it for reference. In
     * {@code --signed} mode every later variant is one run.
     */
    private Run smallFiles(BenchmarkWorker connect, Variant variant) throws Exception {
        int count = sizes.smallFiles();
        if (variant.records() == Records.PUBLISHED && variant.round() == 0) {
            warmUpSigned(connect); // before the first run compared
        }
        if (!variant.equals(Variant.FIRST)) {
            SmallRun one = measureSmallFiles(connect, variant, "bench-small" + variant.slug(),
                    ("2 " + variant.label()).strip());
            rows.add(new Row("2. " + count + " whole files of 4 KiB" + variant.suffix(),
                    String.format(Locale.ROOT, "%.0f files/s", one.run().rate()),
                    String.format(Locale.ROOT, "%.0f records/s", count / one.baseline().firstToEndSeconds()),
                    String.format(Locale.ROOT, "%.2f", one.run().rate() / (count / one.baseline().firstToEndSeconds())),
                    String.format(Locale.ROOT, ">= %.0f files/s", TARGET_FILES_PER_SECOND),
                    one.run().rate() >= TARGET_FILES_PER_SECOND));
            rows.add(new Row("   creation to first file" + variant.suffix(), one.firstAfter(), "",
                    "", "(reference)", null));
            return one.run();
        }
        List<SmallRun> runs = new ArrayList<>();
        List<Double> limits = new ArrayList<>(); // the disk's limit right after each run, 0 where not measured
        rssStart();
        for (int i = 1; i <= sizes.smallRuns(); i++) {
            String mark = "2 run " + i;
            SmallRun one = measureSmallFiles(connect, variant, "bench-small" + (i == 1 ? "" : "-run" + i), mark);
            runs.add(one);
            double limit = physicalBaseline(count, "fs-physical-run" + i);
            limits.add(limit);
            details.add(String.format(Locale.ROOT, "%s: %.0f files/s; worker CPU %.3f ms per file (JIT compilers "
                    + "%.3f); worker RSS max so far %.0f MiB%s%s", mark, one.run().rate(), one.cpuMillisPerFile(),
                    (double) one.jitMillis() / count, Math.max(rssMax.get(), sampledWorker.rssBytes()) / MIB,
                    one.flow().measured() ? "; in place, first to last: " + one.flow().describe() : "",
                    limit > 0 ? String.format(Locale.ROOT, "; the disk's limit right after: %.0f files/s (ratio "
                            + "%.2f)", limit, one.run().rate() / limit) : ""));
            if (i > 1 && one.jitMillis() <= STEADY_JIT_SHARE * 1e3 * one.run().processCpuSeconds()) {
                break; // steady: the JIT compilers took at most this share of the run's CPU
            }
        }
        SmallRun cold = runs.get(0);
        SmallRun steady = runs.get(runs.size() - 1);
        Run run = steady.run();
        double rate = run.rate();
        boolean steadyReached = runs.size() > 1 && steady.jitMillis() <= STEADY_JIT_SHARE * 1e3
                * run.processCpuSeconds();
        String steadyNote = runs.size() == 1 ? "" : steadyReached ? ", steady (run " + runs.size() + ")"
                : ", run " + runs.size() + " (JIT not done)";
        rows.add(new Row("2. " + count + " whole files of 4 KiB" + steadyNote,
                String.format(Locale.ROOT, "%.0f files/s", rate),
                String.format(Locale.ROOT, "%.0f records/s", count / steady.baseline().firstToEndSeconds()),
                String.format(Locale.ROOT, "%.2f", rate / (count / steady.baseline().firstToEndSeconds())),
                String.format(Locale.ROOT, ">= %.0f files/s", TARGET_FILES_PER_SECOND),
                rate >= TARGET_FILES_PER_SECOND));
        rows.add(new Row("   worker CPU per file", String.format(Locale.ROOT, "%.2f ms (task thread %.2f, store "
                + "%.2f)", steady.cpuMillisPerFile(), 1e3 * run.taskCpuSeconds() / count,
                1e3 * run.commitCpuSeconds() / count), "", "", String.format(Locale.ROOT, "<= %.2f ms",
                TARGET_CPU_MS_PER_FILE), steady.cpuMillisPerFile() <= TARGET_CPU_MS_PER_FILE));
        details.add(String.format(Locale.ROOT, "2: worker CPU from the connector's creation to its last file (run %d): "
                + "whole process %.3f s, task thread %.3f s, the connector's own threads %.3f s (%s), garbage "
                + "collections %d", runs.size(), run.processCpuSeconds(), run.taskCpuSeconds(),
                run.commitCpuSeconds(), byThread(run), run.gcs()));
        rssRow("(scenario 2, all runs)");
        rows.add(new Row("   the same without the JIT compilers", String.format(Locale.ROOT, "%.2f ms (JIT %.2f ms)",
                Math.max(0, 1e3 * run.processCpuSeconds() - steady.jitMillis()) / count,
                (double) steady.jitMillis() / count), "", "", "(reference)", null));
        details.add("2: worker CPU by thread (run " + runs.size() + "; all threads, /proc, 10 ms ticks; ms per 1,000 "
                + "files, of which in the kernel): " + steady.byName().entrySet().stream()
                .filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(14)
                .map(e -> String.format(Locale.ROOT, "%s %.0f (%.0f)", e.getKey(), e.getValue() * 1000.0 / count,
                        steady.byNameInKernel().getOrDefault(e.getKey(), 0L) * 1000.0 / count))
                .collect(Collectors.joining(", ")));
        if (steady.machine().millis() > 0) {
            rows.add(new Row("   the machine's CPU per file, every process", String.format(Locale.ROOT, "%.2f ms "
                    + "(broker %.2f); %d CPUs allow %.0f files/s", (double) steady.machine().millis() / count,
                    (double) steady.machine().brokerMillis() / count, CpuTicks.cpus(),
                    steady.machine().filesPerSecondAllowed(count)), "", "", "(reference)", null));
        }
        if (steady.flow().measured()) {
            rows.add(new Row("   from the first file in place to the last", steady.flow().describe(), "", "",
                    "(reference)", null));
            details.add(String.format(Locale.ROOT, "2: from the first file in place to the last (run %d, inotify; CPU "
                    + "from /proc): %d files in %.3f s, %s", runs.size(), steady.flow().files(),
                    steady.flow().seconds(), steady.flow().describe()));
        }
        Timeline timeline = Timeline.of(connect.log(), steady.topic());
        if (timeline.measured()) {
            rows.add(new Row("   batch by batch, round by round", timeline.summary(), "", "", "(reference)", null));
            details.add("2: the steady run's timeline (run " + runs.size() + ", from the worker's log: the connector's "
                    + "timeline logger at DEBUG; ms from the first batch handed to the task): " + timeline.describe());
        }
        if (runs.size() > 1) {
            rows.add(new Row("   first run, cold (reference)", String.format(Locale.ROOT, "%.0f files/s; CPU %.2f ms "
                    + "per file (JIT %.2f)", cold.run().rate(), cold.cpuMillisPerFile(),
                    (double) cold.jitMillis() / count), "", "", "(reference)", null));
        }
        double physical = limits.get(limits.size() - 1);
        if (physical > 0) {
            // Each run beside the disk's limit measured right after it; the figure is the median of the last
            // runs' ratios (the cold run only when it is the only one): both sides vary from run to run.
            int from = runs.size() == 1 ? 0 : Math.max(1, runs.size() - PAIRED_RUNS);
            List<Double> ratios = new ArrayList<>();
            for (int i = from; i < runs.size(); i++) {
                ratios.add(runs.get(i).run().rate() / limits.get(i));
            }
            double median = median(ratios);
            List<Double> compared = limits.subList(from, runs.size());
            rows.add(new Row("   the disk's limit: one syncfs, after each run", String.format(Locale.ROOT,
                    "%.0f files/s after run %d (runs %d to %d: %.0f to %.0f); its CPU %.2f ms per file (the "
                    + "machine's %.2f)", physical, runs.size(), from + 1, runs.size(),
                    java.util.Collections.min(compared), java.util.Collections.max(compared),
                    physicalCpuMillisPerFile, physicalMachineMillisPerFile), "", String.format(Locale.ROOT, "%.2f",
                    median), String.format(Locale.ROOT, "median >= %.2f", TARGET_PHYSICAL_RATIO),
                    median >= TARGET_PHYSICAL_RATIO));
            details.add(String.format(Locale.ROOT, "2: the disk's limit: %d files of 4 KiB created and written one "
                    + "after the other, made durable with one syncfs(2), renamed into place, one fsync of the "
                    + "directory, right after each run: %.0f files/s after run %d, whose ratio is %.2f; the ratios of "
                    + "runs %d to %d, each to the limit right after it: %s; their median %.2f", count, physical,
                    runs.size(), rate / physical, from + 1, runs.size(), ratios.stream().map(r -> String.format(
                            Locale.ROOT, "%.2f", r)).collect(Collectors.joining(", ")), median));
        }
        double fed = kafkaFedLimit(steady.topic(), count);
        if (fed > 0) {
            rows.add(new Row("   the disk's limit fed by Kafka", String.format(Locale.ROOT, "%.0f files/s; the machine's "
                    + "CPU %.2f ms per file (broker %.2f)", fed, (double) kafkaFedMachine.millis() / count,
                    (double) kafkaFedMachine.brokerMillis() / count), "", String.format(Locale.ROOT, "%.2f",
                    rate / fed), "(reference)", null));
            details.add(String.format(Locale.ROOT, "2: the disk's limit fed by Kafka: a plain consumer (the worker's "
                    + "consumer.* settings) polling the %d records of run %d's topic while a thread of its own writes "
                    + "each to a file of its own, then one syncfs(2), each renamed into place, one fsync of the directory: %.0f "
                    + "files/s from the first file written to the end; the connector reaches %.2f of it", count,
                    runs.size(), fed, rate / fed));
        }
        Flow alone = connectFile ? connectAlone(connect, steady.topic(), count) : null;
        if (alone != null && alone.measured()) {
            double perRecord = alone.millis(1) / alone.files();
            rows.add(new Row("   Connect alone: Kafka's FileStreamSink", String.format(Locale.ROOT, "%.0f records/s; "
                    + "the machine's CPU %.3f ms per record (worker %.3f, broker %.3f)",
                    alone.files() / alone.seconds(), perRecord, alone.millis(2) / alone.files(),
                    alone.millis(3) / alone.files()), "", "", "(reference)", null));
            details.add(String.format(Locale.ROOT, "2: Connect alone: Apache Kafka's FileStreamSink connector in the "
                    + "same worker (the shipped converters), reading run %d's %d records in a group of its own and "
                    + "appending a line per record to one file: from its first line to its last, %s", runs.size(),
                    count, alone.describe("record")));
            if (physical > 0 && physicalMachineMillisPerFile > 0) {
                // No sink in a Connect worker can cost this machine less per file than the worker, its consumer
                // and the broker (Connect alone) plus creating, writing, syncing and renaming the file (the
                // disk's limit): what the CPUs allow at that cost bounds every Connect sink here.
                double least = perRecord + physicalMachineMillisPerFile;
                double allowed = CpuTicks.cpus() * 1e3 / least;
                rows.add(new Row("   the most a Connect sink could do here", String.format(Locale.ROOT, "%.0f "
                        + "files/s: %d CPUs at %.3f ms per file (Connect alone + the disk's limit)", allowed,
                        CpuTicks.cpus(), least), "", String.format(Locale.ROOT, "%.2f", allowed / physical),
                        "(reference)", null));
                details.add(String.format(Locale.ROOT, "2: the most any sink in a Connect worker could deliver on "
                        + "this machine: %.3f ms of CPU per file at least (Connect alone %.3f, the disk's limit "
                        + "%.3f), which %d CPUs allow %.0f times a second, %.2f of the disk's limit after run %d; "
                        + "the connector reaches %.2f of it", least, perRecord, physicalMachineMillisPerFile,
                        CpuTicks.cpus(), allowed, allowed / physical, runs.size(), rate / allowed));
            }
        }
        if (diskLimitSink && physical > 0) {
            // after every row that reads the disk's limit's CPU above: each run here measures the limit again
            connectFedLimit(connect, steady.topic(), count, rate, runs.size());
        }
        double ceiling = fileSystemCeiling(count);
        rows.add(new Row("   the file system, fsync per file", String.format(Locale.ROOT, "%.0f files/s", ceiling),
                "", String.format(Locale.ROOT, "%.2f", rate / ceiling), "(reference)", null));
        details.add(String.format(Locale.ROOT, "2: the file system alone: %d files of 4 KiB created and written one "
                + "after the other, fsync'd in parallel (32 threads), renamed into place, in the same run: %.0f "
                + "files/s; the connector reaches %.2f of it", count, ceiling, rate / ceiling));
        rows.add(new Row("   creation to first file", steady.firstAfter(),
                String.format(Locale.ROOT, "%.3f s", steady.baseline().startToEndSeconds()
                        - steady.baseline().firstToEndSeconds()), "", "(reference)", null));
        details.add(String.format(Locale.ROOT, "2: baseline %d records in %.3f s from its first record to fsync "
                + "(%.3f s from its creation)", count, steady.baseline().firstToEndSeconds(),
                steady.baseline().startToEndSeconds()));
        return run;
    }

    /**
     * Before the first signed run of scenario 2, signed runs that are not compared, until one in which the JIT
     * compilers took at most {@link #STEADY_JIT_SHARE} of the worker's CPU (at most {@link Sizes#smallRuns}): the
     * unsigned runs are compared at the steady state the first runs reached, so the signed ones are too, not while
     * the worker still compiles the code only signed records take.
     */
    private void warmUpSigned(BenchmarkWorker connect) throws Exception {
        for (int i = 1; i <= sizes.smallRuns(); i++) {
            String mark = "2 signed warm-up " + i;
            SmallRun one = measureSmallFiles(connect, new Variant(Records.SIGNED, 0, 1),
                    "bench-small-signed-warmup-" + i, mark);
            details.add(String.format(Locale.ROOT, "%s (not compared): %.0f files/s; worker CPU %.3f ms per file (JIT "
                    + "compilers %.3f)", mark, one.run().rate(), one.cpuMillisPerFile(),
                    (double) one.jitMillis() / sizes.smallFiles()));
            if (one.jitMillis() <= STEADY_JIT_SHARE * 1e3 * one.run().processCpuSeconds()) {
                return;
            }
        }
    }

    /** One run of scenario 2 through connector {@code connector} on its own topic. */
    private SmallRun measureSmallFiles(BenchmarkWorker connect, Variant variant, String connector, String mark)
            throws Exception {
        boolean signedRecords = variant.signed();
        int count = sizes.smallFiles();
        String topic = createTopic(connector);
        step("Scenario 2" + variant.suffix() + (mark.startsWith("2 run") ? ", " + mark.substring(2) : "") + ": "
                + count + " whole files of 4 KiB");
        long produceStart = System.nanoTime();
        produceSmallFiles(topic, "zone-", count, 2, variant.records());
        details.add(String.format(Locale.ROOT, "%s: produced %d records in %.2f s (not timed)", mark, count,
                seconds(System.nanoTime() - produceStart)));

        Path baselineFile = workDir.resolve("baseline-small-" + connector + ".bin");
        Baseline baseline = plainConsumer(topic, count, baselineFile);
        deleteLater(baselineFile);

        Path files = Files.createDirectories(workDir.resolve("files-" + connector));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(smallName("zone-", i));
        }
        long created;
        Instant createdAt;
        if (FileSystemSync.available()) {
            // The broker's log of the records just produced is still in the page cache, on this disk: written
            // back now, not by the connector's first syncfs. On a resolver host the broker is elsewhere.
            FileSystemSync.syncFileSystemOf(workDir);
        }
        awaitOwnCompilersQuiet();
        connect.collectGarbage();
        Map<Long, Long> threadsBefore = connect.threadCpuNanos();
        Map<Long, Long> allocatedBefore = connect.threadAllocatedBytes();
        long gcBefore = connect.heap().gcCount();
        long processCpu;
        long taskCpu;
        long taskAllocated;
        long commitCpu;
        Map<String, Long> families;
        long gcs;
        Map<Long, BenchmarkWorker.NativeThread> threadsAtStart = connect.nativeThreads();
        Map<String, Long> byName;
        Map<String, Long> byNameInKernel;
        long[] machineBefore;
        Machine machine;
        Flow flow = new Flow(connect.pid(), broker);
        // last, right before the connector: the JMX calls above (all threads' CPU and allocations, answered
        // by the worker) are not the connector's
        long cpuBefore = connect.processCpuNanos();
        machineBefore = Machine.now(broker);
        created = System.nanoTime();
        createdAt = Instant.now();
        connect.createConnector(workDir.resolve("worker"), connector, sinkOverrides(topic, files),
                signatureConfig(signedRecords));
        // A round renames in record order, so the first name is the first in place and the last the last.
        awaitLastFile(connect, connector, created, files.resolve(names.get(0)), files.resolve(names.get(count - 1)),
                flow, count + " small files");
        processCpu = connect.processCpuNanos() - cpuBefore;
        machine = Machine.since(machineBefore, broker);
        Map<Long, BenchmarkWorker.NativeThread> threadsAtEnd = connect.nativeThreads();
        byName = BenchmarkWorker.millisBetween(threadsAtStart, threadsAtEnd, false);
        byNameInKernel = BenchmarkWorker.millisBetween(threadsAtStart, threadsAtEnd, true);
        taskCpu = connect.threadCpuNanos("task-thread-" + connector + "-", threadsBefore).get(-1L);
        taskAllocated = connect.threadAllocatedBytes("task-thread-" + connector + "-", allocatedBefore).get(-1L);
        commitCpu = connect.threadCpuNanos("resolver-file-sink-", threadsBefore).get(-1L);
        families = connectorThreads(connect, threadsBefore);
        gcs = connect.heap().gcCount() - gcBefore;
        Await.until("all " + count + " small files", SCENARIO_TIMEOUT,
                () -> names.stream().allMatch(n -> Files.exists(files.resolve(n))), connect::tail);
        for (int i = 0; i < count; i++) {
            check(Arrays.equals(smallContent(2, i), Files.readAllBytes(files.resolve(names.get(i)))),
                    names.get(i) + " has the produced content");
        }
        FileTimes times = FileTimes.of(files, names);
        flow.placed(times.ctimes());
        long firstCtime = times.firstCtime();
        long lastCtime = times.lastCtime();
        double writtenToPlaced = times.writtenToPlacedSeconds();
        double rate = count / writtenToPlaced;
        connect.deleteConnector(connector);
        deleteLater(files);

        long createdMicros = micros(createdAt);
        String firstAfter = String.format(Locale.ROOT, "%.3f s", (firstCtime - createdMicros) / 1e6);
        details.add(String.format(Locale.ROOT, "%s: %.0f files/s from the first file written to the last in place "
                + "(%.3f s, by the files' mtimes and ctimes); the first in place %.3f s after the connector's "
                + "creation, the last %.3f s after (%.0f files/s from the first in place to the last)", mark, rate,
                writtenToPlaced, (firstCtime - createdMicros) / 1e6, (lastCtime - createdMicros) / 1e6,
                (count - 1) / ((lastCtime - firstCtime) / 1e6)));
        return new SmallRun(new Run(rate, count, writtenToPlaced, seconds(processCpu), seconds(taskCpu),
                seconds(commitCpu), families, gcs, taskAllocated), byName, byNameInKernel, firstAfter, baseline, machine,
                flow, topic);
    }

    /**
     * Small files' own times, on the kernel's clock, in microseconds: a file's mtime is when its work file was
     * written (a rename keeps it), its ctime when it was renamed into place. From the first written to the last in
     * place is the span the disk's limit is timed over (its first file created to its last renamed and synced).
     */
    record FileTimes(long firstMtime, long firstCtime, long lastCtime, long[] ctimes) {
        static FileTimes of(Path dir, List<String> names) throws IOException {
            long firstMtime = Long.MAX_VALUE;
            long firstCtime = Long.MAX_VALUE;
            long lastCtime = Long.MIN_VALUE;
            long[] ctimes = new long[names.size()];
            for (int i = 0; i < names.size(); i++) {
                Map<String, Object> times = Files.readAttributes(dir.resolve(names.get(i)),
                        "unix:lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS); // one lstat for both
                firstMtime = Math.min(firstMtime, ((FileTime) times.get("lastModifiedTime"))
                        .to(TimeUnit.MICROSECONDS));
                ctimes[i] = ((FileTime) times.get("ctime")).to(TimeUnit.MICROSECONDS);
                firstCtime = Math.min(firstCtime, ctimes[i]);
                lastCtime = Math.max(lastCtime, ctimes[i]);
            }
            return new FileTimes(firstMtime, firstCtime, lastCtime, ctimes);
        }

        double writtenToPlacedSeconds() {
            return (lastCtime - firstMtime) / 1e6;
        }
    }

    /**
     * Scenario 5, only when asked for ({@code --only=5}): one store that keeps growing. One connector takes
     * {@link Sizes#smallRuns} runs of {@link Sizes#smallFiles} new small files, paused between runs (its task and
     * consumer stay; the next run's records are produced meanwhile) and resumed to start the next; before each run
     * a full collection, and the worker's heap right after it. Reports the runs' files/s (as scenario 2 times
     * them), the heap's growth per file in place, and the largest resident set. No target: a resolver host holds
     * far fewer files; this says what a store of many costs, and whether a run's cost grows with them.
     */
    private void manyFiles(BenchmarkWorker connect) throws Exception {
        int count = sizes.smallFiles();
        int runs = sizes.smallRuns();
        String name = "bench-many";
        String topic = createTopic(name);
        Path files = Files.createDirectories(workDir.resolve("files-" + name));
        deleteLater(files);
        step("Scenario 5: one store growing by " + count + " new files a run, " + runs + " runs");
        rssStart();
        List<Double> rates = new ArrayList<>();
        List<Double> heaps = new ArrayList<>(); // MiB used right after a full collection, before each run
        for (int i = 1; i <= runs; i++) {
            String prefix = "many-r" + i + "-";
            produceSmallFiles(topic, prefix, count, 5);
            List<String> names = new ArrayList<>();
            for (int f = 0; f < count; f++) {
                names.add(smallName(prefix, f));
            }
            if (FileSystemSync.available()) {
                FileSystemSync.syncFileSystemOf(workDir); // the broker's log of these records, as in scenario 2
            }
            connect.collectGarbage();
            heaps.add(connect.heap().usedBytes() / MIB);
            if (i == 1) {
                connect.createConnector(workDir.resolve("worker"), name, sinkOverrides(topic, files));
            } else {
                connect.resumeConnector(name);
            }
            Path last = files.resolve(names.get(count - 1));
            Await.until("run " + i + " of scenario 5", SCENARIO_TIMEOUT, () -> {
                connect.checkNotFailed(name);
                return Files.exists(last);
            }, connect::tail);
            connect.pauseConnector(name);
            double rate = count / FileTimes.of(files, names).writtenToPlacedSeconds();
            for (int f = 0; f < count; f++) {
                check(Arrays.equals(smallContent(5, f), Files.readAllBytes(files.resolve(names.get(f)))),
                        names.get(f) + " has the produced content");
            }
            rates.add(rate);
            details.add(String.format(Locale.ROOT, "5 run %d: %.0f files/s with %d files in place before it; the "
                    + "worker's heap after a full collection before it %.1f MiB", i, rate, (i - 1) * count,
                    heaps.get(i - 1)));
        }
        connect.deleteConnector(name);
        int tail = Math.min(PAIRED_RUNS, runs / 2);
        rows.add(new Row(String.format(Locale.ROOT, "5. one store growing to %d files, %d a run", runs * count,
                count), String.format(Locale.ROOT, "%.0f files/s (median of runs 2 to %d), %.0f files/s (of the "
                + "last %d)", median(rates.subList(1, 1 + tail)), 1 + tail, median(rates.subList(runs - tail, runs)),
                tail), "", "", "(reference)", null));
        if (runs > 2) {
            // From before run 2 (the connector created, its first files in place) to before the last run.
            double perFile = (heaps.get(runs - 1) - heaps.get(1)) * 1024 / ((runs - 2) * (double) count);
            rows.add(new Row("   worker heap after a full collection", String.format(Locale.ROOT, "%.1f MiB with "
                    + "%d files in place, %.1f MiB with %d: %.2f KiB per file in place", heaps.get(1), count,
                    heaps.get(runs - 1), (runs - 1) * count, perFile), "", "", "(reference)", null));
        }
        rssRow("(scenario 5)", false);
    }

    /** Microseconds since the epoch, as the files' times are read. */
    private static long micros(Instant instant) {
        return TimeUnit.SECONDS.toMicros(instant.getEpochSecond()) + TimeUnit.NANOSECONDS.toMicros(instant.getNano());
    }

    private void deleteLater(Path path) {
        toDelete.add(path);
    }

    private void deleteNow() throws IOException {
        for (Path path : toDelete) {
            RealWorkerScenario.deleteRecursively(path);
        }
        toDelete.clear();
    }

    /** One run of a scenario. */
    private interface Scenario {
        Run run(Variant variant) throws Exception;
    }

    /** The scenario's first run; in {@code --signed} mode then signed and unsigned runs in turn, compared. */
    private void alternate(Scenario scenario, String name, String unit, String format, String per) throws Exception {
        scenario.run(Variant.FIRST);
        if (signedRounds == 0) {
            return;
        }
        List<Run> unsigned = new ArrayList<>(List.of(scenario.run(new Variant(Records.PUBLISHED, 0, signedRounds))));
        List<Run> signedRuns = new ArrayList<>();
        for (int round = 1; round <= signedRounds; round++) {
            signedRuns.add(scenario.run(new Variant(Records.SIGNED, round, signedRounds)));
            unsigned.add(scenario.run(new Variant(Records.PUBLISHED, round, signedRounds)));
        }
        compare(name, unsigned, signedRuns, unit, format, per);
    }

    /**
     * Signed runs beside the unsigned ones they alternate with: the mean figures, their ratio against the target,
     * and where the time went (the worker's CPU per file or chunk by thread, one Ed25519 verification here).
     */
    private void compare(String scenario, List<Run> unsigned, List<Run> signedRuns, String unit, String format,
            String per) throws Exception {
        double unsignedMean = unsigned.stream().mapToDouble(Run::rate).average().orElseThrow();
        double signedMean = signedRuns.stream().mapToDouble(Run::rate).average().orElseThrow();
        // Each signed run against the unsigned runs right before and after it: the disk's drift over the
        // invocation (and the first run's head start) weighs on both sides of each comparison alike.
        double[] neighbourRatios = new double[signedRuns.size()];
        for (int i = 0; i < signedRuns.size(); i++) {
            neighbourRatios[i] = signedRuns.get(i).rate() / ((unsigned.get(i).rate() + unsigned.get(i + 1).rate()) / 2);
        }
        double ratio = median(Arrays.stream(neighbourRatios).boxed().toList());
        signatureRows.add(new Row(scenario, String.format(Locale.ROOT, format + " (%s) %s", unsignedMean,
                rates(unsigned, format), unit),
                String.format(Locale.ROOT, format + " (%s) %s", signedMean, rates(signedRuns, format), unit),
                String.format(Locale.ROOT, "%.2f (means: %.2f)", ratio, signedMean / unsignedMean),
                String.format(Locale.ROOT, "signed >= %.2f x unsigned", TARGET_SIGNED_RATIO),
                ratio >= TARGET_SIGNED_RATIO));
        double verifyMicros = verificationMicros();
        List<Run> inOrder = new ArrayList<>();
        for (int i = 0; i < unsigned.size(); i++) {
            inOrder.add(unsigned.get(i));
            if (i < signedRuns.size()) {
                inOrder.add(signedRuns.get(i));
            }
        }
        for (Run run : inOrder) {
            signatureDetails.add(String.format(Locale.ROOT, "%s: %s, %s %s; worker CPU per %s (from the "
                    + "connector's creation to its last file): whole process %s; task thread (polls, parses, "
                    + "verifies, stages) %s; the connector's own threads %s (%s); the rest (Connect's other threads, "
                    + "JIT compilers, GC) %s; garbage collections %d", scenario.substring(0, 1),
                    signedRuns.contains(run) ? "signed" : "unsigned", String.format(Locale.ROOT, format, run.rate()),
                    unit, per, micros(run.processCpuSeconds(), run.files()), micros(run.taskCpuSeconds(), run.files()),
                    micros(run.commitCpuSeconds(), run.files()), byThread(run),
                    micros(run.processCpuSeconds() - run.taskCpuSeconds() - run.commitCpuSeconds(), run.files()),
                    run.gcs()));
        }
        signatureDetails.add(String.format(Locale.ROOT, "%s: each signed run against the mean of the unsigned runs "
                + "before and after it: %s (the table's ratio is their median)", scenario.substring(0, 1),
                Arrays.stream(neighbourRatios).mapToObj(r -> String.format(Locale.ROOT, "%.2f", r))
                        .collect(Collectors.joining(", "))));
        double unsignedWall = unsigned.stream().mapToDouble(r -> r.seconds() / r.files()).average().orElseThrow();
        double signedWall = signedRuns.stream().mapToDouble(r -> r.seconds() / r.files()).average().orElseThrow();
        double unsignedTask = unsigned.stream().mapToDouble(r -> r.taskCpuSeconds() / r.files()).average()
                .orElseThrow();
        double signedTask = signedRuns.stream().mapToDouble(r -> r.taskCpuSeconds() / r.files()).average()
                .orElseThrow();
        double unsignedAllocated = unsigned.stream().mapToDouble(r -> (double) r.taskAllocatedBytes() / r.files())
                .average().orElseThrow();
        double signedAllocated = signedRuns.stream().mapToDouble(r -> (double) r.taskAllocatedBytes() / r.files())
                .average().orElseThrow();
        signatureDetails.add(String.format(Locale.ROOT, "%s: means per %s: wall time unsigned %.0f µs, signed %.0f µs; "
                + "task thread CPU unsigned %.0f µs, signed %.0f µs (%+.0f µs); task thread heap allocation unsigned "
                + "%.1f KiB, signed %.1f KiB; one Ed25519 verification in this JVM (warm, one thread): %.0f µs",
                scenario.substring(0, 1), per, 1e6 * unsignedWall, 1e6 * signedWall, 1e6 * unsignedTask,
                1e6 * signedTask, 1e6 * (signedTask - unsignedTask), unsignedAllocated / 1024,
                signedAllocated / 1024, verifyMicros));
    }

    private static String rates(List<Run> runs, String format) {
        return runs.stream().map(r -> String.format(Locale.ROOT, format, r.rate())).collect(Collectors.joining(", "));
    }

    /**
     * The CPU time of the connector's own threads ({@code resolver-file-sink-*}: the store's commit thread, its
     * writer of small files and its fsync pool, the receipts sender, the manager notifier) since {@code before},
     * summed per kind of thread.
     */
    private static Map<String, Long> connectorThreads(BenchmarkWorker connect, Map<Long, Long> before)
            throws IOException {
        Map<String, Long> families = new java.util.TreeMap<>();
        for (String family : List.of("commit", "write", "hash", "fsync", "receipts", "manager-notifier")) {
            families.put(family, connect.threadCpuNanos("resolver-file-sink-" + family, before).get(-1L));
        }
        return families;
    }

    /**
     * Waits (at most 5 s) until this benchmark's own JIT compilers have been idle for 200 ms: what they still
     * compile of the producing and the baseline just before would otherwise run on the two CPUs the connector is
     * timed on (90 to 110 ms of C2 in some runs' flow, when this was not done).
     */
    private static void awaitOwnCompilersQuiet() throws InterruptedException {
        java.lang.management.CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
        if (compiler == null || !compiler.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long total = compiler.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(200) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            long now = compiler.getTotalCompilationTime();
            if (now != total) {
                total = now;
                quietSince = System.nanoTime();
            }
        }
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static String byThread(Run run) {
        return run.connectorThreadsCpuNanos().entrySet().stream().map(e -> e.getKey() + " " + micros(e.getValue()
                / 1e9, run.files())).collect(Collectors.joining(", "));
    }

    private static String micros(double seconds, long count) {
        return String.format(Locale.ROOT, "%.0f µs", 1e6 * seconds / count);
    }

    /** One Ed25519 verification of a transfer's canonical form, as the connector makes it, in µs (warm). */
    private double verificationMicros() {
        TransferIntegrity integrity = TransferIntegrity.forNewTransfer(SMALL_FILE_BYTES, new byte[32]);
        SignedFile file = new SignedFile("zone-00000.rpz", RecipientKind.HOSTNAME, hostname, integrity, 1L);
        byte[] signature = java.util.Base64.getDecoder().decode(Signatures.sign(signingKey.getPrivate(), file));
        for (int i = 0; i < 3_000; i++) {
            check(Signatures.verify(signingKey.getPublic(), file, signature), "the signature verifies");
        }
        int n = 2_000;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            check(Signatures.verify(signingKey.getPublic(), file, signature), "the signature verifies");
        }
        return (System.nanoTime() - start) / 1e3 / n;
    }

    /** The connector settings that make it require signatures by this run's key (none for an unsigned run). */
    private Map<String, String> signatureConfig(boolean signedRecords) {
        return signedRecords ? Map.of("signatures.trusted.keys", Signatures.publicKeyOneLine(signingKey.getPublic()),
                "signatures.required", "true") : Map.of();
    }

    /**
     * The disk's limit for durable small files, measured now: create and write each file aside, one syncfs(2) of
     * the file system, rename each into place, one fsync of the directory. 0 where syncfs(2) is not available.
     */
    private double physicalBaseline(int count, String name) throws Exception {
        if (!FileSystemSync.available()) {
            if (!details.contains(NO_SYNCFS)) {
                details.add(NO_SYNCFS);
            }
            return 0;
        }
        Path dir = Files.createDirectories(workDir.resolve(name));
        Path aside = Files.createDirectories(dir.resolve("aside"));
        byte[] content = new byte[SMALL_FILE_BYTES];
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try {
            long cpuStart = threads.getCurrentThreadCpuTime();
            long[] machineBefore = Machine.now(null);
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                AsideFiles.write(aside, i, content);
            }
            AsideFiles.publish(dir, aside, count);
            double rate = count / seconds(System.nanoTime() - start);
            physicalCpuMillisPerFile = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e6 / count;
            physicalMachineMillisPerFile = (double) Machine.since(machineBefore, null).millis() / count;
            return rate;
        } finally {
            deleteLater(dir);
        }
    }

    /**
     * The disk's limit fed by Kafka, measured now on scenario 2's topic: a plain consumer with the worker's
     * consumer.* settings in a fresh group polls, and a thread of its own writes each record's value to a file of
     * its own meanwhile (as the connector's task and commit threads share the work), then one syncfs, each file
     * renamed into place, one fsync of the directory; timed from the first file written to the end, the span the
     * connector is timed over. What a Kafka consumer must at least do for these files on this machine, with the
     * broker serving it: the machine's CPU per file is kept for the report.
     */
    private double kafkaFedLimit(String topic, int count) throws Exception {
        if (!FileSystemSync.available()) {
            return 0;
        }
        Path dir = Files.createDirectories(workDir.resolve("fs-kafka-fed"));
        Path aside = Files.createDirectories(dir.resolve("aside"));
        java.util.concurrent.ExecutorService writer = java.util.concurrent.Executors.newSingleThreadExecutor();
        java.util.concurrent.atomic.AtomicLong first = new java.util.concurrent.atomic.AtomicLong(-1);
        long[] machineBefore = Machine.now(broker);
        int records = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(baselineConsumerConfig("limit-" + topic),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + SCENARIO_TIMEOUT.toNanos();
            java.util.concurrent.Future<?> written = null;
            while (records < count) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the Kafka-fed limit's consumer read " + records + " of " + count);
                }
                List<byte[]> values = new ArrayList<>();
                consumer.poll(Duration.ofMillis(100)).forEach(record -> values.add(record.value()));
                int from = records;
                records += values.size();
                if (!values.isEmpty()) {
                    written = writer.submit(() -> { // one thread: the batches are written in order
                        first.compareAndSet(-1, System.nanoTime());
                        for (int i = 0; i < values.size(); i++) {
                            AsideFiles.write(aside, from + i, values.get(i));
                        }
                        return null;
                    });
                }
            }
            written.get();
            AsideFiles.publish(dir, aside, records);
            long end = System.nanoTime();
            kafkaFedMachine = Machine.since(machineBefore, broker);
            return records / seconds(end - first.get());
        } finally {
            writer.shutdownNow();
            deleteLater(dir);
        }
    }

    /**
     * Waits until {@code last} exists, created by {@code connector} since {@code created}: no watcher of the directory
     * (an event for each file costs this process CPU that the connector then lacks; the disk's limit has none), the
     * names looked for every millisecond (see {@link #awaitConnector}). With {@code flow}, its first sample is taken
     * when {@code first} appears and its last when {@code last} does.
     */
    private static void awaitLastFile(BenchmarkWorker connect, String connector, long created, Path first, Path last,
            Flow flow, String what) throws Exception {
        awaitConnector(connect, connector, created, () -> {
            if (flow != null && !flow.started() && Files.exists(first)) {
                flow.first();
            }
            if (!Files.exists(last)) {
                return false;
            }
            if (flow != null) {
                flow.last();
            }
            return true;
        }, () -> what);
    }

    /**
     * Waits until {@code done} holds, asked every millisecond, for what {@code connector} (created at {@code created})
     * does; the task's status over REST once a second (each request costs the worker), and a failure with the
     * worker's log past {@link #SCENARIO_TIMEOUT}.
     */
    private static void awaitConnector(BenchmarkWorker connect, String connector, long created,
            java.util.concurrent.Callable<Boolean> done, java.util.function.Supplier<String> what) throws Exception {
        long nextStatus = created + TimeUnit.SECONDS.toNanos(1);
        while (!done.call()) {
            long now = System.nanoTime();
            if (now > nextStatus) {
                connect.checkNotFailed(connector);
                nextStatus = now + TimeUnit.SECONDS.toNanos(1);
            }
            if (now - created > SCENARIO_TIMEOUT.toNanos()) {
                throw new AssertionError("Timed out waiting for " + what.get() + "\n" + connect.tail());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /**
     * The disk's limit fed by Connect, measured now on scenario 2's topic, {@link #CONNECT_FED_RUNS} times:
     * {@link DiskLimitSink} in the same worker (the shipped converters, a fresh group each run) writes each record to
     * a file of its own on a thread of its own while its task polls on, then one syncfs, each file renamed into
     * place, one fsync of the directory; timed as scenario 2 is (the files' own times, from the first written to the
     * last in place), each run beside the disk's limit measured right after it. What a sink in a Connect worker does
     * at least for these files on this machine; the figure is the median of the runs' ratios.
     */
    private void connectFedLimit(BenchmarkWorker connect, String topic, int count, double connectorRate,
            int steadyRun) throws Exception {
        List<Double> rates = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add("f" + i);
        }
        for (int run = 1; run <= CONNECT_FED_RUNS; run++) {
            Path dir = workDir.resolve("fs-connect-fed-" + topic + "-" + run);
            deleteLater(dir);
            String name = "bench-connect-fed-" + topic + "-" + run;
            awaitOwnCompilersQuiet();
            long created = System.nanoTime();
            connect.createOtherConnector(name, Map.of("connector.class", DiskLimitSink.class.getName(), "tasks.max",
                    "1", "topics", topic, DiskLimitSink.DIR, dir.toString(), DiskLimitSink.FILES,
                    String.valueOf(count)));
            awaitLastFile(connect, name, created, null, dir.resolve(names.get(count - 1)), null,
                    count + " files from the disk's limit fed by Connect");
            connect.deleteConnector(name);
            double rate = count / FileTimes.of(dir, names).writtenToPlacedSeconds();
            double limit = physicalBaseline(count, "fs-physical-connect-fed-" + run);
            rates.add(rate);
            ratios.add(rate / limit);
        }
        double median = median(ratios);
        rows.add(new Row("   the disk's limit fed by Connect", String.format(Locale.ROOT, "%.0f to %.0f files/s in "
                + "%d runs (a sink that only writes, syncs and renames)", java.util.Collections.min(rates),
                java.util.Collections.max(rates), rates.size()), "", String.format(Locale.ROOT, "%.2f", median),
                "(reference)", null));
        details.add(String.format(Locale.ROOT, "2: the disk's limit fed by Connect: a sink that only writes each "
                + "record to a file of its own on a thread of its own while its task polls on, then one syncfs(2), "
                + "each renamed into place, one fsync of the directory, in the same worker (the shipped converters, "
                + "a fresh group each run) on run %d's %d records, timed as the connector is: %s files/s; to the "
                + "disk's limit right after each run: %s, their median %.2f (the connector's run %d reached %.2f of "
                + "the median rate)", steadyRun, count, rates.stream().map(r -> String.format(Locale.ROOT, "%.0f",
                        r)).collect(Collectors.joining(", ")), ratios.stream().map(r -> String.format(Locale.ROOT,
                        "%.2f", r)).collect(Collectors.joining(", ")), median, steadyRun,
                connectorRate / median(rates)));
    }

    /**
     * Installs {@link DiskLimitSink} as a plugin of its own: a jar of its classes and the helpers it uses, with the
     * service file Connect's service loader finds, and JNA (for syncfs) beside it.
     */
    private static void installDiskLimitSink(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (java.util.jar.JarOutputStream jar = new java.util.jar.JarOutputStream(
                Files.newOutputStream(dir.resolve("disk-limit-sink.jar")))) {
            for (Class<?> type : List.of(DiskLimitSink.class, DiskLimitSink.LimitTask.class, AsideFiles.class,
                    FileSystemSync.class)) {
                String entry = type.getName().replace('.', '/') + ".class";
                jar.putNextEntry(new java.util.jar.JarEntry(entry));
                try (java.io.InputStream in = type.getClassLoader().getResourceAsStream(entry)) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
            jar.putNextEntry(new java.util.jar.JarEntry("META-INF/services/"
                    + org.apache.kafka.connect.sink.SinkConnector.class.getName()));
            jar.write((DiskLimitSink.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        try {
            Path jna = Path.of(com.sun.jna.Native.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Files.copy(jna, dir.resolve(jna.getFileName()));
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
    }

    /**
     * Connect alone, measured now on scenario 2's topic: Apache Kafka's own FileStreamSink connector in the same
     * worker reads the same records in a group of its own and appends a line per record to one file (one write
     * each, no sync). What the worker, its consumer and the broker cost per record before a sink does any work
     * of its own; timed, with the machine's CPU, from the first line seen to the last.
     */
    private Flow connectAlone(BenchmarkWorker connect, String topic, int count) throws Exception {
        Path output = workDir.resolve("connect-alone-" + topic + ".txt");
        deleteLater(output);
        String name = "bench-connect-alone-" + topic;
        Flow flow = new Flow(connect.pid(), broker);
        awaitOwnCompilersQuiet();
        long created = System.nanoTime();
        connect.createOtherConnector(name, Map.of("connector.class", FILE_STREAM_SINK, "tasks.max", "1",
                "topics", topic, "file", output.toString()));
        final class Counted {
            long lines;
            long linesAtFirst;
            long read;
        }
        Counted counted = new Counted();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        awaitConnector(connect, name, created, () -> {
            if (!Files.exists(output) || Files.size(output) <= counted.read) {
                return false;
            }
            try (FileChannel channel = FileChannel.open(output, StandardOpenOption.READ)) {
                channel.position(counted.read);
                int n;
                while ((n = channel.read(buffer.clear())) > 0) {
                    counted.read += n;
                    for (int i = 0; i < n; i++) {
                        if (buffer.get(i) == '\n') {
                            counted.lines++;
                        }
                    }
                }
            }
            if (!flow.started() && counted.lines > 0) {
                flow.first();
                counted.linesAtFirst = counted.lines;
            }
            if (counted.lines < count) {
                return false;
            }
            flow.last();
            flow.counted(count - counted.linesAtFirst); // the records after the first sample
            return true;
        }, () -> count + " lines from Connect alone (" + counted.lines + " so far)");
        connect.deleteConnector(name);
        return flow;
    }

    /**
     * What this machine's file system allows for durable small files, measured now: the least any writer must
     * do per file (create and write it aside, fsync it, rename it into place), with the fsyncs of the whole batch
     * in parallel. Virtual disks vary a lot with their I/O budget; this puts the connector's figure beside it.
     */
    private double fileSystemCeiling(int count) throws Exception {
        Path dir = Files.createDirectories(workDir.resolve("fs-ceiling"));
        Path aside = Files.createDirectories(dir.resolve("aside"));
        byte[] content = new byte[4096];
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(32);
        try {
            long start = System.nanoTime();
            List<java.nio.channels.FileChannel> channels = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(aside.resolve("f" + i),
                        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
                channel.write(java.nio.ByteBuffer.wrap(content));
                channels.add(channel);
            }
            List<java.util.concurrent.Future<?>> syncs = new ArrayList<>();
            for (java.nio.channels.FileChannel channel : channels) {
                syncs.add(pool.submit(() -> {
                    channel.force(true);
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> sync : syncs) {
                sync.get();
            }
            for (java.nio.channels.FileChannel channel : channels) {
                channel.close();
            }
            AsideFiles.rename(dir, aside, count);
            return count / seconds(System.nanoTime() - start);
        } finally {
            pool.shutdownNow();
            deleteLater(dir);
        }
    }

    /** Scenario 3: a large chunked file through a worker with a 128 MiB heap, sampled over JMX. */
    private void largeFileHeap(BenchmarkWorker connect) throws Exception {
        int chunks = sizes.largeChunks();
        long bytes = (long) chunks * CHUNK_BYTES;
        String topic = createTopic("bench-large");
        step(String.format(Locale.ROOT, "Scenario 3: %.0f MiB as %d chunks through a worker with -Xmx128m",
                bytes / MIB, chunks));
        long produceStart = System.nanoTime();
        String sha = produceChunked(topic, "large.bin", chunks, 3);
        details.add(String.format(Locale.ROOT, "3: produced %d chunks in %.2f s (not timed)", chunks,
                seconds(System.nanoTime() - produceStart)));

        Path files = Files.createDirectories(workDir.resolve("files-large"));
        List<String> samples = new ArrayList<>();
        List<long[]> series = new ArrayList<>(); // progress in chunks (-1: unknown), after-GC bytes, used bytes
        AtomicReference<Exception> samplerError = new AtomicReference<>();
        long created;
        long done;
        BenchmarkWorker.HeapSample before = connect.heap(); // also opens the JMX connection, outside the timing
        rssStart();
        details.add(String.format(Locale.ROOT, "3: worker heap before the connector's creation: %.1f MiB used, "
                + "%.1f MiB after the latest GC", before.usedBytes() / MIB, before.afterLastGcBytes() / MIB));
        try (FileArrivals arrivals = FileArrivals.watch(files)) {
            created = System.nanoTime();
            connect.createConnector(workDir.resolve("worker-128m"), "bench-large", sinkOverrides(topic, files));
            Thread sampler = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        BenchmarkWorker.HeapSample heap = connect.heap();
                        long staged = connect.taskMetric("bench-large", "chunks-staged");
                        synchronized (series) {
                            series.add(new long[] {staged, heap.afterLastGcBytes(), heap.usedBytes()});
                            samples.add(String.format(Locale.ROOT, "%.3f,%d,%d,%d,%d,%d",
                                    seconds(System.nanoTime() - created), staged, heap.usedBytes(),
                                    heap.afterLastGcBytes(), heap.committedBytes(), heap.gcCount()));
                        }
                        Thread.sleep(250);
                    }
                } catch (InterruptedException e) {
                    // done
                } catch (Exception e) {
                    samplerError.set(e);
                }
            }, "heap-sampler");
            sampler.start();
            try {
                done = awaitFile(connect, "bench-large", arrivals, files, "large.bin", bytes);
            } finally {
                sampler.interrupt();
                sampler.join(5_000);
            }
        }
        BenchmarkWorker.HeapSample last = connect.heap();
        check(sha.equals(sha256(files.resolve("large.bin"))), "large.bin has the produced SHA-256");
        connect.deleteConnector("bench-large");
        RealWorkerScenario.deleteRecursively(files);
        if (samplerError.get() != null) {
            throw new IllegalStateException("sampling the worker's heap failed", samplerError.get());
        }
        Path csv = workDir.resolve("heap-large.csv");
        Files.write(csv, Stream.concat(Stream.of("seconds_since_creation,chunks_staged,heap_used_bytes,"
                + "heap_after_last_gc_bytes,heap_committed_bytes,gc_count"), samples.stream()).toList());

        // Halves by chunks staged (the task's metric), or by time when the metric is not there.
        boolean byChunks = series.stream().anyMatch(s -> s[0] > 0);
        long[] firstHalf = {-1, 0};
        long[] secondHalf = {-1, 0};
        long maxUsed = 0;
        for (int i = 0; i < series.size(); i++) {
            long[] s = series.get(i);
            boolean second = byChunks ? s[0] >= chunks / 2 : i >= series.size() / 2;
            long[] half = second ? secondHalf : firstHalf;
            half[0] = Math.max(half[0], s[1]);
            maxUsed = Math.max(maxUsed, s[2]);
        }
        boolean flat = firstHalf[0] >= 0 && secondHalf[0] >= 0 && secondHalf[0] <= firstHalf[0] + HEAP_GROWTH_ALLOWED;
        double rate = bytes / MIB / seconds(done - created);
        rows.add(new Row(String.format(Locale.ROOT, "3. %.0f MiB in %d chunks, -Xmx128m", bytes / MIB, chunks),
                String.format(Locale.ROOT, "%.1f MiB/s; heap after GC max %.0f -> %.0f MiB", rate,
                        firstHalf[0] / MIB, secondHalf[0] / MIB),
                "", "", "SHA-256 ok, heap flat", flat));
        rssRow("(scenario 3, -Xmx128m)");
        details.add(String.format(Locale.ROOT, "3: %.3f s from the connector's creation to large.bin (SHA-256 ok); "
                + "%d heap samples (every 250 ms, halves by %s) in %s", seconds(done - created), series.size(),
                byChunks ? "chunks staged" : "time", workDir.relativize(csv)));
        details.add(String.format(Locale.ROOT, "3: heap after the latest GC, max in the first half %.1f MiB, in the "
                + "second half %.1f MiB (flat: at most %d MiB more); max heap used %.1f MiB; after the run %.1f MiB "
                + "used of %.0f MiB", firstHalf[0] / MIB, secondHalf[0] / MIB, HEAP_GROWTH_ALLOWED >> 20,
                maxUsed / MIB, last.usedBytes() / MIB, last.maxBytes() / MIB));
    }

    /** Scenario 4: a small file's latency from the producer's acknowledgement to its arrival. */
    private void latency(BenchmarkWorker connect) throws Exception {
        String topic = createTopic("bench-latency");
        int warm = sizes.latencyWarmup();
        int count = sizes.latencyFiles();
        step("Scenario 4: latency of " + count + " small files sent one at a time (after " + warm + " unmeasured)");
        Path files = Files.createDirectories(workDir.resolve("files-latency"));
        long[] latencies = new long[count];
        connect.collectGarbage();
        rssStart();
        try (FileArrivals arrivals = FileArrivals.watch(files);
                KafkaProducer<String, byte[]> producer = producer(0, 16 * 1024)) {
            connect.createConnector(workDir.resolve("worker"), "bench-latency", sinkOverrides(topic, files));
            connect.awaitRunning("bench-latency", Duration.ofSeconds(60));
            for (int i = 0; i < warm + count; i++) {
                String name = smallName("latency-", i);
                producer.send(record(topic, name, smallContent(4, i), 0, 0)).get(30, TimeUnit.SECONDS);
                long acknowledged = System.nanoTime();
                long deadline = acknowledged + TimeUnit.SECONDS.toNanos(60);
                Long seen;
                while ((seen = arrivals.firstSeen(name)) == null) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError(name + " did not arrive within 60 s\n" + connect.tail());
                    }
                    arrivals.awaitChange(20);
                }
                if (i >= warm) {
                    latencies[i - warm] = seen - acknowledged;
                }
            }
        }
        for (int i = 0; i < warm + count; i++) {
            String name = smallName("latency-", i);
            check(Arrays.equals(smallContent(4, i), Files.readAllBytes(files.resolve(name))),
                    name + " has the produced content");
        }
        connect.deleteConnector("bench-latency");
        RealWorkerScenario.deleteRecursively(files);
        Arrays.sort(latencies);
        double p50 = percentileMillis(latencies, 50);
        double p99 = percentileMillis(latencies, 99);
        double max = latencies[count - 1] / 1e6;
        rows.add(new Row("4. latency, " + count + " files of 4 KiB",
                String.format(Locale.ROOT, "p50 %.1f / p99 %.1f / max %.1f ms", p50, p99, max), "", "",
                String.format(Locale.ROOT, "p99 < %.0f ms", TARGET_LATENCY_P99_MS), p99 < TARGET_LATENCY_P99_MS));
        rssRow("(scenario 4)");
        details.add(String.format(Locale.ROOT, "4: from send().get() returning to the file at its final path; "
                + "min %.1f ms; percentiles by nearest rank", latencies[0] / 1e6));
    }

    /** Nearest-rank percentile of sorted nanoseconds, in milliseconds. */
    static double percentileMillis(long[] sorted, double percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)] / 1e6;
    }

    /**
     * Waits until {@code name} is at its final path with {@code size} bytes; returns when it got there (its
     * arrival event, or the moment its size was seen complete if a file grew in place).
     */
    private long awaitFile(BenchmarkWorker connect, String connector, FileArrivals arrivals, Path dir, String name,
            long size) throws Exception {
        long deadline = System.nanoTime() + SCENARIO_TIMEOUT.toNanos();
        long nextStatusCheck = 0;
        Path file = dir.resolve(name);
        while (true) {
            Long seen = arrivals.firstSeen(name);
            if (seen != null) {
                if (Files.size(file) == size) {
                    return seen;
                }
                while (Files.size(file) != size) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError(name + " has " + Files.size(file) + " bytes, not " + size);
                    }
                    Thread.sleep(1);
                }
                return System.nanoTime();
            }
            long now = System.nanoTime();
            if (now > deadline) {
                throw new AssertionError("Timed out waiting for " + name + "\n" + connect.tail());
            }
            if (now > nextStatusCheck) {
                connect.checkNotFailed(connector);
                nextStatusCheck = now + TimeUnit.SECONDS.toNanos(1);
            }
            arrivals.awaitChange(50);
        }
    }

    /** The shipped connector config's overrides for one scenario: its topic, files directory, manager socket. */
    private Map<String, String> sinkOverrides(String topic, Path files) {
        return Map.of("topics", topic, "files.dir", files.toString(),
                "manager.socket.path", managerSocket.toString(),
                "receipts.bootstrap.servers", broker.bootstrapServers()); // receipts on, as shipped
    }

    private String createTopic(String topic) throws Exception {
        Admin admin = broker.admin();
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        return topic;
    }

    /** Producer as resolver-publish configures it (acks=all, idempotent), with batching tuned. */
    private KafkaProducer<String, byte[]> producer(int lingerMs, int batchBytes) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, lingerMs,
                ProducerConfig.BATCH_SIZE_CONFIG, batchBytes,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024,
                ProducerConfig.CLIENT_ID_CONFIG, "benchmark-producer"),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** A record as resolver-publish sends it: key and file-name the name, the recipient in hostname. */
    private ProducerRecord<String, byte[]> record(String topic, String name, byte[] value, int index, int total) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, 0, name, value);
        record.headers().add("hostname", hostname.getBytes(StandardCharsets.UTF_8));
        record.headers().add("file-name", name.getBytes(StandardCharsets.UTF_8));
        if (total > 0) {
            record.headers().add("total-chunks", Integer.toString(total).getBytes(StandardCharsets.UTF_8));
            record.headers().add("chunk-index", Integer.toString(index).getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    /** Produces {@code name} as {@code chunks} chunks of 512 KiB of pseudo-random bytes; returns its SHA-256. */
    private String produceChunked(String topic, String name, int chunks, long seed) throws Exception {
        return produceChunked(topic, name, chunks, seed, Records.UPSTREAM);
    }

    /**
     * As {@link #produceChunked(String, String, int, long)}; published or signed, every chunk carries the transfer's
     * integrity headers (the digest computed in a first pass over the chunks), signed also the file's signature.
     */
    private String produceChunked(String topic, String name, int chunks, long seed, Records records)
            throws Exception {
        TransferHeaders signing = null;
        if (records != Records.UPSTREAM) {
            MessageDigest whole = MessageDigest.getInstance("SHA-256");
            for (int i = 1; i <= chunks; i++) {
                whole.update(randomBytes(seed * 1_000_003L + i, CHUNK_BYTES));
            }
            long length = (long) chunks * CHUNK_BYTES;
            signing = records == Records.SIGNED ? sign(name, length, whole.digest())
                    : new TransferHeaders(TransferIntegrity.forNewTransfer(length, whole.digest()), null);
        }
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<String, byte[]> producer = producer(5, 1024 * 1024)) {
            for (int i = 1; i <= chunks; i++) {
                byte[] chunk = randomBytes(seed * 1_000_003L + i, CHUNK_BYTES);
                digest.update(chunk);
                producer.send(withTransferHeaders(record(topic, name, chunk, i, chunks), signing), (metadata, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** A transfer's headers: its integrity and its signature (null for resolver-publish's unsigned records). */
    private record TransferHeaders(TransferIntegrity integrity, SignedVersion signed) {
    }

    /**
     * Signs a transfer of {@code name} to this run's host in chunks of {@link #CHUNK_BYTES}, at the current time as
     * its version, in form 2 as resolver-publish does.
     */
    private TransferHeaders sign(String name, long length, byte[] sha256) {
        TransferIntegrity integrity = TransferIntegrity.forNewTransfer(length, sha256);
        long version = System.currentTimeMillis();
        int total = (int) io.github.kresconnect.filesink.protocol.Chunking.chunkCount(length, CHUNK_BYTES);
        SignedFile file = new SignedFile(name, RecipientKind.HOSTNAME, hostname, integrity, version,
                new SignedFile.Binding("", total, total == 1 ? length : CHUNK_BYTES));
        return new TransferHeaders(integrity,
                SignatureBatch.sign(signingKey.getPrivate(), keyId, List.of(file), 1).get(0));
    }

    /**
     * The record with the transfer's integrity headers added, and its signature headers when it has one, as
     * resolver-publish sends it without and with {@code --sign}; unchanged for a null {@code signing}.
     */
    private static ProducerRecord<String, byte[]> withTransferHeaders(ProducerRecord<String, byte[]> record,
            TransferHeaders signing) {
        if (signing != null) {
            TransferIntegrity integrity = signing.integrity();
            record.headers().add(ProtocolHeaders.TRANSFER_ID, integrity.transferId().getBytes(StandardCharsets.UTF_8));
            record.headers().add(ProtocolHeaders.FILE_LENGTH, Long.toString(integrity.length())
                    .getBytes(StandardCharsets.UTF_8));
            record.headers().add(ProtocolHeaders.FILE_SHA256, integrity.sha256Hex().getBytes(StandardCharsets.UTF_8));
            if (signing.signed() != null) {
                FileRecords.signatureHeaders(signing.signed()).forEach(record.headers()::add);
            }
        }
        return record;
    }

    private void produceSmallFiles(String topic, String prefix, int count, long seed) throws Exception {
        produceSmallFiles(topic, prefix, count, seed, Records.UPSTREAM);
    }

    /**
     * {@code count} whole files; published, each with its integrity headers; signed, as {@code resolver-publish
     * --sign} signs a run: groups of {@link SignatureBatch#PUBLISHER_LEAVES} transfers under one signature, each
     * record with its proof.
     */
    private void produceSmallFiles(String topic, String prefix, int count, long seed, Records records)
            throws Exception {
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<String, byte[]> producer = producer(5, 256 * 1024)) {
            for (int start = 0; start < count; start += SignatureBatch.PUBLISHER_LEAVES) {
                int end = Math.min(count, start + SignatureBatch.PUBLISHER_LEAVES);
                List<TransferHeaders> signings = records == Records.SIGNED ? signGroup(prefix, seed, start, end) : null;
                for (int i = start; i < end; i++) {
                    String name = smallName(prefix, i);
                    byte[] content = smallContent(seed, i);
                    TransferHeaders signing = switch (records) {
                        case UPSTREAM -> null;
                        case PUBLISHED -> new TransferHeaders(TransferIntegrity.forNewTransfer(content.length,
                                MessageDigest.getInstance("SHA-256").digest(content)), null);
                        case SIGNED -> signings.get(i - start);
                    };
                    producer.send(withTransferHeaders(record(topic, name, content, 0, 0), signing), (metadata, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        }
                    });
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** Files {@code [start, end)} of a small-files run, signed together, at the current time as their version. */
    private List<TransferHeaders> signGroup(String prefix, long seed, int start, int end) throws Exception {
        long version = System.currentTimeMillis();
        List<TransferIntegrity> integrities = new ArrayList<>();
        List<SignedFile> transfers = new ArrayList<>();
        for (int i = start; i < end; i++) {
            byte[] content = smallContent(seed, i);
            TransferIntegrity integrity = TransferIntegrity.forNewTransfer(content.length,
                    MessageDigest.getInstance("SHA-256").digest(content));
            integrities.add(integrity);
            transfers.add(new SignedFile(smallName(prefix, i), RecipientKind.HOSTNAME, hostname, integrity, version,
                    new SignedFile.Binding("", 1, content.length))); // form 2, as resolver-publish signs
        }
        List<SignedVersion> signed = SignatureBatch.sign(signingKey.getPrivate(), keyId, transfers,
                SignatureBatch.PUBLISHER_LEAVES);
        List<TransferHeaders> signings = new ArrayList<>();
        for (int i = 0; i < signed.size(); i++) {
            signings.add(new TransferHeaders(integrities.get(i), signed.get(i)));
        }
        return signings;
    }

    static String smallName(String prefix, int i) {
        return String.format(Locale.ROOT, "%s%05d.rpz", prefix, i);
    }

    static byte[] smallContent(long seed, int i) {
        return randomBytes(seed * 1_000_003L + i, SMALL_FILE_BYTES);
    }

    static byte[] randomBytes(long seed, int size) {
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer buffer = ByteBuffer.allocate(size);
        while (buffer.remaining() >= Long.BYTES) {
            buffer.putLong(random.nextLong());
        }
        while (buffer.hasRemaining()) {
            buffer.put((byte) random.nextInt());
        }
        return buffer.array();
    }

    /** What the baseline measured. */
    record Baseline(long records, long bytes, double startToEndSeconds, double firstToEndSeconds) {
    }

    /**
     * The baseline: a plain consumer with the shipped worker's consumer.* settings (and, as Connect sets for a
     * sink, no auto commit, reading from the earliest offset) in a fresh group, writing every record's value to
     * one file, fsync'd at the end. Timed from its creation, and from its first record, to the fsync.
     */
    private Baseline plainConsumer(String topic, long expectedRecords, Path file) throws IOException {
        Map<String, Object> config = baselineConsumerConfig("baseline-" + topic);
        long start = System.nanoTime();
        long first = -1;
        long records = 0;
        long bytes = 0;
        long deadline = start + SCENARIO_TIMEOUT.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            consumer.subscribe(List.of(topic));
            while (records < expectedRecords) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the baseline consumer read " + records + " of " + expectedRecords);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (first < 0) {
                        first = System.nanoTime();
                    }
                    ByteBuffer value = ByteBuffer.wrap(record.value());
                    while (value.hasRemaining()) {
                        channel.write(value);
                    }
                    records++;
                    bytes += record.value().length;
                }
            }
            channel.force(true);
            long end = System.nanoTime();
            return new Baseline(records, bytes, seconds(end - start), seconds(end - first));
        }
    }

    /** A baseline consumer's settings: the worker's consumer.* settings, as Connect sets them for a sink. */
    private Map<String, Object> baselineConsumerConfig(String group) {
        Map<String, Object> config = new HashMap<>(consumerSettings);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return config;
    }

    static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError("Check failed: " + what);
        }
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** Prints the table and writes it, with the details, to results.txt. */
    private void report() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "Delivery benchmark (%s), %s; Kafka %s; Java %s; %d cores",
                sizes.label(), ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME.withLocale(Locale.ROOT))
                        .replaceAll("\\.\\d+", ""), KAFKA_VERSION, System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors()));
        lines.add(workerOverrides.isEmpty() ? "Shipped worker.properties unchanged (but for paths and ports)"
                : "worker.properties settings changed from the shipped ones (worker and baseline): " + workerOverrides);
        lines.add("");
        lines.addAll(table(rows));
        lines.add("");
        if (!signatureRows.isEmpty()) {
            lines.add("Signatures: every record of the signed runs signed (Ed25519, key id " + keyId + ", made in this "
                    + "run), the connector with signatures.trusted.keys and signatures.required=true; same worker, "
                    + "same run, each signed run between two unsigned ones");
            lines.addAll(table(signatureRows, "scenario", "unsigned: mean (each run)", "signed: mean (each run)",
                    "signed / its neighbours, median", "target",
                    "result"));
            lines.addAll(signatureDetails);
            lines.add("");
        }
        lines.addAll(details);
        lines.add("Logs: " + workDir);
        Files.write(workDir.resolve("results.txt"), lines, StandardCharsets.UTF_8);
        out.println();
        lines.forEach(out::println);
        out.println("Written to " + workDir.resolve("results.txt"));
    }

    /** The rows as a table, scenarios in their numbers' order (a row not starting with a number follows its own). */
    static List<String> table(List<Row> unordered) {
        return table(unordered, "scenario", "connector", "baseline", "ratio", "target", "result");
    }

    static List<String> table(List<Row> unordered, String... headers) {
        List<Row> rows = new ArrayList<>();
        List<Integer> groups = new ArrayList<>();
        int group = 0;
        for (Row row : unordered) {
            if (!row.scenario().isEmpty() && Character.isDigit(row.scenario().charAt(0))) {
                group = Character.digit(row.scenario().charAt(0), 10);
            }
            int position = 0;
            while (position < groups.size() && groups.get(position) <= group) {
                position++;
            }
            groups.add(position, group);
            rows.add(position, row);
        }
        List<String[]> cells = new ArrayList<>();
        cells.add(headers);
        for (Row row : rows) {
            cells.add(new String[] {row.scenario(), row.connector(), row.baseline(), row.ratio(), row.target(),
                    row.pass() == null ? "" : row.pass() ? "PASS" : "FAIL"});
        }
        int[] widths = new int[headers.length];
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        List<String> lines = new ArrayList<>();
        for (int r = 0; r < cells.size(); r++) {
            StringBuilder line = new StringBuilder("|");
            for (int i = 0; i < headers.length; i++) {
                line.append(' ').append(String.format("%-" + widths[i] + "s", cells.get(r)[i])).append(" |");
            }
            lines.add(line.toString());
            if (r == 0) {
                StringBuilder rule = new StringBuilder("|");
                for (int width : widths) {
                    rule.append("-".repeat(width + 2)).append('|');
                }
                lines.add(rule.toString());
            }
        }
        return lines;
    }

    private void step(String text) {
        out.println("==> " + text);
    }
}
