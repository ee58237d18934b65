package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * A 256 MiB file from 512 KiB chunks in a JVM limited to 512 MiB of heap (Surefire's argLine): the
 * assembly must stream, and its own allocations must not depend on the file's size.
 */
class LargeFileAssemblyTest {
    private static final int CHUNK_BYTES = 512 * 1024;
    private static final int CHUNKS = 512;
    private static final long FILE_BYTES = (long) CHUNKS * CHUNK_BYTES;

    @TempDir
    Path filesDir;

    @Test
    void assemblesA256MiBFileByteIdenticalWithoutHoldingItInMemory() throws Exception {
        StoreSettings settings = new StoreSettings(StoreFixtures.CONFIG_SUFFIXES, 1024L * 1024 * 1024, 1024 * 1024,
                Duration.ofHours(1));
        byte[] pattern = new byte[CHUNK_BYTES];
        new Random(2024).nextBytes(pattern);

        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        for (int index = 1; index <= CHUNKS; index++) {
            expected.update(chunk(pattern, index));
        }
        String sha256 = HexFormat.of().formatHex(expected.digest());
        // Out-of-order chunks are trusted only with a transfer id: the headers a producer sends with them.
        TransferIntegrity integrity = new TransferIntegrity("0123456789abcdef0123456789abcdef", FILE_BYTES, sha256);

        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long threadId = Thread.currentThread().getId();
        try (StoreDriver driver = new StoreDriver(filesDir, settings, FileStore.StepHook.NONE)) {
            long largestApply = -1;
            long lastApply = -1;
            // Pairs swapped (2, 1, 4, 3, ...): the order of arrival must not matter.
            for (int position = 1; position <= CHUNKS; position++) {
                int index = position % 2 == 1 ? position + 1 : position - 1;
                byte[] content = chunk(pattern, index);
                long before = threads.getThreadAllocatedBytes(threadId);
                FileStore.Applied applied = driver.chunk("big/zone.rpz", index, CHUNKS, content, integrity);
                lastApply = threads.getThreadAllocatedBytes(threadId) - before;
                largestApply = Math.max(largestApply, lastApply);
                assertEquals(position == CHUNKS ? FileStore.Applied.COMPLETED : FileStore.Applied.STAGED, applied,
                        "chunk " + index + " at position " + position);
            }
            assertTrue(lastApply >= 0 && lastApply < 16L * 1024 * 1024,
                    "applying the last chunk and completing 256 MiB allocated " + lastApply + " bytes");
            assertTrue(largestApply < 4L * CHUNK_BYTES,
                    "applying one chunk of " + CHUNK_BYTES + " bytes allocated up to " + largestApply + " bytes");

            long before = threads.getThreadAllocatedBytes(threadId);
            FileStore.Round round = driver.commit();
            long commitAllocation = threads.getThreadAllocatedBytes(threadId) - before;
            assertTrue(commitAllocation < 16L * 1024 * 1024,
                    "committing and publishing 256 MiB allocated " + commitAllocation + " bytes");
            assertEquals(1, round.published().size());
            assertEquals(FILE_BYTES, round.published().get(0).size());
            assertEquals(sha256, round.published().get(0).sha256());
            assertEquals(List.of(), StoreFixtures.workFiles(filesDir));
        }

        Path published = filesDir.resolve("big/zone.rpz");
        assertEquals(FILE_BYTES, Files.size(published));
        assertEquals(sha256, sha256(published));
    }

    /** Cheap deterministic content: one random block, stamped with the chunk's index so chunks differ. */
    private static byte[] chunk(byte[] pattern, int index) {
        byte[] content = pattern.clone();
        ByteBuffer stamp = ByteBuffer.wrap(content);
        for (int offset = 0; offset < CHUNK_BYTES; offset += 64 * 1024) {
            stamp.putInt(offset, index * 31 + offset);
        }
        return content;
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1024 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int read; (read = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
