package io.github.kresconnect.filesink.notify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.EmbeddedResolverWorker;

/**
 * The notification path end to end, on a real KRaft broker and standalone worker, with the fake manager on a
 * Unix socket: a chunked RPZ zone followed by a config yields exactly one reload, one quiet period after the
 * last file, and no renew (the reload covers it).
 */
class ManagerNotificationIT {
    private static final String CONNECTOR = "resolver-file-sink-notify";
    private static final int CHUNK = EmbeddedResolverWorker.CHUNK;
    private static final long QUIET_MS = 1_500;

    @TempDir
    static Path work;

    private static Path filesDir;
    private static FakeManager manager;
    private static EmbeddedResolverWorker worker;

    @BeforeAll
    static void start() throws Exception {
        filesDir = Files.createDirectory(work.resolve("files"));
        manager = FakeManager.start(work.resolve("kres-api.sock"));
        worker = EmbeddedResolverWorker.start(1);
        worker.runConnector(CONNECTOR, Map.of(
                "files.dir", filesDir.toString(),
                "resolver.hostname", "resolver1",
                "manager.socket.path", manager.socket().toString(),
                "notify.quiet.period.ms", Long.toString(QUIET_MS),
                "notify.max.delay.ms", "60000"));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (worker != null) {
                worker.close();
            }
        } finally {
            if (manager != null) {
                manager.close();
            }
        }
    }

    @Test
    void aChunkedZoneThenAConfigYieldOneReloadOneQuietPeriodAfterTheLastFile() throws Exception {
        byte[] zone = new byte[3 * CHUNK + 777];
        new Random(7).nextBytes(zone);
        byte[] config = "network:\n  listen:\n    - interface: 127.0.0.1@53\n".getBytes(StandardCharsets.UTF_8);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(EmbeddedResolverWorker.chunked("resolver1", "zones/block.rpz", zone, 0));
        records.add(EmbeddedResolverWorker.file("resolver1", "config.yaml", config, 0));
        worker.send(records);

        long configPublishedAt = awaitContent(filesDir.resolve("config.yaml"), config, Duration.ofSeconds(60));
        assertArrayEquals(zone, Files.readAllBytes(filesDir.resolve("zones/block.rpz")), "zone published first");

        FakeManager.Request reload = manager.awaitPosts(1, Duration.ofSeconds(30)).get(0);
        assertEquals("/reload", reload.path());
        assertEquals("unix", reload.transport());
        long afterPublishMs = (reload.nanoTime() - configPublishedAt) / 1_000_000;
        // The trigger precedes the rename and polling sees the file a little later (more on a loaded machine),
        // hence the allowance below the quiet period; an undebounced request would come at once.
        assertTrue(afterPublishMs >= QUIET_MS - 500 && afterPublishMs <= QUIET_MS + 1_500,
                "reload came " + afterPublishMs + " ms after the config was published");

        // Nothing more: the renew for the zone was absorbed by the reload, and nothing else is owed.
        assertThrows(TimeoutException.class, () -> manager.awaitPosts(2, Duration.ofMillis(2 * QUIET_MS)),
                () -> "expected one reload only: " + manager.posts());
        assertEquals(List.of("/reload"), manager.posts().stream().map(FakeManager.Request::path).toList());
        assertFalse(Files.exists(filesDir.resolve(".resolver-file-sink/pending-notification")),
                "the accepted reload cleared the persisted request");
    }

    /** Polls until the file has exactly this content; returns System.nanoTime() of that observation. */
    private static long awaitContent(Path file, byte[] content, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Arrays.equals(content, Files.readAllBytes(file))) {
                return System.nanoTime();
            }
            Thread.sleep(5);
        }
        throw new AssertionError(file + " was not published within " + timeout);
    }

}
