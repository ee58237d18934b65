package io.github.kresconnect.filesink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.notify.ChangeNotifier;
import io.github.kresconnect.filesink.notify.ChangedFile;
import io.github.kresconnect.filesink.notify.ManagerRequest;
import io.github.kresconnect.filesink.notify.ManagerRequestListener;
import io.github.kresconnect.filesink.receipts.EncodedReceipt;
import io.github.kresconnect.filesink.receipts.Receipt;
import io.github.kresconnect.filesink.receipts.ReceiptSender;
import io.github.kresconnect.filesink.receipts.TaskReceipts;
import io.github.kresconnect.filesink.store.FileKind;
import io.github.kresconnect.filesink.store.MutableClock;

/** The task's one call per outcome: what each record and each manager request produces as a receipt. */
class TaskReceiptsTest {
    @TempDir
    Path dir;

    private final RecordingSinkTaskContext context = new RecordingSinkTaskContext();
    private final MutableClock clock = new MutableClock();
    private final List<Receipt> sent = new ArrayList<>();
    private ManagerRequestListener managerListener;
    /** What the notifier was told would change, as "name transferId sha256". */
    private final List<String> changing = new ArrayList<>();
    private ResolverFileSinkTask task;
    private long offset;

    private void start(ReceiptSender.Transport transport) {
        Map<String, String> props = new HashMap<>(Map.of("name", "sink-r1", "files.dir", dir.toString(),
                "resolver.hostname", "resolver1", "errors.tolerance", "all", "receipts.topic", "receipts",
                "receipts.bootstrap.servers", "localhost:1"));
        task = new ResolverFileSinkTask((config, listener) -> {
            managerListener = listener;
            return new ChangeNotifier() {
                @Override
                public void fileChanging(FileKind kind) {
                }

                @Override
                public void fileChanging(FileKind kind, List<ChangedFile> files) {
                    files.forEach(file -> changing.add(file.name() + " " + file.transferId() + " " + file.sha256()));
                }

                @Override
                public void filesPublished() {
                }

                @Override
                public void close() {
                }
            };
        }, (config, name, metrics, clock) -> new TaskReceipts(new ReceiptSender(() -> transport,
                metrics.receiptCounters(), config.receiptsQueueMax(), Duration.ofSeconds(5)), config.hostname(),
                "machine1", name, "test", clock::millis, config.filesDir()), clock);
        task.initialize(context);
        task.start(props);
    }

    private ReceiptSender.Transport recording() {
        return new ReceiptSender.Transport() {
            @Override
            public List<EncodedReceipt> send(List<EncodedReceipt> batch) {
                synchronized (sent) {
                    batch.forEach(receipt -> sent.add(receipt.decode()));
                    sent.notifyAll();
                }
                return List.of();
            }

            @Override
            public String description() {
                return "recording";
            }

            @Override
            public void close() {
            }
        };
    }

