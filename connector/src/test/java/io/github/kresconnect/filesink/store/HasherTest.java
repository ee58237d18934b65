package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;

class HasherTest {
    @Test
    void hashesWhatIsHandedOverInOrderWithWhatIsHashedAtOnce() throws Exception {
        byte[] bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(bytes);
        try (Hasher hasher = new Hasher(64 * 1024)) {
            Hasher.Digest digest = hasher.newSha256();
            int at = 0;
            int step = 1;
            while (at < bytes.length) {
                int length = Math.min(step, bytes.length - at);
                ByteBuffer part = ByteBuffer.wrap(bytes, at, length);
                if (step % 3 == 0) {
                    digest.updateNow(part);
                } else {
                    digest.update(part);
                }
                at += length;
                step = step * 2 + 1 > 200_000 ? 1 : step * 2 + 1;
            }
            assertEquals(HexFormat.of().formatHex(TransferIntegrity.newSha256().digest(bytes)), digest.hex());
        }
    }

    @Test
    void handingOverWaitsOnceTheBoundIsPendingAndHashesEverythingAfter() throws Exception {
        byte[] first = new byte[600];
        byte[] second = new byte[600];
        new Random(1).nextBytes(first);
        new Random(2).nextBytes(second);
        try (Hasher hasher = new Hasher(1000)) {
            CountDownLatch release = new CountDownLatch(1);
            hasher.runOnThread(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Hasher.Digest digest = hasher.newSha256();
            digest.update(ByteBuffer.wrap(first)); // 600 of 1000 pending
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread handing = new Thread(() -> {
                try {
                    digest.update(ByteBuffer.wrap(second)); // 1200 would be pending: waits for the hasher
                } catch (Throwable t) {
                    failed.set(t);
                }
            });
            handing.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (handing.getState() != Thread.State.WAITING && handing.getState() != Thread.State.TERMINATED
                    && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(Thread.State.WAITING, handing.getState(), "waits while the bound is pending");
            release.countDown();
            handing.join(TimeUnit.SECONDS.toMillis(10));
            assertTrue(!handing.isAlive() && failed.get() == null, "handed over once the hasher caught up");
            byte[] both = new byte[1200];
            System.arraycopy(first, 0, both, 0, 600);
            System.arraycopy(second, 0, both, 600, 600);
            assertEquals(HexFormat.of().formatHex(TransferIntegrity.newSha256().digest(both)), digest.hex());
        }
    }
}
