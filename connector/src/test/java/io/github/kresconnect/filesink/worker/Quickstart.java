package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import io.github.kresconnect.filesink.config.MachineHostname;
import io.github.kresconnect.filesink.config.ResolverFileSinkConfig;
import io.github.kresconnect.filesink.notify.FakeManager;

/**
 * The quickstart behind {@code bin/quickstart}: a local KRaft broker and a standalone Connect worker started
 * from Kafka's own jars with the shipped configs and the built component zip in plugin.path, then a sample
 * RPZ zone and a config published to this host with {@code bin/resolver-publish}, and a deliberately broken
 * config to show a rejection. Prints its ports and paths before starting anything; keeps the configs it
 * writes (and the operator's edits to them) across runs; shows every file that lands and every rejected
 * record while it runs; runs until Ctrl-C, which stops everything.
 */
public final class Quickstart {
    static final String KAFKA_VERSION = "4.3.1";
    static final Path REAL_MANAGER_SOCKET = Path.of("/run/knot-resolver/kres-api.sock");
    static final int DEFAULT_KAFKA_PORT = 9092;
    static final int DEFAULT_CONNECT_PORT = 8083;
    static final String BROKEN_CONFIG = "broken-example.yaml";

    /** The command line, as bin/quickstart passes it on (it handles --no-build and --help itself). */
    record Options(int kafkaPort, int connectPort, boolean reset, boolean once) {
        static Options parse(String... args) {
            int kafkaPort = DEFAULT_KAFKA_PORT;
            int connectPort = DEFAULT_CONNECT_PORT;
            boolean reset = false;
            boolean once = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    value = arg.substring(eq + 1);
                    arg = arg.substring(0, eq);
                }
                switch (arg) {
                    case "--kafka-port", "--connect-port" -> {
                        if (value == null) {
                            if (i + 1 >= args.length) {
                                throw new IllegalArgumentException("option " + arg + " needs a port number");
                            }
                            value = args[++i];
                        }
                        int port = port(arg, value);
                        if (arg.equals("--kafka-port")) {
                            kafkaPort = port;
                        } else {
                            connectPort = port;
                        }
                    }
                    case "--reset" -> reset = true;
                    case "--once", "--exit-after-demo" -> once = true;
                    default -> throw new IllegalArgumentException("unknown option: " + args[i]);
                }
            }
            if (kafkaPort == connectPort) {
                throw new IllegalArgumentException("--kafka-port and --connect-port are both " + kafkaPort);
            }
            return new Options(kafkaPort, connectPort, reset, once);
        }

        private static int port(String option, String value) {
            try {
                int port = Integer.parseInt(value);
                if (port > 0 && port < 65536) {
                    return port;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("option " + option + " needs a port number (1-65535), not '"
                    + value + "'");
        }
    }

    /** A port the quickstart would use is taken: nothing was started. */
    static final class PortInUseException extends IllegalStateException {
        PortInUseException(String message) {
            super(message);
        }
    }

    /** A file seen landing in the files directory (new, or replaced since it was last seen). */
    record Landed(String name, long size, String sha256) {
    }

    private final PrintStream out;
    private final Path workDir;
    private final Options options;
    private final List<AutoCloseable> running = new ArrayList<>();
    private final List<Landed> landed = new CopyOnWriteArrayList<>();
    private final List<String> rejected = new CopyOnWriteArrayList<>();
    private final Map<Path, Object> seen = new HashMap<>();
    private FakeManager standInManager;
    private Path managerSocket;
    private Path filesDir;
    private Path workerLog;
    private long workerLogRead;
    private int managerRequestsShown;
    private final Object watchLock = new Object();
    private String bootstrapServers;
    private String hostname;
    private String topic;
    private String receiptsTopic = "";
    /** This host's receipts topic: receipts.topic itself in shared mode, else its own (the default). */
    private String hostReceiptsTopic = "";
    private io.github.kresconnect.filesink.receipts.ReceiptChannel receiptsMode;
    private volatile boolean watching;

    Quickstart(PrintStream out, Path workDir, Options options) {
        this.out = out;
        this.workDir = workDir;
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("quickstart: " + e.getMessage() + " (see bin/quickstart --help)");
            System.exit(2);
            return;
        }
        Quickstart quickstart = new Quickstart(System.out, KafkaDistribution.projectDir().resolve("target/quickstart"),
                options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            quickstart.stop();
            stopped.countDown();
        }, "quickstart-stop"));
        try {
            quickstart.run();
        } catch (Exception | AssertionError e) {
            System.err.println("Quickstart failed: " + e.getMessage());
            if (!(e instanceof PortInUseException)) {
                System.err.println("Logs are in " + quickstart.workDir);
            }
            System.exit(1);
        }
        if (options.once()) {
            System.exit(0);
        }
        quickstart.awaitStop(stopped);
    }

    /**
     * Prints the plan, starts everything, publishes the samples and a broken config, and waits until the samples
     * were seen landing, the broken config was seen rejected and the manager was asked.
     */
    void run() throws Exception {
        if (options.reset() && Files.exists(workDir)) {
            RealWorkerScenario.deleteRecursively(workDir);
            step("--reset: removed " + workDir + " (configs, files, data); starting afresh");
        }
        requireFree(options.kafkaPort(), "the Kafka broker", "--kafka-port");
        requireFree(options.connectPort(), "the Connect worker's REST API", "--connect-port");
        Files.createDirectories(workDir);
        bootstrapServers = "127.0.0.1:" + options.kafkaPort();
        String restUrl = "http://127.0.0.1:" + options.connectPort();
        Path pluginPath = workDir.resolve("plugins"); // written into a new worker.properties
        Path workerData = workDir.resolve("worker");
        Path brokerData = workDir.resolve("broker");
        workerLog = workDir.resolve("worker.log");

        Path workerFile = workDir.resolve("worker.properties");
        boolean workerKept = Files.exists(workerFile);
        if (workerKept) {
            setProperty(workerFile, "bootstrap.servers", bootstrapServers);
            setProperty(workerFile, "listeners", restUrl);
        } else {
            ShippedConfig.copy("worker.properties", workerFile, Map.of(
                    "bootstrap.servers", bootstrapServers,
                    "listeners", restUrl,
                    "plugin.path", pluginPath.toString(),
                    "offset.storage.file.filename", workerData.resolve("connect.offsets").toString()));
        }
        Path sinkFile = workDir.resolve("resolver-sink.properties");
        boolean sinkKept = Files.exists(sinkFile);
        if (!sinkKept) {
            ShippedConfig.copy("resolver-sink.properties", sinkFile, Map.of(
                    "name", "resolver-file-sink-" + MachineHostname.get(),
                    "files.dir", workDir.resolve("files").toString(),
                    "resolver.hostname", "",
                    "manager.socket.path", defaultManagerSocket().toString(),
                    "receipts.bootstrap.servers", bootstrapServers));
        } else if (!property(sinkFile, "receipts.topic").isBlank()) {
            setProperty(sinkFile, "receipts.bootstrap.servers", bootstrapServers); // follows --kafka-port
        }
        pluginPath = Path.of(property(workerFile, "plugin.path").split(",")[0].strip());
        String connector = property(sinkFile, "name");
        topic = property(sinkFile, "topics");
        filesDir = Path.of(property(sinkFile, "files.dir"));
        managerSocket = Path.of(property(sinkFile, "manager.socket.path"));
        String configuredHost = property(sinkFile, "resolver.hostname");
        hostname = configuredHost.isBlank() ? MachineHostname.get() : configuredHost;
        String dlq = property(sinkFile, "errors.deadletterqueue.topic.name");
        receiptsTopic = optionalProperty(sinkFile, "receipts.topic");
        String mode = optionalProperty(sinkFile, "receipts.topic.mode"); // absent in a config kept from before
        receiptsMode = io.github.kresconnect.filesink.receipts.ReceiptChannel.fromWord(mode.isBlank()
                ? ResolverFileSinkConfig.RECEIPTS_TOPIC_MODE_DEFAULT : mode);
        hostReceiptsTopic = receiptsTopic.isBlank() ? "" : receiptsMode.topicFor(receiptsTopic, hostname);
        boolean realManager = answers(managerSocket);

        step("Quickstart: ports and paths");
        info(String.format("%-17s %s   (--kafka-port)", "Kafka broker", bootstrapServers));
        info(String.format("%-17s %s   (--connect-port; user admin, its password in %s)", "Worker REST API", restUrl,
                workDir.resolve("rest-credentials.properties")));
        info(String.format("%-17s %s", "Receipts topic", receiptsTopic.isBlank() ? "(receipts off: receipts.topic is empty)"
                : hostReceiptsTopic + " on " + bootstrapServers + "   (this host's, " + receiptsMode.word()
                        + "; for --wait and status)"));
        info(String.format("%-17s %s", "Files directory", filesDir));
        info(String.format("%-17s %s", "Manager socket", managerSocket + (realManager
                ? "   (a manager already listens here: used as it is)" : "   (a STAND-IN manager: it only records requests)")));
        info(String.format("%-17s %s", "Plugin path", pluginPath + "   (the built zip is unzipped here)"));
        info(String.format("%-17s %s", "Worker log", workerLog));
        info(String.format("%-17s %s", "Configs", workerFile + (workerKept ? " (kept from an earlier run)" : " (new)")));
        info(String.format("%-17s %s", "", sinkFile + (sinkKept ? " (kept from an earlier run)" : " (new)")));
        info("Your edits are kept: these two files are written only when absent and reused on later runs;");
        info("only bootstrap.servers and listeners in worker.properties, and receipts.bootstrap.servers in");
        info("resolver-sink.properties, follow --kafka-port and --connect-port.");
        info("bin/quickstart --reset starts afresh (it deletes " + workDir + ").");
        info("Started afresh on every run: the broker's and the worker's data (" + brokerData.getFileName() + "/, "
                + workerData.getFileName() + "/: topics,");
        info("offsets) and the worker log. The files directory is kept.");
        info("Publish files to this host by hand, while it runs, with:");
        info("  " + publishCommand() + " FILE...");
        if (!receiptsTopic.isBlank()) {
            info("and add --wait to wait for this host's receipt; list what every host has with:");
            info("  " + statusCommand());
        }

        step(KafkaDistribution.isResolved(KAFKA_VERSION)
                ? "Kafka " + KAFKA_VERSION + "'s jars: resolved by an earlier run"
                : "Resolving Kafka " + KAFKA_VERSION + "'s jars (downloads from Maven Central; later runs reuse them)");
        KafkaDistribution dist = KafkaDistribution.resolve(KAFKA_VERSION);
        RealWorkerScenario.deleteRecursively(brokerData);
        RealWorkerScenario.deleteRecursively(workerData);
        Files.deleteIfExists(workerLog);
        workerLogRead = 0;

        step("Starting a local KRaft broker on " + bootstrapServers);
        Admin admin = startBroker(dist, brokerData, options.kafkaPort());
        List<NewTopic> topics = new ArrayList<>(List.of(new NewTopic(topic, 3, (short) 1), new NewTopic(dlq, 1, (short) 1)));
        if (!receiptsTopic.isBlank()) {
            topics.add(new NewTopic(hostReceiptsTopic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")));
        }
        admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        info("topics " + topic + " (3 partitions), " + dlq + " (dead letter queue)"
                + (receiptsTopic.isBlank() ? "" : " and " + hostReceiptsTopic + " (this host's receipts, compacted)"));

        startManager(realManager);

        step("Installing the plugin and starting a standalone Connect worker with " + workerFile.getFileName()
                + " and " + sinkFile.getFileName());
        HubComponent.installInto(pluginPath);
        Files.createDirectories(filesDir);
        rememberExistingFiles();
        StandaloneWorkerProcess connect = keep(StandaloneWorkerProcess.start(dist, Files.createDirectories(workerData),
                workerLog, options.connectPort(), workerFile, sinkFile));
        connect.awaitRunning(connector, Duration.ofSeconds(60));
        info("connector " + connector + " RUNNING at " + restUrl + "/connectors/" + connector + "/status");
        startWatching();

        step("Publishing a sample RPZ zone and a config to this host (" + hostname + ") with bin/resolver-publish");
        info("Files landing in " + filesDir + " and rejected records are shown as they happen:");
        Path samples = Files.createDirectories(workDir.resolve("samples"));
        long serial = Instant.now().getEpochSecond();
        byte[] zone = sampleZone(serial);
        byte[] config = ("# Delivered by the quickstart (serial " + serial + "); refers to the zone by absolute path.\n"
                + "local-data:\n  rpz:\n    - file: " + filesDir.resolve("blocklist.rpz") + "\n")
                .getBytes(StandardCharsets.UTF_8);
        Path zoneFile = Files.write(samples.resolve("blocklist.rpz"), zone);
        Path configFile = Files.write(samples.resolve("config.yaml"), config);
        int exit = publish(zoneFile.toString(), configFile.toString());
        if (exit != 0) {
            throw new IllegalStateException("resolver-publish exited with " + exit);
        }
        Await.until("the samples to land in " + filesDir, Duration.ofSeconds(60),
                () -> landedWith("blocklist.rpz", zone) && landedWith("config.yaml", config), connect::tail);

        step("Sending a broken " + BROKEN_CONFIG + " straight to the topic (resolver-publish would refuse it), "
                + "to show a rejection");
        sendBrokenConfig();
        Await.until("the rejection of " + BROKEN_CONFIG + " in " + workerLog, Duration.ofSeconds(60),
                () -> rejected.stream().anyMatch(line -> line.contains(BROKEN_CONFIG)), connect::tail);

        if (standInManager != null) {
            standInManager.awaitRequests(r -> r.isPost() && r.path().equals("/reload"), 1, Duration.ofSeconds(60));
            watchOnce();
        }
        out.println();
        out.println("Everything runs. Publish more files to this host with:");
        out.println("  " + publishCommand() + " FILE...");
        if (!receiptsTopic.isBlank()) {
            out.println("(add --wait to wait for this host's receipt), and see what every host has with:");
            out.println("  " + statusCommand());
        }
        out.println("Edit " + sinkFile + " or " + workerFile + " and run bin/quickstart again: edits are kept.");
        out.println("Worker log: " + workerLog + "    Press Ctrl-C to stop everything.");
    }

    private String statusCommand() {
        return "bin/resolver-publish status --bootstrap-server " + bootstrapServers + receiptOptions();
    }

    /** The publisher's receipt options for this host's receipts, where they are not the defaults. */
    private String receiptOptions() {
        return (receiptsTopic.equals("knot-resolver-receipts") ? "" : " --receipts-topic " + receiptsTopic)
                + (receiptsMode == io.github.kresconnect.filesink.receipts.ReceiptChannel.PER_HOST ? ""
                        : " --receipts-topic-mode " + receiptsMode.word());
    }

    private String publishCommand() {
        return "bin/resolver-publish --bootstrap-server " + bootstrapServers
                + (topic.equals("knot-resolver") ? "" : " --topic " + topic)
                + (receiptsTopic.isBlank() ? "" : receiptOptions()) + " --to " + hostname;
    }

    /** Fails, naming the option to use, unless {@code port} on 127.0.0.1 is free. */
    private static void requireFree(int port, String what, String option) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new PortInUseException("port " + port + " for " + what + " is in use on 127.0.0.1; choose "
                    + "another with " + option + " PORT");
        }
    }

    /**
     * The stand-in manager's socket when the first run writes resolver-sink.properties: the real one when a
     * resolver runs here; otherwise a path that stays the same across runs for this directory, short enough for
     * a Unix socket.
     */
    private Path defaultManagerSocket() {
        if (Files.exists(REAL_MANAGER_SOCKET)) {
            return REAL_MANAGER_SOCKET;
        }
        String id = Integer.toHexString(workDir.toAbsolutePath().normalize().toString().hashCode());
        return Path.of(System.getProperty("java.io.tmpdir"), "kres-quickstart-" + id, "kres-api.sock");
    }

    /** Whether a manager (a resolver's, or anything else) already listens on {@code socket}. */
    private static boolean answers(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }

    /** A single-node KRaft broker (broker and controller in one process) on {@code port}; its data afresh. */
    private Admin startBroker(KafkaDistribution dist, Path dir, int port) throws Exception {
        return keep(BrokerProcess.startOnPort(dist, dir, port)).admin();
    }

    /** The real manager when a resolver runs here; otherwise a stand-in that only records what it is asked. */
    private void startManager(boolean real) throws IOException {
        if (real) {
            step("Using the manager already listening at " + managerSocket + " (not a stand-in)");
            return;
        }
        Files.createDirectories(managerSocket.getParent());
        if (Files.exists(managerSocket) && !Files.isRegularFile(managerSocket) && !Files.isDirectory(managerSocket)) {
            Files.delete(managerSocket); // nobody answers on it: left by a run that was killed
        }
        standInManager = keep(FakeManager.start(managerSocket));
        step("No Knot Resolver here: started a STAND-IN manager on " + managerSocket
                + " (it answers 200 and only records requests)");
    }

    private int publish(String... files) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                KafkaDistribution.projectDir().resolve("bin/resolver-publish").toString(),
                "--bootstrap-server", bootstrapServers, "--topic", topic, "--to", hostname));
        command.addAll(List.of(files));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().remove("JAVA");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return builder.start().waitFor();
    }

    /** A config that is not valid YAML, addressed to this host, sent as the publisher would send it. */
    private void sendBrokenConfig() throws Exception {
        byte[] broken = "network:\n  listen: [ {interface: 127.0.0.1@5353\n".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<String, byte[]> producer = FileDeliveryScenario.producer(bootstrapServers)) {
            ProducerRecord<String, byte[]> record = FileDeliveryScenario.record(null, hostname, BROKEN_CONFIG, broken,
                    0, 0);
            producer.send(new ProducerRecord<>(topic, null, record.key(), record.value(), record.headers()))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** Waits until stopped; the watcher goes on showing what lands, what is rejected and what the manager is asked. */
    private void awaitStop(CountDownLatch stopped) throws InterruptedException {
        stopped.await();
    }

    /** Files already in the files directory (from earlier runs) are not shown as landing unless replaced. */
    private void rememberExistingFiles() throws IOException {
        Map<Path, Object> existing = deliveredFiles();
        seen.putAll(existing);
        if (!existing.isEmpty()) {
            info(existing.size() + " file(s) already in " + filesDir + " from earlier runs (kept)");
        }
    }

    /**
     * A thread that polls the files directory, the worker log and the stand-in manager, printing what lands, what
     * is rejected and what the manager is asked.
     */
    private void startWatching() {
        watching = true;
        Thread watcher = new Thread(() -> {
            while (watching) {
                try {
                    watchOnce();
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // a file replaced while being read: seen on the next round
                }
            }
        }, "quickstart-watch");
        watcher.setDaemon(true);
        watcher.start();
        running.add(() -> {
            watching = false;
            watcher.interrupt();
            watcher.join(5_000);
        });
    }

    private void watchOnce() throws Exception {
        synchronized (watchLock) {
            watchOnceLocked();
        }
    }

    private void watchOnceLocked() throws Exception {
        if (standInManager != null) {
            List<FakeManager.Request> requests = standInManager.requests();
            for (FakeManager.Request request : requests.subList(managerRequestsShown, requests.size())) {
                out.println("  [stand-in manager] " + request.time() + "  " + request.method() + " " + request.path());
            }
            managerRequestsShown = requests.size();
        }
        for (Map.Entry<Path, Object> file : deliveredFiles().entrySet()) {
            if (!file.getValue().equals(seen.get(file.getKey()))) {
                Path path = file.getKey();
                String sha = sha256(path);
                long size = Files.size(path);
                seen.put(path, file.getValue());
                String name = filesDir.relativize(path).toString();
                if (name.endsWith(".backup") && Files.exists(path.resolveSibling(
                        path.getFileName().toString().replaceFirst("\\.backup$", "")))) {
                    // The connector keeps the version a new one replaced beside it: not a delivery of its own.
                    out.printf("  backup    %-40s %10d bytes  sha256 %s…  (the version it replaced)%n", name, size,
                            sha.substring(0, 16));
                    continue;
                }
                landed.add(new Landed(name, size, sha));
                out.printf("  landed    %-40s %10d bytes  sha256 %s…%n", name, size, sha.substring(0, 16));
            }
        }
        if (Files.exists(workerLog)) {
            try (RandomAccessFile log = new RandomAccessFile(workerLog.toFile(), "r")) {
                if (log.length() < workerLogRead) {
                    workerLogRead = 0;
                }
                byte[] fresh = new byte[(int) Math.min(log.length() - workerLogRead, 4 << 20)];
                log.seek(workerLogRead);
                log.readFully(fresh);
                int end = lastNewline(fresh);
                workerLogRead += end;
                for (String line : new String(fresh, 0, end, StandardCharsets.UTF_8).split("\n")) {
                    int at = line.indexOf("Rejected record ");
                    if (at >= 0) {
                        String text = line.substring(at + "Rejected record ".length());
                        int logger = text.lastIndexOf(" (io.github.kresconnect");
                        rejected.add(line);
                        out.println("  REJECTED  " + (logger > 0 ? text.substring(0, logger) : text));
                    }
                }
            }
        }
    }

    private static int lastNewline(byte[] bytes) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i + 1;
            }
        }
        return 0;
    }

    /** Regular files in the files directory but the connector's own hidden state, each with its identity. */
    private Map<Path, Object> deliveredFiles() throws IOException {
        Map<Path, Object> files = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(filesDir)) {
            for (Path file : walk.filter(f -> !hidden(filesDir.relativize(f))).sorted().toList()) {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                if (attributes.isRegularFile()) {
                    files.put(file, List.of(String.valueOf(attributes.fileKey()), attributes.size(),
                            attributes.lastModifiedTime().toMillis()));
                }
            }
        }
        return files;
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private boolean landedWith(String name, byte[] content) throws Exception {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        return landed.stream().anyMatch(l -> l.name().equals(name) && l.sha256().equals(sha));
    }

    /** Stops what was started, newest first. */
    synchronized void stop() {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                System.err.println("while stopping: " + e);
            }
        }
        running.clear();
    }

    Path filesDir() {
        return filesDir;
    }

    Path workDir() {
        return workDir;
    }

    FakeManager standInManager() {
        return standInManager;
    }

    List<Landed> landed() {
        return List.copyOf(landed);
    }

    List<String> rejected() {
        return List.copyOf(rejected);
    }

    private <T extends AutoCloseable> T keep(T resource) {
        running.add(resource);
        return resource;
    }

    private void step(String text) {
        out.println("==> " + text);
    }

    private void info(String text) {
        out.println("    " + text);
    }

    /** The value of {@code key} in a properties file as written (the last setting wins, as in Properties). */
    static String property(Path file, String key) throws IOException {
        String value = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String trimmed = line.strip();
            int eq = trimmed.indexOf('=');
            if (!trimmed.startsWith("#") && eq > 0 && trimmed.substring(0, eq).strip().equals(key)) {
                value = trimmed.substring(eq + 1).strip();
            }
        }
        if (value == null) {
            throw new IllegalStateException(file + " does not set " + key);
        }
        return value;
    }

    /** The value of {@code key} in a properties file, empty when it does not set it. */
    static String optionalProperty(Path file, String key) throws IOException {
        try {
            return property(file, key);
        } catch (IllegalStateException e) {
            return "";
        }
    }

    /** Sets {@code key} in a properties file, leaving every other line as it is. */
    private static void setProperty(Path file, String key, String value) throws IOException {
        List<String> lines = new ArrayList<>();
        boolean set = false;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String trimmed = line.strip();
            int eq = trimmed.indexOf('=');
            if (!trimmed.startsWith("#") && eq > 0 && trimmed.substring(0, eq).strip().equals(key)) {
                if (!set) {
                    lines.add(key + "=" + value);
                    set = true;
                }
                continue;
            }
            lines.add(line);
        }
        if (!set) {
            lines.add(key + "=" + value);
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private static byte[] sampleZone(long serial) {
        StringBuilder zone = new StringBuilder("$TTL 300\n@ SOA localhost. nobody.localhost. " + serial
                + " 3600 600 86400 300\n  NS localhost.\n");
        for (int i = 0; i < 40_000; i++) {
            zone.append("blocked-").append(i).append(".example. CNAME .\n");
        }
        return zone.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
