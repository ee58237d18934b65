package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.github.kresconnect.filesink.notify.FakeManager;
import io.github.kresconnect.filesink.publish.RecipientPartitioner;

/**
 * The documented path from the component zip to a service ("Running as a service"), followed literally on a
 * fresh directory tree: the documented shell commands run by bash with every absolute path under a root
 * directory of the test's, the worker started exactly as the shipped unit's ExecStart= and Environment= say
 * (as connect-standalone.sh would start it), against a real broker of Kafka 4.3.1 with the topics created as
 * documented. Then what the operator relies on: a file delivered, the connector's log lines on standard
 * output (the journal) with one line per rejected record and no stack trace, JMX on loopback with a
 * read-only password, the unit's hardening, and a worker killed with SIGKILL delivering again within seconds
 * of its restart. Everything stays under target/service-it/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceInstallIT {
    private static final String KAFKA_VERSION = "4.3.1";
    /**
     * This host's name as the documented steps take it ({@code HOST=$(hostname)}): not the shipped one, so the
     * documented per-host edits must take effect.
     */
    private static final String HOST = io.github.kresconnect.filesink.config.MachineHostname.get();
    private static final String START = "<!-- service-install:start -->";
    private static final String END = "<!-- service-install:end -->";
    private static final String SITE_START = "<!-- service-install:site -->";
    private static final String SITE_END = "<!-- service-install:site-end -->";
    private static final String CHECK_START = "<!-- service-check:start -->";
    private static final String CHECK_END = "<!-- service-check:end -->";
    private static final String TOPICS_START = "<!-- topics:start -->";
    private static final String TOPICS_END = "<!-- topics:end -->";
    /** The operator's page, which holds the install steps, the check, the topics and the JMX example. */
    private static final String OPERATOR_DOC = "docs/operator.md";
    /** The absolute directories of the documented layout; the test puts each under its root. */
    private static final List<String> SYSTEM_DIRS = List.of("/etc/kafka-connect", "/etc/systemd/system",
            "/usr/share/kafka-connect", "/var/lib/kafka-connect", "/var/log/kafka-connect", "/var/lib/knot-resolver",
            "/run/knot-resolver", "/opt/kafka");
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(90);
    /** A worker killed with SIGKILL and started again delivers its next file within this. */
    private static final Duration RESTART_LIMIT = Duration.ofSeconds(15);

    private Path dir;
    private Path root;
    private KafkaDistribution dist;
    private BrokerProcess broker;

    @BeforeAll
    void startBroker() throws Exception {
        dir = KafkaDistribution.projectDir().resolve("target/service-it");
        RealWorkerScenario.deleteRecursively(dir);
        root = Files.createDirectories(dir.resolve("root"));
        dist = KafkaDistribution.resolve(KAFKA_VERSION);
        broker = BrokerProcess.start(dist, dir.resolve("broker"), dir.resolve("broker"));
    }

    @AfterAll
    void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void documentedInstallRunsAsTheUnitSaysAndRestartsQuickly() throws Exception {
        // What the system, the resolver's package and the operator's downloads provide: systemd's unit
        // directory, the files directory, the manager's socket directory, the zip, and the unpacked tarball
        // (here the same version's jars, as its libs/).
        Path filesDir = Files.createDirectories(under("/var/lib/knot-resolver"));
        Files.createDirectories(under("/run/knot-resolver"));
        Files.createDirectories(under("/etc/systemd/system"));
        Files.createDirectories(under("/opt"));
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        Files.copy(HubComponent.zip(), downloads.resolve(HubComponent.zip().getFileName()));

        runDocumentedSteps(downloads);
        createDocumentedTopics();

        // The installed files, with the root prefixed to their absolute paths and free ports for the REST API
        // and JMX; nothing else changes.
        int restPort = FreePorts.next();
        int jmxPort = FreePorts.next();
        Path etc = under("/etc/kafka-connect");
        for (Path file : List.of(etc.resolve("worker.properties"), etc.resolve("resolver-sink.properties"),
                etc.resolve("rest-jaas.conf"), under("/etc/systemd/system/kafka-connect-resolver.service"))) {
            prefixRoot(file, Map.of("127.0.0.1:8083", "127.0.0.1:" + restPort, "port=9999", "port=" + jmxPort));
        }
        Properties worker = load(etc.resolve("worker.properties"));
        Properties sink = load(etc.resolve("resolver-sink.properties"));
        assertEquals(broker.bootstrapServers(), worker.getProperty("bootstrap.servers"), "edited as documented");
        assertEquals(HOST, worker.getProperty("consumer.group.instance.id"), "edited as documented");
        assertEquals("resolver-file-sink-" + HOST, sink.getProperty("name"), "edited as documented");
        assertEquals(HOST, sink.getProperty("resolver.hostname"), "edited as documented");
        assertEquals(broker.bootstrapServers(), sink.getProperty("receipts.bootstrap.servers"), "edited as documented");
        assertEquals(ShippedConfig.value("resolver-sink.properties", "receipts.topic"), sink.getProperty("receipts.topic"));
        assertEquals("per-host", sink.getProperty("receipts.topic.mode"), "as shipped");
        RestCredentials rest = RestCredentials.read(etc.resolve("rest-credentials.properties"),
                etc.resolve("rest-jaas.conf"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(etc.resolve("rest-credentials.properties"))));
        assertEquals("None", worker.getProperty("connector.client.config.override.policy"));
        assertTrue(sink.stringPropertyNames().stream().noneMatch(k -> k.matches("(consumer|producer|admin)\\.override\\..*")),
                "the connector config needs no client overrides: " + sink.stringPropertyNames());
        String jmxPassword = Files.readString(etc.resolve("jmxremote.password"), StandardCharsets.UTF_8).strip()
                .split(" ")[1]; // read before the JVM may rewrite the file with hashes

        ServiceUnit unit = ServiceUnit.read(under("/etc/systemd/system/kafka-connect-resolver.service"));
        List<String> execStart = unit.execStart();
        assertEquals(under("/opt/kafka/bin/connect-standalone.sh").toString(), execStart.get(0));
        List<String> command = ServiceUnit.connectStandaloneCommand(under("/opt/kafka"), unit.environment(),
                execStart.subList(1, execStart.size()));
        Files.writeString(dir.resolve("command.txt"), String.join(" ", command) + "\n", StandardCharsets.UTF_8);

        String name = sink.getProperty("name");
        String dlqTopic = sink.getProperty("errors.deadletterqueue.topic.name");
        int partitions = broker.admin().describeTopics(List.of(FileDeliveryScenario.TOPIC)).allTopicNames()
                .get(30, TimeUnit.SECONDS).get(FileDeliveryScenario.TOPIC).partitions().size();
        int partition = RecipientPartitioner.partition(HOST, partitions);
        byte[] zone = "block.example. CNAME .\n".getBytes(StandardCharsets.UTF_8);
        byte[] badConfig = "network:\n  listen: [ {interface: 127.0.0.1@5353\n".getBytes(StandardCharsets.UTF_8);
        byte[] afterCrash = "after.crash.example. CNAME .\n".getBytes(StandardCharsets.UTF_8);

        try (FakeManager manager = FakeManager.start(under("/run/knot-resolver/kres-api.sock"));
                KafkaProducer<String, byte[]> producer = FileDeliveryScenario.producer(broker.bootstrapServers())) {
            LoggedProcess first = LoggedProcess.start("service worker", command, root, dir.resolve("journal-1.log"),
                    unit.environment());
            try (StandaloneWorkerProcess connect = StandaloneWorkerProcess.attach(first, restPort, rest)) {
                connect.awaitRunning(name, DELIVERY_TIMEOUT);
                assertRestApiLocked(connect, name);
                producer.send(FileDeliveryScenario.record(partition, HOST, "block.rpz", zone, 0, 0)).get(30, TimeUnit.SECONDS);
                producer.send(FileDeliveryScenario.record(partition, HOST, "bad.yaml", badConfig, 0, 0)).get(30, TimeUnit.SECONDS);
                Await.until("block.rpz delivered", DELIVERY_TIMEOUT,
                        () -> FileDeliveryScenario.sameContent(filesDir.resolve("block.rpz"), zone), connect::tail);
                assertArrayEquals(badConfig, FileDeliveryScenario.awaitDeadLetter(broker.bootstrapServers(), dlqTopic,
                        "bad.yaml", connect).value(), "the invalid config went to the dead letter queue");
                first.awaitLogLine("Published 'block.rpz'", DELIVERY_TIMEOUT);
                // The manager's socket, as the installed resolver-sink.properties names it, got the renew.
                manager.awaitRequests(r -> r.isPost() && r.path().equals("/renew"), 1, DELIVERY_TIMEOUT);

                assertStaticMember("connect-" + name);
                // Receipts work as installed: this host's outcome of block.rpz is in the receipts topic.
                Await.until("this host's receipt of block.rpz", DELIVERY_TIMEOUT, () -> PublisherProcess.publish(dir,
                        "status", List.of("status", "--bootstrap-server", broker.bootstrapServers(), "--host", HOST))
                        .lines().anyMatch(l -> l.strip().startsWith("block.rpz  sha256 ")), connect::tail);
                assertTrue(connect.logText().lines().noneMatch(l -> l.contains("Could not send")), connect.tail());
                runDocumentedCheck(restPort);
                assertJmx(jmxPort, jmxPassword, name);
                runDocumentedJmxExample(jmxPort, name);
                runDocumentedDeadLetterRead(name);
                assertEquals("monitor " + jmxPassword, Files.readString(etc.resolve("jmxremote.password"),
                        StandardCharsets.UTF_8).strip(), "the password file is left in clear after a login "
                        + "(password.toHashes=false), so the documented way of reading it keeps working");
                assertLogsAsShipped(connect.logText());
                assertEquals(List.of(), list(under("/var/log/kafka-connect")),
                        "the shipped log4j config writes no file; everything goes to the journal");

                // A crash: SIGKILL, no shutdown hook, no leaving the group. A file is sent while it is down.
                first.kill();
                producer.send(FileDeliveryScenario.record(partition, HOST, "after-crash.rpz", afterCrash, 0, 0))
                        .get(30, TimeUnit.SECONDS);
            }

            long started = System.nanoTime();
            LoggedProcess second = LoggedProcess.start("service worker, restarted", command, root,
                    dir.resolve("journal-2.log"), unit.environment());
            try (StandaloneWorkerProcess connect = StandaloneWorkerProcess.attach(second, restPort, rest)) {
                long restUp = System.nanoTime();
                Await.until("after-crash.rpz delivered after the restart", DELIVERY_TIMEOUT,
                        () -> FileDeliveryScenario.sameContent(filesDir.resolve("after-crash.rpz"), afterCrash),
                        connect::tail);
                long delivered = System.nanoTime();
                Duration toRest = Duration.ofNanos(restUp - started);
                Duration toFile = Duration.ofNanos(delivered - started);
                System.out.printf("Restart after SIGKILL: REST API up after %d ms, next file delivered %d ms after "
                        + "the start (limit %d ms)%n", toRest.toMillis(), toFile.toMillis(), RESTART_LIMIT.toMillis());
                Files.writeString(dir.resolve("restart.txt"), "rest_up_ms=" + toRest.toMillis()
                        + "\nfile_delivered_ms=" + toFile.toMillis() + "\n", StandardCharsets.UTF_8);
                assertTrue(toFile.compareTo(RESTART_LIMIT) < 0, "after a SIGKILL the next file arrived "
                        + toFile.toMillis() + " ms after the restart, more than " + RESTART_LIMIT.toMillis() + " ms\n"
                        + connect.tail());
                assertArrayEquals(zone, Files.readAllBytes(filesDir.resolve("block.rpz")), "earlier files untouched");
                assertFalse(Files.exists(filesDir.resolve("bad.yaml")), "the rejected config never landed");
                connect.awaitRunning(name, Duration.ofSeconds(30));
            }
        }
    }

    /** The shipped unit's lines that the documentation promises. */
    @Test
    void shippedUnitRunsAsTheResolversUserWithHardening() throws Exception {
        ServiceUnit unit = ServiceUnit.read(ShippedConfig.shipped("kafka-connect-resolver.service"));
        assertEquals(List.of("/opt/kafka/bin/connect-standalone.sh", "/etc/kafka-connect/worker.properties",
                "/etc/kafka-connect/resolver-sink.properties"), unit.execStart());
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("User", "knot-resolver");
        expected.put("Group", "knot-resolver");
        expected.put("Restart", "on-failure");
        expected.put("ProtectSystem", "strict");
        expected.put("ReadWritePaths", "/var/lib/knot-resolver /var/lib/kafka-connect /var/log/kafka-connect");
        expected.put("ProtectHome", "true");
        expected.put("PrivateTmp", "true");
        expected.put("PrivateDevices", "true");
        expected.put("NoNewPrivileges", "true");
        expected.put("CapabilityBoundingSet", "");
        expected.put("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6");
        expected.put("RestrictNamespaces", "true");
        expected.put("ProtectKernelTunables", "true");
        expected.put("ProtectKernelModules", "true");
        expected.put("ProtectControlGroups", "true");
        expected.put("SystemCallFilter", "@system-service");
        expected.forEach((key, value) -> assertEquals(value, unit.value("Service", key), "[Service] " + key));
        assertEquals(List.of(), unit.values("Service", "MemoryDenyWriteExecute"), "the JIT needs W+X memory");

        Map<String, String> env = unit.environment();
        assertEquals("-Xms64m -Xmx256m", env.get("KAFKA_HEAP_OPTS"));
        assertEquals("-server -XX:+UseSerialGC -XX:SurvivorRatio=4 -XX:MaxInlineLevel=15 -Djava.awt.headless=true",
                env.get("KAFKA_JVM_PERFORMANCE_OPTS"));
        assertEquals("-Dlog4j2.configurationFile=/etc/kafka-connect/connect-log4j2.properties", env.get("KAFKA_LOG4J_OPTS"));
        assertEquals("/var/log/kafka-connect", env.get("LOG_DIR"));
        assertEquals("2", env.get("MALLOC_ARENA_MAX"), "glibc's malloc arenas, for the resident set");
        List<String> jmx = List.of(env.get("KAFKA_JMX_OPTS").split(" "));
        for (String option : List.of("-Dcom.sun.management.jmxremote.host=127.0.0.1",
                "-Djava.rmi.server.hostname=127.0.0.1", "-Dcom.sun.management.jmxremote.authenticate=true",
                "-Dcom.sun.management.jmxremote.local.only=true",
                "-Dcom.sun.management.jmxremote.access.file=/etc/kafka-connect/jmxremote.access")) {
            assertTrue(jmx.contains(option), option + " in KAFKA_JMX_OPTS " + jmx);
        }
        // The Kafka 3.x alternative is in the unit, commented, naming the shipped log4j 1 file.
        assertTrue(Files.readString(ShippedConfig.shipped("kafka-connect-resolver.service"), StandardCharsets.UTF_8)
                .contains("#Environment=\"KAFKA_LOG4J_OPTS=-Dlog4j.configuration=file:/etc/kafka-connect/connect-log4j.properties\""));
        assertTrue(Files.isRegularFile(ShippedConfig.shipped("connect-log4j.properties")));
    }

    /**
     * The one place where the documented commands meet this machine: the site's values (the block between the
     * site markers) are the test's broker and Kafka version; every absolute path of the layout goes under the test's
     * root ({@link #prefixRootInCommand}); and the commands that need the network, root or systemd are small
     * stand-ins first on PATH: {@code curl} serves a Kafka tarball made here from the resolved jars (with its
     * SHA-512 in Apache's format) and passes loopback URLs to the real curl, {@code install} drops {@code -o} and
     * {@code -g}, {@code chown}, {@code systemctl} and {@code journalctl} only say what they would do. The rest of
     * the documented blocks runs as written.
     */
    private List<String> siteValues() {
        return List.of("KAFKA=" + KAFKA_VERSION, "BOOTSTRAP=" + broker.bootstrapServers());
    }

    private Path standIns() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("stand-ins"));
        Path mirror = Files.createDirectories(dir.resolve("mirror"));
        String kafka = "kafka_2.13-" + KAFKA_VERSION;
        Path staging = Files.createDirectories(dir.resolve("tarball").resolve(kafka));
        Files.createDirectories(staging.resolve("bin"));
        Files.deleteIfExists(staging.resolve("libs"));
        Files.createSymbolicLink(staging.resolve("libs"), dist.libDir());
        Path tgz = mirror.resolve(kafka + ".tgz");
        LoggedProcess.run("packing a stand-in tarball", List.of("tar", "-czf", tgz.toString(), "-C",
                staging.getParent().toString(), kafka), dir, dir.resolve("tar.log"), Duration.ofMinutes(1));
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-512")
                .digest(Files.readAllBytes(tgz))).toUpperCase(java.util.Locale.ROOT);
        StringBuilder published = new StringBuilder(kafka + ".tgz: "); // as gpg --print-md SHA512 writes it
        for (int i = 0; i < sha.length(); i += 8) {
            published.append(sha, i, i + 8).append(i == 56 ? "\n" : " ");
        }
        Files.writeString(mirror.resolve(kafka + ".tgz.sha512"), published.toString().strip() + "\n");
        Map<String, String> scripts = Map.of(
                "curl", "for a in \"$@\"; do case \"$a\" in http://127.0.0.1*) exec /usr/bin/curl \"$@\";; https://*) "
                        + "cp \"" + mirror + "/$(basename \"$a\")\" .;; esac; done",
                "install", "args=(); while [ $# -gt 0 ]; do case \"$1\" in -o|-g) shift;; *) args+=(\"$1\");; esac; "
                        + "shift; done; exec /usr/bin/install \"${args[@]}\"",
                "chown", "echo \"(stand-in) chown $*\"",
                "systemctl", "echo \"(stand-in) systemctl $*\"",
                "journalctl", "echo \"(stand-in) journalctl $*\"");
        for (Map.Entry<String, String> script : scripts.entrySet()) {
            Path file = bin.resolve(script.getKey());
            Files.writeString(file, "#!/usr/bin/env bash\nset -euo pipefail\n" + script.getValue() + "\n");
            file.toFile().setExecutable(true);
        }
        return bin;
    }

    /** Runs the documented install block with bash, as written but for {@link #siteValues()} and the paths. */
    private void runDocumentedSteps(Path downloads) throws Exception {
        List<String> script = new ArrayList<>(List.of("set -euxo pipefail", "export PATH=" + standIns() + ":$PATH"));
        documentedBlock(SITE_START, SITE_END); // present, and replaced as a whole:
        script.addAll(siteValues());
        for (String line : documentedBlock(START, END)) {
            script.add(prefixRootInCommand(line));
        }
        Path file = dir.resolve("install.sh");
        Files.write(file, script, StandardCharsets.UTF_8);
        LoggedProcess.run("the documented install steps", List.of("bash", file.toString()), downloads,
                dir.resolve("install.log"), Duration.ofMinutes(2));
        assertTrue(Files.readString(dir.resolve("install.log")).contains(": OK"), "sha512sum -c checked the download");
    }

    /**
     * The one place where the operator page's blocks for a running host (the JMX example, reading the dead letter
     * queue) meet this machine: the JMX port and the broker's address the test chose, this host's connector name
     * for resolver1's, every absolute path under the test's root. jmxterm-uber.jar is the one Maven copied
     * (target/jmxterm), the Kafka scripts are the distribution's, first on PATH.
     */
    private String onThisHost(String line, int jmxPort, String connector) {
        return prefixRootInCommand(line).replace("127.0.0.1:9999", "127.0.0.1:" + jmxPort)
                .replace("resolver-file-sink-resolver1", connector)
                .replace("kafka1.example.net:9092", broker.bootstrapServers());
    }

    /** Runs the fenced block after {@code marker} in the operator's page with bash in {@code workDir}; its output. */
    private String runMarkedBlock(String marker, String label, Path workDir, java.util.function.UnaryOperator<String> site)
            throws Exception {
        List<io.github.kresconnect.filesink.docs.DocBlocks.Block> blocks = io.github.kresconnect.filesink.docs.DocBlocks
                .all().stream().filter(b -> b.file().equals(OPERATOR_DOC) && marker.equals(b.lineBefore())).toList();
        assertEquals(1, blocks.size(), "one block after " + marker + " in " + OPERATOR_DOC);
        List<String> script = new ArrayList<>(List.of("set -euo pipefail", "export PATH=" + dist.binDir() + ":$PATH"));
        blocks.get(0).lines().forEach(line -> script.add(site.apply(line)));
        Path file = dir.resolve(label + ".sh");
        Files.write(file, script, StandardCharsets.UTF_8);
        Path log = dir.resolve(label + ".log");
        LoggedProcess.run("the documented " + label, List.of("bash", file.toString()), workDir, log,
                Duration.ofMinutes(2));
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /**
     * The JMX example as written, with the documented password read from the installed file: jmxterm prints each
     * attribute the block names, with this host's values.
     */
    private void runDocumentedJmxExample(int jmxPort, String connector) throws Exception {
        Path jmxterm = KafkaDistribution.projectDir().resolve("connector/target/jmxterm/jmxterm-uber.jar");
        assertTrue(Files.isRegularFile(jmxterm), jmxterm + " is copied by the build's pre-integration-test phase");
        Path workDir = Files.createDirectories(dir.resolve("jmxterm"));
        Files.copy(jmxterm, workDir.resolve("jmxterm-uber.jar"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String output = runMarkedBlock("<!-- jmx-example -->", "jmx-example", workDir,
                line -> onThisHost(line, jmxPort, connector));
        for (String attribute : List.of("files-published", "records-rejected", "sink-record-read-total",
                "offset-commit-completion-total", "total-record-errors", "deadletterqueue-produce-requests")) {
            Matcher value = Pattern.compile("(?m)^" + Pattern.quote(attribute) + " = (\\d+(?:\\.\\d+)?);$").matcher(output);
            assertTrue(value.find(), attribute + " in jmxterm's output:\n" + output);
            if (attribute.equals("files-published") || attribute.equals("records-rejected")
                    || attribute.equals("deadletterqueue-produce-requests")) {
                assertTrue(Double.parseDouble(value.group(1)) >= 1, attribute + " counts this run's files:\n" + output);
            }
        }
    }

    /**
     * Kafka's console consumer as the page shows it: the rejected record with its headers (this host, the file
     * name, the reason), no value.
     */
    private void runDocumentedDeadLetterRead(String connector) throws Exception {
        String output = runMarkedBlock("<!-- dlq-console -->", "dlq-console", dir, line -> onThisHost(line, 0, connector));
        String record = output.lines().filter(l -> l.contains("file-name:bad.yaml")).findFirst()
                .orElseThrow(() -> new AssertionError("no record of bad.yaml:\n" + output));
        assertTrue(record.contains("hostname:" + HOST), record);
        assertTrue(record.contains("__connect.errors.exception.message:"), record);
        assertTrue(record.contains("__connect.errors.topic:" + FileDeliveryScenario.TOPIC), record);
        assertFalse(record.contains("listen:"), "print.value=false: no content\n" + record);
    }

    /** Runs the documented check after the install: with the credentials the status answers, without them 401. */
    private void runDocumentedCheck(int restPort) throws Exception {
        List<String> script = new ArrayList<>(List.of("set -euo pipefail", "export PATH=" + standIns() + ":$PATH"));
        for (String line : documentedBlock(CHECK_START, CHECK_END)) {
            script.add(prefixRootInCommand(line).replace("127.0.0.1:8083", "127.0.0.1:" + restPort));
        }
        Path file = dir.resolve("check.sh");
        Files.write(file, script, StandardCharsets.UTF_8);
        Path log = dir.resolve("check.log");
        LoggedProcess.run("the documented check", List.of("bash", file.toString()), dir, log, Duration.ofMinutes(1));
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(output.contains("\"name\":\"resolver-file-sink-" + HOST + "\"") && output.contains("RUNNING"),
                output);
        assertTrue(output.contains(io.github.kresconnect.filesink.ResolverFileSinkConnector.class.getName()), output);
        assertTrue(output.strip().endsWith("]401"), "the last curl, without credentials, got 401:\n" + output);
    }

    /**
     * Nobody without the credentials may touch the connector: reading, changing (signatures off) or deleting it
     * is refused with 401, a wrong password too; with the credentials the same API answers.
     */
    private static void assertRestApiLocked(StandaloneWorkerProcess connect, String name) throws Exception {
        java.net.http.HttpRequest.Builder get = java.net.http.HttpRequest.newBuilder(
                connect.rest().resolve("/connectors/" + name + "/status")).GET();
        assertEquals(401, connect.send(get, false).statusCode(), "a GET without credentials");
        String config = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(Map.of(
                "connector.class", io.github.kresconnect.filesink.ResolverFileSinkConnector.class.getName(),
                "topics", FileDeliveryScenario.TOPIC, "signatures.required", "false"));
        assertEquals(401, connect.put("/connectors/" + name + "/config", config, false).statusCode(),
                "signatures turned off without credentials");
        assertEquals(401, connect.send(java.net.http.HttpRequest.newBuilder(connect.rest().resolve("/connectors/"
                + name)).DELETE(), false).statusCode(), "a DELETE without credentials");
        RestCredentials wrong = new RestCredentials(connect.credentials().user(), "wrong", null);
        assertEquals(401, connect.send(wrong.apply(java.net.http.HttpRequest.newBuilder(
                connect.rest().resolve("/connectors/" + name + "/status")).GET()), false).statusCode(), "a wrong password");
        assertEquals(200, connect.get("/connectors/" + name + "/status").statusCode(), "with the credentials");
        assertTrue(connect.getJson("/connectors/" + name + "/config").path("signatures.required").isMissingNode()
                || !"false".equals(connect.getJson("/connectors/" + name + "/config").path("signatures.required")
                        .asText()), "the config is unchanged");
    }

    /** The lines of the fenced block between two markers of the operator's page. */
    private static List<String> documentedBlock(String startMarker, String endMarker) throws IOException {
        String text = Files.readString(KafkaDistribution.projectDir().resolve(OPERATOR_DOC), StandardCharsets.UTF_8);
        int start = text.indexOf(startMarker);
        int end = text.indexOf(endMarker);
        if (start >= 0 && end > start) {
            return text.substring(start + startMarker.length(), end).lines()
                    .filter(l -> !l.startsWith("```")).toList();
        }
        throw new AssertionError("no " + startMarker + " ... " + endMarker + " block in " + OPERATOR_DOC);
    }

    /**
     * Each topic creation of the documented block (kafka-topics.sh --create, between the topics markers): its
     * topic, partitions and configs, through the Admin API, with one replica on the test's one broker.
     */
    private void createDocumentedTopics() throws Exception {
        String text = String.join("\n", documentedBlock(TOPICS_START, TOPICS_END)).replace("\\\n", " ");
        // The loop over the fleet's hosts (one receipts topic each) runs for this host, the fleet of the test: its
        // list of host names is a site value, like the brokers.
        Matcher loop = Pattern.compile("(?m)^for host in [^;]+; do").matcher(text);
        assertTrue(loop.find(), "the block creates a receipts topic per host:\n" + text);
        List<NewTopic> topics = new ArrayList<>();
        for (String line : text.lines().filter(l -> l.contains("kafka-topics.sh") && l.contains("--create")).toList()) {
            String topic = option(line, "--topic").replace("$host", HOST);
            int partitions = Integer.parseInt(option(line, "--partitions"));
            Map<String, String> configs = new HashMap<>();
            Matcher config = Pattern.compile("--config (\\S+)=(\\S+)").matcher(line);
            while (config.find()) {
                configs.put(config.group(1), config.group(2));
            }
            topics.add(new NewTopic(topic, partitions, (short) 1).configs(configs));
        }
        assertEquals(List.of(FileDeliveryScenario.TOPIC,
                ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name"),
                ShippedConfig.receiptsTopicOf(HOST)),
                topics.stream().map(NewTopic::name).toList(),
                "the documentation creates the topic, the dead letter queue and this host's receipts topic the "
                        + "configs name");
        broker.admin().createTopics(topics).all().get(30, TimeUnit.SECONDS);
    }

    private static String option(String line, String option) {
        Matcher m = Pattern.compile(Pattern.quote(option) + " (\\S+)").matcher(line);
        if (!m.find()) {
            throw new AssertionError(option + " missing in " + line);
        }
        return m.group(1);
    }

    /** {@code absolute} under the test's root. */
    private Path under(String absolute) {
        return Path.of(root + absolute);
    }

    /** A shell command with every absolute path of the layout under the root. */
    private String prefixRootInCommand(String line) {
        String out = line;
        for (String system : List.of("/etc/", "/usr/share/", "/var/", "/run/", "/opt")) {
            out = out.replaceAll("(?<=^|[\\s=:\"'])" + Pattern.quote(system), Matcher.quoteReplacement(root + system));
        }
        return out;
    }

    /** Puts every path of the layout in {@code file} under the root, and replaces {@code more}. */
    private void prefixRoot(Path file, Map<String, String> more) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        for (String system : SYSTEM_DIRS) {
            text = text.replace(system, root + system);
        }
        for (Map.Entry<String, String> e : more.entrySet()) {
            text = text.replace(e.getKey(), e.getValue());
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static Properties load(Path file) throws IOException {
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        return properties;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    /** The sink's consumer is a static member of its group, under this host's id. */
    private void assertStaticMember(String group) throws Exception {
        ConsumerGroupDescription description = broker.admin().describeConsumerGroups(List.of(group))
                .describedGroups().get(group).get(30, TimeUnit.SECONDS);
        List<String> ids = description.members().stream().map(MemberDescription::groupInstanceId)
                .map(id -> id.orElse("(dynamic)")).toList();
        assertEquals(List.of(HOST), ids, "the members of " + group);
    }

    /**
     * JMX answers on loopback with the documented password, read-only: the connector's metrics and the heap the
     * unit gives; no password, no access; no operations.
     */
    private static void assertJmx(int port, String password, String connector) throws Exception {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
        assertThrows(SecurityException.class, () -> JMXConnectorFactory.connect(url).close(), "no password, no JMX");
        assertThrows(SecurityException.class, () -> JMXConnectorFactory.connect(url,
                Map.of(JMXConnector.CREDENTIALS, new String[] {"monitor", "wrong"})).close(), "wrong password");
        try (JMXConnector jmx = JMXConnectorFactory.connect(url,
                Map.of(JMXConnector.CREDENTIALS, new String[] {"monitor", password}))) {
            MBeanServerConnection server = jmx.getMBeanServerConnection();
            ObjectName metrics = new ObjectName("io.github.kresconnect.filesink:type=task-metrics,connector=\""
                    + connector + "\",task=0");
            Await.until("files-published over JMX", Duration.ofSeconds(30),
                    () -> ((Number) server.getAttribute(metrics, "files-published")).longValue() >= 1);
            assertTrue(((Number) server.getAttribute(metrics, "records-rejected")).longValue() >= 1);
            long maxHeap = (Long) ((CompositeData) server.getAttribute(new ObjectName("java.lang:type=Memory"),
                    "HeapMemoryUsage")).get("max");
            assertTrue(maxHeap <= 256L * 1024 * 1024 && maxHeap > 200L * 1024 * 1024,
                    "the unit's -Xmx256m: max heap " + maxHeap);
            assertFalse(server.queryNames(new ObjectName("java.lang:type=GarbageCollector,name=MarkSweepCompact"),
                    null).isEmpty(), "the unit's serial collector: " + server.queryNames(new ObjectName(
                    "java.lang:type=GarbageCollector,*"), null));
            assertThrows(SecurityException.class, () -> server.invoke(new ObjectName("java.lang:type=Memory"), "gc",
                    null, null), "read-only: no operations");
            // Every attribute the operator page's jmxterm example reads exists (for this host's connector name).
            String doc = Files.readString(KafkaDistribution.projectDir().resolve(OPERATOR_DOC), StandardCharsets.UTF_8);
            List<String> gets = doc.lines().filter(l -> l.startsWith("get -b ")).toList();
            assertTrue(gets.size() >= 3, gets.toString());
            for (String get : gets) {
                String[] words = get.substring("get -b ".length()).replace("resolver-file-sink-resolver1", connector)
                        .split(" ");
                ObjectName bean = new ObjectName(words[0]);
                for (int i = 1; i < words.length; i++) {
                    String attribute = words[i];
                    Await.until(attribute + " of " + bean, Duration.ofSeconds(30), () -> {
                        try {
                            return server.getAttribute(bean, attribute) != null;
                        } catch (javax.management.InstanceNotFoundException e) {
                            return false;
                        }
                    });
                }
            }
        }
    }

    /**
     * Standard output (the journal) has the connector's INFO lines with their syslog priority, nothing at
     * DEBUG, and one line per rejected record: no error-reporter message and no stack trace at all.
     */
    private static void assertLogsAsShipped(String log) {
        List<String> lines = log.lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("<6>INFO ") && l.contains("Published 'block.rpz'")
                && l.contains("(io.github.kresconnect.")), "the connector's INFO line, with its logger");
        assertTrue(lines.stream().noneMatch(l -> l.contains("DEBUG ") && l.contains("(io.github.kresconnect")),
                "the connector logs at INFO");
        List<String> rejected = lines.stream().filter(l -> l.contains("Rejected record") && l.contains("'bad.yaml'"))
                .toList();
        assertEquals(1, rejected.size(), "one line per rejected record: " + rejected);
        assertTrue(rejected.get(0).startsWith("<3>ERROR "), rejected.get(0));
        assertTrue(lines.stream().noneMatch(l -> l.contains("Error encountered in task")),
                "the worker's error logger's copy of the connector's rejection is dropped by the shipped log4j config");
        List<String> traces = lines.stream().filter(l -> l.startsWith("\tat ") || l.startsWith("Caused by: ")).toList();
        assertEquals(List.of(), traces.subList(0, Math.min(5, traces.size())), "no stack trace in the journal");
    }
}
