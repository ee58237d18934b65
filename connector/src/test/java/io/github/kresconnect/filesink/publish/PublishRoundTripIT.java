package io.github.kresconnect.filesink.publish;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.connect.util.clusters.EmbeddedConnectStandalone;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.EmbeddedResolverWorker;


/**
 * Files published with the command arrive byte-identical in the files directory of a real standalone worker
 * running the connector, addressed by host name and by zone id.
 */
class PublishRoundTripIT {
    private static final String TOPIC = EmbeddedResolverWorker.TOPIC;
    private static final String CONNECTOR = "resolver-file-sink-resolver1";

    @TempDir
    static Path work;

    private static Path filesDir;
    private static EmbeddedResolverWorker worker;
    private static EmbeddedConnectStandalone connect;

    @BeforeAll
    static void startWorker() throws Exception {
        filesDir = Files.createDirectory(work.resolve("files"));
        worker = EmbeddedResolverWorker.start(3);
        connect = worker.connect();
        worker.runConnector(CONNECTOR, Map.of(
                "files.dir", filesDir.toString(),
                "recipient.mode", "hostname-or-zone-id",
                "resolver.hostname", "resolver1",
                "resolver.zone.ids", "dc-east",
                "manager.notify.enabled", "false"));
    }

    @AfterAll
    static void stopWorker() {
        if (worker != null) {
            worker.close();
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(Files.createTempDirectory(work, "src").resolve(name), content);
    }

    private static PublisherRun publish(String... args) {
        return PublisherRun.against(connect.kafka().bootstrapServers(), args);
    }

    @Test
    void publishedFilesArriveByteIdentical() throws Exception {
        byte[] zone = random(3 * 512 * 1024 + 1234, 1);
        byte[] small = "example.com CNAME .\n".getBytes(UTF_8);
        byte[] config = "network:\n  listen:\n    - interface: 127.0.0.1@53\n"
                .getBytes(UTF_8);
        byte[] zoneForGroup = random(250_000, 2);
        byte[] foreign = random(100, 3);

        PublisherRun host = publish("--to", "resolver1", write("config.yaml", config).toString(),
                "rpz/block.rpz=" + write("block.rpz", zone), write("small.rpz", small).toString());
        assertEquals(0, host.exitCode(), host::toString);
        PublisherRun group = publish("--zone", "dc-east", "--chunk-size", "100000",
                "rpz/group.rpz=" + write("group.rpz", zoneForGroup));
        assertEquals(0, group.exitCode(), group::toString);
        PublisherRun other = publish("--to", "resolver2", "--zone", "dc-west", write("other.rpz", foreign).toString());
        assertEquals(2, other.exitCode(), "--to and --zone together are refused");
        // On resolver1's partition, so the marker below proves the connector has seen (and skipped) it.
        PublisherRun otherHost = publish("--to", "resolver2", "--partition",
                Integer.toString(RecipientPartitioner.partition("resolver1", 3)), write("other.rpz", foreign).toString());
        assertEquals(0, otherHost.exitCode(), otherHost::toString);
        // Sent last, on resolver1's partition: once it is on disk, every earlier record there was handled.
        byte[] marker = "last\n".getBytes(UTF_8);
        assertEquals(0, publish("--to", "resolver1", write("marker.rpz", marker).toString()).exitCode());

        awaitFile("rpz/block.rpz", zone);
        awaitFile("small.rpz", small);
        awaitFile("config.yaml", config);
        awaitFile("rpz/group.rpz", zoneForGroup);
        awaitFile("marker.rpz", marker);
        assertFalse(Files.exists(filesDir.resolve("other.rpz")), "a file for resolver2 was written");
    }

    private static void awaitFile(String name, byte[] expected) throws Exception {
        Path file = filesDir.resolve(name);
        long deadline = System.nanoTime() + 60_000_000_000L;
        byte[] actual = null;
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                actual = Files.readAllBytes(file);
                if (Arrays.equals(expected, actual)) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        assertEquals(expected.length, actual == null ? -1 : actual.length, name + " size on disk");
        throw new AssertionError(name + " on disk differs from the file published");
    }
}
