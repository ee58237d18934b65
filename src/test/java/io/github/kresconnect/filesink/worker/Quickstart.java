package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.NewTopic;

import io.github.kresconnect.filesink.config.MachineHostname;
import io.github.kresconnect.filesink.notify.FakeManager;

/**
 * The quickstart behind {@code bin/quickstart}: a local KRaft broker and a standalone Connect worker started
 * from Kafka's own jars with the shipped configs and the built component zip in plugin.path, then a sample
 * RPZ zone and a config published to this host with {@code bin/resolver-publish}. Shows what landed in the
 * files directory and what the resolver manager was asked; runs until Ctrl-C, which stops everything.
 */
public final class Quickstart {
    static final String KAFKA_VERSION = "4.3.1";
    static final String TOPIC = "knot-resolver";
    static final Path REAL_MANAGER_SOCKET = Path.of("/run/knot-resolver/kres-api.sock");

    private final PrintStream out;
    private final Path workDir;
    private final List<AutoCloseable> running = new ArrayList<>();
    private FakeManager standInManager;
    private Path managerSocket;
    private Path filesDir;
    private String bootstrapServers;

    Quickstart(PrintStream out, Path workDir) {
        this.out = out;
        this.workDir = workDir;
    }

    public static void main(String[] args) throws Exception {
        boolean exitAfterDemo = List.of(args).contains("--exit-after-demo");
        Quickstart quickstart = new Quickstart(System.out,
                KafkaDistribution.projectDir().resolve("target/quickstart"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            quickstart.stop();
            stopped.countDown();
        }, "quickstart-stop"));
        try {
            quickstart.run();
        } catch (Exception | AssertionError e) {
            System.err.println("Quickstart failed: " + e.getMessage());
            System.err.println("Logs are in " + quickstart.workDir);
            System.exit(1);
        }
        if (exitAfterDemo) {
            System.exit(0);
        }
        quickstart.followManager(stopped);
    }

    /** Starts everything, publishes the samples and waits until they are on disk and the manager was asked. */
    void run() throws Exception {
        RealWorkerScenario.deleteRecursively(workDir);
        Files.createDirectories(workDir);
        String hostname = MachineHostname.get();
        filesDir = Files.createDirectories(workDir.resolve("files"));

        step("Resolving Kafka " + KAFKA_VERSION + " (first run only: downloads from Maven Central)");
        KafkaDistribution dist = KafkaDistribution.resolve(KAFKA_VERSION);

        step("Starting a local KRaft broker");
        BrokerProcess broker = keep(BrokerProcess.start(dist, workDir.resolve("broker"), workDir.resolve("broker")));
        bootstrapServers = broker.bootstrapServers();
        String dlq = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");
        broker.admin().createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1), new NewTopic(dlq, 1, (short) 1)))
                .all().get(30, TimeUnit.SECONDS);
        info("broker " + bootstrapServers + ", topics " + TOPIC + " (3 partitions) and " + dlq);

        startManager();

        step("Installing the plugin and starting a standalone Connect worker with config/*.properties");
        Path pluginPath = workDir.resolve("plugins");
        HubComponent.installInto(pluginPath);
        int restPort = FreePorts.next();
        Path worker = ShippedConfig.worker("worker.properties", workDir, bootstrapServers, restPort, pluginPath,
                Map.of(), Map.of());
        String connector = "resolver-file-sink-" + hostname;
        Path sink = ShippedConfig.copy("resolver-sink.properties", workDir.resolve("resolver-sink.properties"),
                Map.of("name", connector,
                        "files.dir", filesDir.toString(),
                        "resolver.hostname", "",
                        "manager.socket.path", managerSocket.toString()));
        StandaloneWorkerProcess connect = keep(StandaloneWorkerProcess.start(dist,
                Files.createDirectories(workDir.resolve("worker")),
                workDir.resolve("worker.log"), restPort, worker, sink));
        connect.awaitRunning(connector, Duration.ofSeconds(60));
        info("worker REST http://127.0.0.1:" + restPort + ", connector " + connector + " RUNNING, files.dir "
                + filesDir);

        step("Publishing a sample RPZ zone and a config to this host (" + hostname + ") with bin/resolver-publish");
        Path samples = Files.createDirectories(workDir.resolve("samples"));
        byte[] zone = sampleZone();
        byte[] config = ("# Delivered by the quickstart; refers to the zone by absolute path.\n"
                + "local-data:\n  rpz:\n    - file: " + filesDir.resolve("blocklist.rpz") + "\n")
                .getBytes(StandardCharsets.UTF_8);
        Path zoneFile = Files.write(samples.resolve("blocklist.rpz"), zone);
        Path configFile = Files.write(samples.resolve("config.yaml"), config);
        int exit = publish("--to", hostname, zoneFile.toString(), configFile.toString());
        if (exit != 0) {
            throw new IllegalStateException("resolver-publish exited with " + exit);
        }

        step("Waiting for the files and for the manager's reload");
        Await.until("the samples in " + filesDir, Duration.ofSeconds(60),
                () -> sameContent(filesDir.resolve("blocklist.rpz"), zone)
                        && sameContent(filesDir.resolve("config.yaml"), config), connect::tail);
        showFiles();
        if (standInManager != null) {
            standInManager.awaitRequests(r -> r.isPost() && r.path().equals("/reload"), 1, Duration.ofSeconds(60));
            showManagerRequests(0);
        }
        out.println();
        out.println("Everything runs. Publish more files to this host with:");
        out.println("  bin/resolver-publish --bootstrap-server " + bootstrapServers + " --to " + hostname
                + " FILE...");
        out.println("Worker log: " + workDir.resolve("worker.log") + "    Press Ctrl-C to stop everything.");
    }

    /** The real manager when a resolver runs here; otherwise a stand-in that only records what it is asked. */
    private void startManager() throws IOException {
        if (Files.exists(REAL_MANAGER_SOCKET)) {
            managerSocket = REAL_MANAGER_SOCKET;
            step("Using this machine's Knot Resolver manager at " + managerSocket);
            return;
        }
        // A Unix socket's path must be short: a directory of its own under the system's temporary directory.
        Path socketDir = Files.createTempDirectory("kres-quickstart");
        managerSocket = socketDir.resolve("kres-api.sock");
        running.add(() -> Files.deleteIfExists(socketDir)); // after the manager, which is stopped first
        standInManager = keep(FakeManager.start(managerSocket));
        step("No Knot Resolver here: starting a STAND-IN manager on " + managerSocket
                + " (it answers 200 and only records requests)");
    }

    private int publish(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                KafkaDistribution.projectDir().resolve("bin/resolver-publish").toString(),
                "--bootstrap-server", bootstrapServers, "--topic", TOPIC));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return builder.start().waitFor();
    }

    /** Prints the stand-in manager's requests as they come, until stopped. */
    private void followManager(CountDownLatch stopped) throws InterruptedException {
        int shown = standInManager == null ? 0 : standInManager.requests().size();
        while (!stopped.await(500, TimeUnit.MILLISECONDS)) {
            if (standInManager != null) {
                shown = showManagerRequests(shown);
            }
        }
    }

    private int showManagerRequests(int alreadyShown) {
        List<FakeManager.Request> requests = standInManager.requests();
        for (FakeManager.Request request : requests.subList(alreadyShown, requests.size())) {
            out.println("  [stand-in manager] " + request.time() + "  " + request.method() + " " + request.path());
        }
        return requests.size();
    }

    private void showFiles() throws Exception {
        info("files.dir " + filesDir + ":");
        try (Stream<Path> files = Files.walk(filesDir)) {
            // Hidden entries are the connector's own state (a reload owed to the manager), not delivered files.
            for (Path file : files.filter(Files::isRegularFile)
                    .filter(f -> !filesDir.relativize(f).toString().startsWith(".")).sorted().toList()) {
                out.printf("  %-50s %10d bytes  sha256 %s%n", filesDir.relativize(file), Files.size(file),
                        sha256(file).substring(0, 16) + "…");
            }
        }
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

    FakeManager standInManager() {
        return standInManager;
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

    private static byte[] sampleZone() {
        StringBuilder zone = new StringBuilder("$TTL 300\n@ SOA localhost. nobody.localhost. 1 3600 600 86400 300\n"
                + "  NS localhost.\n");
        for (int i = 0; i < 40_000; i++) {
            zone.append("blocked-").append(i).append(".example. CNAME .\n");
        }
        return zone.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean sameContent(Path file, byte[] content) throws IOException {
        return Files.exists(file) && java.util.Arrays.equals(Files.readAllBytes(file), content);
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
