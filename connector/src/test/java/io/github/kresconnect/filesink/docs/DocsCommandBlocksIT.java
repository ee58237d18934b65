package io.github.kresconnect.filesink.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.docs.DocBlocks.Block;

/**
 * The command blocks of the docs that run here, on this machine, as written: bin/resolver-publish (the packaged
 * jar, so after 'mvn package') against an embedded broker. The one change to a block is where it points: the
 * example brokers (kafka1:9092, kafka1:9093, kafka1.example.net:9092) are the embedded broker, and /etc/ is under
 * a temporary root. {@link DocsCommandBlocksTest} checks that every other command block names the test that runs
 * it.
 */
class DocsCommandBlocksIT {
    private static final Path PROJECT = DocBlocks.project();
    private static EmbeddedKafkaCluster kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() {
        kafka = new EmbeddedKafkaCluster(1, new Properties());
        kafka.start();
        kafka.createTopic("knot-resolver", 6);
        kafka.createTopic("knot-resolver-receipts.host.resolver1", 1); // a host's own receipts topic, empty
        for (String topic : List.of("knot-resolver.all", "knot-resolver.group.dc-east",
                "knot-resolver.host.resolver1")) {
            kafka.createTopic(topic, 1);
        }
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.stop();
        }
    }

    private record Run(int exitCode, String output) {
    }

    /** Runs the block's commands with bash in {@code cwd}, stdout and stderr together. */
    private Run run(Block block, Path cwd) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("etc/resolver-publish"));
        List<String> script = new ArrayList<>(List.of("set -euo pipefail"));
        for (String line : block.commands()) {
            script.add(line.replace("kafka1.example.net:9092", kafka.bootstrapServers())
                    .replace("kafka1:9092", kafka.bootstrapServers()).replace("kafka1:9093", kafka.bootstrapServers())
                    .replace(" /etc/", " " + root + "/etc/"));
        }
        Path file = dir.resolve("block-" + block.line() + ".sh");
        Files.write(file, script, StandardCharsets.UTF_8);
        if (!Files.exists(cwd.resolve("bin")) && !cwd.equals(PROJECT)) {
            Files.createSymbolicLink(cwd.resolve("bin"), PROJECT.resolve("bin"));
        }
        ProcessBuilder builder = new ProcessBuilder("bash", file.toString()).directory(cwd.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("out-" + block.line() + ".txt").toFile());
        builder.environment().put("PATH", PROJECT.resolve("bin") + ":" + System.getenv("PATH"));
        builder.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        builder.environment().put("RESOLVER_PUBLISH_JAVA_OPTS", "-Xmx128m");
        Process process = builder.start();
        try {
            assertTrue(process.waitFor(180, TimeUnit.SECONDS), block + " did not finish");
        } finally {
            process.destroyForcibly();
        }
        String output = Files.readString(dir.resolve("out-" + block.line() + ".txt"), StandardCharsets.UTF_8)
                .replace(root.toString(), "");
        System.out.println("== " + block + " exit " + process.exitValue() + "\n" + output);
        return new Run(process.exitValue(), output);
    }

    private Path workspace(String name) throws Exception {
        Path cwd = Files.createDirectories(dir.resolve(name));
        Files.writeString(cwd.resolve("block.rpz"), "block.example. CNAME .\n");
        Files.writeString(cwd.resolve("extra.rpz"), "extra.example. CNAME .\n");
        Files.writeString(cwd.resolve("config.yaml"), "rpz:\n  - file: block.rpz\n");
        Files.writeString(cwd.resolve("config.json"), "{\"rpz\": [{\"file\": \"block.rpz\"}]}\n");
        return cwd;
    }

    @Test
    void componentZipIsWhereTheOperatorPageSays() throws Exception {
        Block block = DocBlocks.command("ls connector/target/components/packages/");
        List<String> commands = block.commands().stream().filter(l -> !l.startsWith("#")).toList();
        assertEquals(List.of("mvn -B package", "ls connector/target/components/packages/"), commands,
                "the mvn line is the build that ran before this test");
        ProcessBuilder ls = new ProcessBuilder("bash", "-c", commands.get(1)).directory(PROJECT.toFile())
                .redirectErrorStream(true);
        Process process = ls.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, process.waitFor());
        String shown = block.lines().get(block.lines().size() - 1).replaceFirst("^# ", "");
        assertTrue(output.matches(shown.replace(".", "\\.").replace("<version>", "[0-9][^/]*")),
                output + " against " + shown);
    }

    @Test
    void publisherExamplesRunAsWritten() throws Exception {
        Block block = DocBlocks.command(
                "bin/resolver-publish --bootstrap-server kafka1:9092 --zone dc-east --dry-run --partitions 6 *.rpz");
        Path cwd = workspace("examples");
        // A stand-in: the embedded broker speaks PLAINTEXT, so the producer config names it.
        Files.writeString(cwd.resolve("client-ssl.properties"), "security.protocol=PLAINTEXT\n");
        Run run = run(block, cwd);
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("Key id: "), run.output());
    }

    @Test
    void refusedFilesAreListedAsShown() throws Exception {
        Block block = DocBlocks.command(
                "resolver-publish --bootstrap-server kafka1:9092 --to resolver1 block.rpz x.tmp=./x.rpz ./config.json");
        Path cwd = workspace("refused");
        Files.writeString(cwd.resolve("x.rpz"), "x.example. CNAME .\n");
        Files.writeString(cwd.resolve("config.json"), "{\"a\":1,\"a\":2}\n");
        Run run = run(block, cwd);
        assertEquals(9, run.exitCode(), run.output());
        assertEquals(block.output(), run.output().lines().toList());
    }

    @Test
    void republishingAFixedConfigRunsAsWritten() throws Exception {
        Run run = run(DocBlocks.command(
                "resolver-publish --bootstrap-server kafka1.example.net:9092 --to resolver1 config.yaml=./config.yaml"),
                workspace("republish"));
        assertEquals(0, run.exitCode(), run.output());
    }

    @Test
    void perGroupRoutingRunsAsWritten() throws Exception {
        Run run = run(DocBlocks.command(
                "bin/resolver-publish --bootstrap-server kafka1:9092 --layout per-group --to-all block.rpz"),
                workspace("per-group"));
        assertEquals(0, run.exitCode(), run.output());
        assertEquals("*", key(single("knot-resolver.all")));
        assertEquals("dc-east", key(single("knot-resolver.group.dc-east")));
        org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> own = single("knot-resolver.host.resolver1");
        assertEquals("resolver1", new String(own.headers().lastHeader("hostname").value(), StandardCharsets.UTF_8));
        assertEquals("config.yaml", key(own));
    }

    /** The one record of {@code topic}. */
    private static org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> single(String topic) {
        List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        kafka.consume(1, 30_000, topic).forEach(records::add);
        assertEquals(1, records.size(), topic);
        return records.get(0);
    }

    private static String key(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record) {
        return new String(record.key(), StandardCharsets.UTF_8);
    }

    @Test
    void statusRunsAsWritten() throws Exception {
        Run run = run(DocBlocks.command("resolver-publish status --bootstrap-server kafka1:9092"), workspace("status"));
        assertEquals(0, run.exitCode(), run.output());
    }

    @Test
    void freshnessStatementIsSentAsThePublisherPageShows() throws Exception {
        Path cwd = workspace("statement");
        Run keygen = run(DocBlocks.command("resolver-publish keygen --out /etc/resolver-publish/signing"), cwd);
        assertEquals(0, keygen.exitCode(), keygen.output());
        Run run = run(DocBlocks.command("resolver-publish statement --bootstrap-server kafka1:9092 --topic knot-resolver"),
                cwd);
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().startsWith("Sent statement ") && run.output().contains("to 6 partition(s) of "
                + "'knot-resolver'"), run.output());
    }

    @Test
    void keygenPrintsWhatTheSecurityPageShows() throws Exception {
        Block block = DocBlocks.command("resolver-publish keygen --out /etc/resolver-publish/signing");
        Run run = run(block, workspace("keygen"));
        assertEquals(0, run.exitCode(), run.output());
        Block shown = DocBlocks.next(block);
        assertEquals(withoutKey(String.join("\n", shown.lines())), withoutKey(run.output().strip()));
    }

    /** The key and its id, which differ from run to run. */
    private static String withoutKey(String text) {
        return text.replaceAll("Key id: [0-9a-f]{16}", "Key id: ID").replaceAll("MCowBQYDK2VwAyEA[A-Za-z0-9+/=]{44}", "KEY");
    }
}
