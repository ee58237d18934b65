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
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 256 MiB file from 512 KiB chunks in a JVM limited to 512 MiB of heap (Surefire's argLine): the
 * assembly must stream, and its own allocations must not depend on the file's size.
 */
class LargeFileAssemblyTest {
    private static final int CHUNK_BYTES = 512 * 1024;
    private static final int CHUNKS = 512;

    @TempDir
    Path filesDir;

    @Test
    void assemblesA256MiBFileByteIdenticalWithoutHoldingItInMemory() throws Exception {
        StoreSettings settings = new StoreSettings(StoreFixtures.CONFIG_SUFFIXES, 1024L * 1024 * 1024, 1024 * 1024,
                Duration.ofHours(1));
        FileStore store = new FileStore(filesDir, settings, new MutableClock());
        store.recover();
        byte[] pattern = new byte[CHUNK_BYTES];
        new Random(2024).nextBytes(pattern);

        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        for (int index = 1; index <= CHUNKS; index++) {
            expected.update(chunk(pattern, index));
        }

        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long threadId = Thread.currentThread().getId();
        Optional<PreparedFile> prepared = Optional.empty();
        long assemblyAllocation = -1;
        // Pairs swapped (2, 1, 4, 3, ...): the order of arrival must not matter.
        for (int position = 1; position <= CHUNKS; position++) {
            int index = position % 2 == 1 ? position + 1 : position - 1;
            byte[] content = chunk(pattern, index);
            long before = threads.getThreadAllocatedBytes(threadId);
            prepared = store.stageChunk("big/zone.rpz", index, CHUNKS, content);
            if (prepared.isPresent()) {
                assemblyAllocation = threads.getThreadAllocatedBytes(threadId) - before;
                assertEquals(CHUNKS, position, "assembled before the last chunk arrived");
            }
        }
        PreparedFile file = prepared.orElseThrow();
        assertEquals((long) CHUNKS * CHUNK_BYTES, file.size());
        assertTrue(assemblyAllocation >= 0 && assemblyAllocation < 16L * 1024 * 1024,
                "staging the last chunk and assembling 256 MiB allocated " + assemblyAllocation + " bytes");
        assertEquals(PublishOutcome.PUBLISHED, file.publish());

        Path published = filesDir.resolve("big/zone.rpz");
        assertEquals((long) CHUNKS * CHUNK_BYTES, Files.size(published));
        assertEquals(HexFormat.of().formatHex(expected.digest()), sha256(published));
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
