package io.github.kresconnect.filesink.receipts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class ReceiptSenderTest {
    /** Counts as the task's metrics would. */
    static final class Counts implements ReceiptSender.Counters {
        final AtomicInteger sent = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger dropped = new AtomicInteger();

        @Override
        public void sent(int count) {
            sent.addAndGet(count);
        }

        @Override
        public void failed(int count) {
            failed.addAndGet(count);
        }

        @Override
        public void dropped(int count) {
            dropped.addAndGet(count);
        }
    }

    /** A transport that blocks until released, or fails while told to. */
    static final class Scripted implements ReceiptSender.Transport {
        final List<Receipt> delivered = new ArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean failing = new AtomicBoolean();
        volatile boolean block;
        volatile String problem;

        @Override
        public java.util.Optional<String> check() {
            return java.util.Optional.ofNullable(problem);
        }

        @Override
        public List<EncodedReceipt> send(List<EncodedReceipt> batch) throws Exception {
            if (block) {
                release.await();
            }
            if (failing.get()) {
                throw new IllegalStateException("broker unreachable");
            }
            synchronized (delivered) {
                batch.forEach(receipt -> delivered.add(receipt.decode()));
            }
            return List.of();
        }

        List<String> files() {
            synchronized (delivered) {
                return delivered.stream().map(Receipt::file).toList();
            }
        }

        @Override
        public String description() {
            return "scripted";
        }

        @Override
        public void close() {
        }
    }

    private static Receipt receipt(int i) {
        // As ReceiptTest.published (the protocol module's test of the schema).
        return new Receipt(Receipt.KIND_FILE, "h", "m-h", "f" + i, 4, "ab".repeat(32), "t" + i, 17,
                Receipt.PUBLISHED, null, null, null, null, null, 1_700_000_000_000L, "knot-resolver", 2, 42,
                "sink-h", "1.0");
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void offerNeverBlocksAndDropsTheOldestWhenFull() throws Exception {
        Scripted transport = new Scripted();
        transport.block = true;
        Counts counts = new Counts();
        ReceiptSender sender = new ReceiptSender(() -> transport, counts, 3, Duration.ofMillis(100));
        sender.offer(receipt(0)); // taken by the blocked transport
        await(() -> sender.queued() == 0);
        long started = System.nanoTime();
        for (int i = 1; i <= 10; i++) {
            sender.offer(receipt(i));
        }
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(1), "offer must not wait for the network");
        assertEquals(3, sender.queued());
        assertEquals(7, counts.dropped.get());
        transport.block = false;
        transport.release.countDown();
        await(() -> transport.files().size() == 4);
        assertEquals(List.of("f0", "f8", "f9", "f10"), transport.files()); // the newest are kept, in order
        assertEquals(4, counts.sent.get());
        sender.close();
    }

    @Test
    void failuresAreRetriedUntilDeliveredAtLeastOnce() throws Exception {
        Scripted transport = new Scripted();
        transport.failing.set(true);
        Counts counts = new Counts();
        ReceiptSender sender = new ReceiptSender(() -> transport, counts, 100, Duration.ofMillis(100));
        for (int i = 0; i < 5; i++) {
            sender.offer(receipt(i));
        }
        await(() -> counts.failed.get() >= 10); // at least two attempts
        assertEquals(0, counts.sent.get());
        transport.failing.set(false);
        await(() -> counts.sent.get() == 5);
        assertEquals(List.of("f0", "f1", "f2", "f3", "f4"), transport.files());
        assertEquals(0, counts.dropped.get());
        sender.close();
    }

    @Test
    void aTransportThatCannotBeMadeIsRetriedToo() throws Exception {
        Scripted transport = new Scripted();
        AtomicInteger attempts = new AtomicInteger();
        Counts counts = new Counts();
        ReceiptSender sender = new ReceiptSender(() -> {
            if (attempts.incrementAndGet() < 3) {
                throw new IllegalStateException("No resolvable bootstrap urls");
            }
            return transport;
        }, counts, 100, Duration.ofMillis(100));
        sender.offer(receipt(1));
        await(() -> counts.sent.get() == 1);
        // The first attempt is the check at start, which sends nothing; the second is the first send's.
        assertEquals(1, counts.failed.get());
        assertEquals(3, attempts.get());
        sender.close();
    }

    @Test
    void aProblemFoundAtStartIsOneErrorAndReceiptsAreKeptUntilItIsFixed() throws Exception {
        Scripted transport = new Scripted();
        transport.problem = "topic 'r.host.h' does not exist there: create it (kafka-topics.sh ...)";
        transport.failing.set(true);
        Counts counts = new Counts();
        try (io.github.kresconnect.filesink.notify.CapturedLog log = io.github.kresconnect.filesink.notify.CapturedLog
                .of("io.github.kresconnect.filesink.receipts")) {
            ReceiptSender sender = new ReceiptSender(() -> transport, counts, 100, Duration.ofMillis(100));
            sender.offer(receipt(1));
            await(() -> counts.failed.get() >= 2);
            List<String> errors = log.at(org.apache.logging.log4j.Level.ERROR).stream()
                    .map(io.github.kresconnect.filesink.notify.CapturedLog.Line::message).toList();
            assertEquals(1, errors.size(), errors.toString());
            assertTrue(errors.get(0).startsWith("Receipts cannot be sent to scripted: topic 'r.host.h' does not "
                    + "exist there: create it (kafka-topics.sh ...). Files are delivered meanwhile"), errors.get(0));
            transport.failing.set(false); // the operator created the topic
            await(() -> counts.sent.get() == 1);
            assertEquals(List.of("f1"), transport.files());
            assertEquals(0, counts.dropped.get());
            sender.close();
        }
    }

    @Test
    void closeReturnsWithinItsTimeoutAndCountsWhatIsLeft() throws Exception {
        Scripted transport = new Scripted();
        transport.failing.set(true);
        Counts counts = new Counts();
        ReceiptSender sender = new ReceiptSender(() -> transport, counts, 100, Duration.ofMillis(200));
        sender.offer(receipt(1));
        sender.offer(receipt(2));
        await(() -> counts.failed.get() >= 2);
        long started = System.nanoTime();
        sender.close();
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(2));
        assertEquals(2, counts.dropped.get());
        sender.offer(receipt(3)); // after close: ignored, never blocks
    }

    @Test
    void aKeptReceiptIsSettledOnceSentOrDroppedAndLeftKeptAtClose() throws Exception {
        Scripted transport = new Scripted();
        transport.block = true;
        Counts counts = new Counts();
        List<String> settled = java.util.Collections.synchronizedList(new ArrayList<>());
        ReceiptSender sender = new ReceiptSender(() -> transport, counts, 2, Duration.ofMillis(200));
        sender.offer(receipt(0), () -> settled.add("f0")); // taken by the blocked transport
        await(() -> sender.queued() == 0);
        for (int i = 1; i <= 3; i++) {
            String file = "f" + i;
            sender.offer(receipt(i), () -> settled.add(file));
        }
        assertEquals(List.of("f1"), settled, "the oldest is dropped from the full queue: no longer kept");
        assertEquals(1, counts.dropped.get());
        transport.block = false;
        transport.release.countDown();
        await(() -> settled.size() == 4);
        assertEquals(List.of("f1", "f0", "f2", "f3"), settled, "then each once the topic acknowledged it");

        transport.failing.set(true);
        sender.offer(receipt(4), () -> settled.add("f4"));
        await(() -> counts.failed.get() >= 1);
        sender.close();
        assertEquals(1, counts.dropped.get(), "a kept receipt left at close is not dropped: it is sent after a start");
        assertEquals(4, settled.size());
    }
}
