package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command as operators run it: bin/resolver-publish starting the packaged jar (built by 'mvn package')
 * in its own JVM. Proves the jar carries the Kafka client, that exit codes reach the shell, and that memory
 * does not grow with file size: the file sent is larger than the JVM's whole heap.
 */
class PublishLauncherIT {
    private static final Path PROJECT = Path.of(System.getProperty("user.dir"));
    private static final Path LAUNCHER = PROJECT.resolve("bin/resolver-publish");

    private static EmbeddedKafkaCluster kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws IOException {
        try (Stream<Path> jars = Files.list(PROJECT.resolve("publisher/target"))) {
            assertTrue(jars.anyMatch(p -> p.getFileName().toString().matches("resolver-publish-.*\\.jar")),
                    "publisher/target/resolver-publish-*.jar is missing: run 'mvn verify', which packages it first");
        }
        kafka = new EmbeddedKafkaCluster(1, new java.util.Properties());
        kafka.start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.stop();
        }
    }

    private record Result(int exitCode, String out, String err) {
    }

    private Result launch(String heap, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        builder.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        builder.environment().put("RESOLVER_PUBLISH_JAVA_OPTS", "-Xmx" + heap);
        Process process = builder.start();
        try {
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "resolver-publish did not finish");
        } finally {
            process.destroyForcibly();
        }
        return new Result(process.exitValue(), Files.readString(dir.resolve("out.txt")),
                Files.readString(dir.resolve("err.txt")));
    }

    @Test
    void theCommandsJarIsNoPluginForAWorker() throws Exception {
        Path jar;
        try (Stream<Path> jars = Files.list(PROJECT.resolve("publisher/target"))) {
            jar = jars.filter(p -> p.getFileName().toString().matches("resolver-publish-.*\\.jar")).findFirst()
                    .orElseThrow();
        }
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            assertTrue(zip.getEntry("org/apache/kafka/clients/producer/KafkaProducer.class") != null,
                    "the command carries the Kafka client");
            assertEquals(null, zip.getEntry("META-INF/services/org.apache.kafka.connect.sink.SinkConnector"),
                    "no ServiceLoader manifest: a worker must not load a jar with its own Kafka client as a plugin");
        }
    }

    @Test
    void theJarValidatesConfigsAsTheConnectorDoes() throws Exception {
        Path json = Files.writeString(dir.resolve("config.json"), "{\"a\":1,\"a\":2}");
        Path yaml = Files.writeString(dir.resolve("config.yaml"), "a: [1\n");
        Path good = Files.writeString(dir.resolve("good.yaml"), "a: 1\n");
        Result refused = launch("64m", "--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--dry-run",
                "--partitions", "1", json.toString(), yaml.toString());
        assertEquals(9, refused.exitCode(), refused.err());
        assertTrue(refused.err().contains("invalid config file 'config.json': JSON: Duplicate field 'a'"),
                refused.err());
        assertTrue(refused.err().contains("invalid config file 'config.yaml': YAML: "), refused.err());
        Result accepted = launch("64m", "--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--dry-run",
                "--partitions", "1", good.toString());
        assertEquals(0, accepted.exitCode(), accepted.err());
    }

    @Test
    void helpAndUsageErrorsReachTheShell() throws Exception {
        Result help = launch("64m", "--help");
        assertEquals(0, help.exitCode(), help.err());
        assertTrue(help.out().startsWith("Usage: resolver-publish"), help.out());
        Result usage = launch("64m", "--to");
        assertEquals(2, usage.exitCode(), usage.err());
    }

    @Test
    void aFileLargerThanTheHeapIsStreamedIntact() throws Exception {
        kafka.createTopic("knot-resolver", 2);
        Path file = dir.resolve("large.rpz");
        MessageDigest written = MessageDigest.getInstance("SHA-256");
        Random random = new Random(11);
        byte[] block = new byte[1024 * 1024];
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), written)) {
            for (int i = 0; i < 64; i++) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        Result run = launch("32m", "--bootstrap-server", kafka.bootstrapServers(), "--to", "resolver1",
                "zones/large.rpz=" + file);
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("Done: 1 file, 128 records acknowledged, 64.0 MiB"), run.err());
        assertFalse(run.err().contains("SLF4J"), run.err());

        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        kafka.consumeAll(60_000, "knot-resolver").forEach(records::add);
        records.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        assertEquals(128, records.size());
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        String writtenHex = HexFormat.of().formatHex(written.digest());
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<byte[], byte[]> record = records.get(i);
            assertEquals(Integer.toString(i + 1), new String(record.headers().lastHeader("chunk-index").value(),
                    StandardCharsets.UTF_8));
            // The digest announced on every chunk was computed by streaming the file, within the small heap.
            assertEquals(writtenHex, new String(record.headers().lastHeader("file-sha256").value(),
                    StandardCharsets.UTF_8));
            assertEquals("67108864", new String(record.headers().lastHeader("file-length").value(),
                    StandardCharsets.UTF_8));
            received.update(record.value());
        }
        assertEquals(writtenHex, HexFormat.of().formatHex(received.digest()));

        Result missingTopic = launch("64m", "--bootstrap-server", kafka.bootstrapServers(), "--topic", "absent",
                "--to", "resolver1", file.toString());
        assertEquals(6, missingTopic.exitCode(), missingTopic.err());
    }
}