    private List<Receipt> awaitReceipts(int count) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        synchronized (sent) {
            while (sent.size() < count && System.currentTimeMillis() < deadline) {
                sent.wait(100);
            }
            return List.copyOf(sent);
        }
    }

    @AfterEach
    void stop() {
        if (task != null) {
            task.stop();
        }
    }

    @Test
    void everyFileOutcomeAndManagerRequestHasItsReceipt() throws Exception {
        start(recording());
        task.put(List.of(record("a.rpz", "zone", id("t1"))));
        task.preCommit(Map.of());
        task.put(List.of(record("a.rpz", "zone", id("t2")))); // same content: unchanged
        task.put(List.of(record("bad.yaml", "{not: [yaml", id("t3")))); // invalid config: rejected
        task.preCommit(Map.of());
        managerListener.outcome(ManagerRequest.RELOAD, true, Optional.of("e1"), Optional.of("e2"), null);
        List<Receipt> receipts = awaitReceipts(4);
        assertEquals(4, receipts.size(), receipts.toString());

        Receipt published = receipts.stream().filter(r -> r.outcome().equals(Receipt.PUBLISHED)).findFirst()
                .orElseThrow();
        assertEquals("a.rpz", published.file());
        assertEquals("resolver1", published.host());
        assertEquals("machine1", published.machine());
        assertEquals(4, published.length());
        assertEquals(id("t1"), published.transferId());
        assertEquals("knot-resolver", published.topic());
        assertEquals(0, published.offset());
        assertEquals("sink-r1", published.connector());

        assertEquals(List.of("a.rpz " + id("t1") + " " + published.sha256()), changing,
                "the notifier hears which files the request is for");

        Receipt unchanged = receipts.stream().filter(r -> r.outcome().equals(Receipt.UNCHANGED)).findFirst()
                .orElseThrow();
        assertEquals(id("t2"), unchanged.transferId());
        assertEquals(published.sha256(), unchanged.sha256());

        Receipt rejected = receipts.stream().filter(r -> r.outcome().equals(Receipt.REJECTED)).findFirst()
                .orElseThrow();
        assertEquals("bad.yaml", rejected.file());
        assertEquals(id("t3"), rejected.transferId());
        assertEquals(2, rejected.offset());
        assertTrue(rejected.reason() != null && !rejected.reason().isBlank());
        assertTrue(rejected.reasonCode() != null);

        Receipt manager = receipts.stream().filter(Receipt::isManager).findFirst().orElseThrow();
        assertEquals("reload", manager.request());
        assertEquals(Receipt.ACCEPTED, manager.outcome());
        assertTrue(manager.configChanged());
        // Counted once the transport has returned, which is after it recorded them.
        assertEquals(4L, awaitMetric("receipts-sent", 4L));
    }

    private Object awaitMetric(String name, Object value) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!value.equals(task.metrics().snapshot().get(name)) && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        return task.metrics().snapshot().get(name);
    }

    @Test
    void aTransportThatNeverAnswersDoesNotHoldFilesBack() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        start(new ReceiptSender.Transport() {
            @Override
            public List<EncodedReceipt> send(List<EncodedReceipt> batch) throws Exception {
                never.await(30, TimeUnit.SECONDS);
                throw new IllegalStateException("unreachable");
            }

            @Override
            public String description() {
                return "stuck";
            }

            @Override
            public void close() {
            }
        });
        for (int i = 0; i < 20; i++) {
            task.put(List.of(record("f" + i + ".rpz", "zone " + i, null)));
        }
        task.preCommit(Map.of());
        assertEquals("zone 19", Files.readString(dir.resolve("f19.rpz")));
        never.countDown();
    }

    private static ReceiptSender.Transport unreachable() {
        return new ReceiptSender.Transport() {
            @Override
            public List<EncodedReceipt> send(List<EncodedReceipt> batch) {
                throw new IllegalStateException("broker unreachable");
            }

            @Override
            public String description() {
                return "unreachable";
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void receiptsNotSentBeforeAStopAreSentAfterTheNextStartAndOnlyOnce() throws Exception {
        start(unreachable());
        task.put(List.of(record("a.rpz", "zone", id("t1"))));
        task.put(List.of(record("bad.yaml", "{not: [yaml", id("t2"))));
        task.preCommit(Map.of());
        assertEquals("zone", Files.readString(dir.resolve("a.rpz")));
        managerListener.outcome(ManagerRequest.RENEW, true, Optional.of("e1"), Optional.of("e1"), null);
        task.stop();
        assertEquals(0L, task.metrics().snapshot().get("receipts-dropped"), "kept, not dropped");

        start(recording());
        List<Receipt> receipts = awaitReceipts(3);
        assertEquals(List.of("rejected bad.yaml", "published a.rpz", "accepted renew"), receipts.stream()
                .map(r -> r.outcome() + " " + (r.isManager() ? r.request() : r.file()))
                .sorted(java.util.Comparator.reverseOrder()).toList());
        assertEquals(id("t1"), receipts.stream().filter(r -> r.file().equals("a.rpz")).findFirst().orElseThrow()
                .transferId());
        task.put(List.of(record("b.rpz", "zone b", id("t3"))));
        task.preCommit(Map.of()); // also journals the acknowledgements
        awaitReceipts(4);
        task.stop();

        synchronized (sent) {
            sent.clear();
        }
        start(recording());
        task.put(List.of(record("c.rpz", "zone c", id("t4"))));
        task.preCommit(Map.of());
        assertEquals(List.of("published c.rpz"), awaitReceipts(1).stream().map(r -> r.outcome() + " " + r.file())
                .toList(), "acknowledged receipts are not sent again");
    }

    /** A valid transfer id named by a digit. */
    private static String id(String name) {
        return String.valueOf(name.charAt(1)).repeat(32);
    }

    private SinkRecord record(String name, String content, String transferId) {
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("hostname", "resolver1");
        headers.addString("file-name", name);
        if (transferId != null) {
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            headers.addString("transfer-id", transferId);
            headers.addString("file-length", Long.toString(bytes.length));
            headers.addString("file-sha256", io.github.kresconnect.filesink.protocol.TransferIntegrity.sha256Hex(
                    io.github.kresconnect.filesink.protocol.TransferIntegrity.newSha256().digest(bytes)));
        }
        return new SinkRecord("knot-resolver", 0, Schema.STRING_SCHEMA, name, Schema.BYTES_SCHEMA,
                content.getBytes(StandardCharsets.UTF_8), offset++, null, null, headers);
    }
}
