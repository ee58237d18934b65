package io.github.kresconnect.filesink.store;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;

/**
 * Stages a 1 GiB file as 512 KiB chunks, assembles and publishes it, then replays it (streaming comparison,
 * UNCHANGED), and prints throughput, times and the heap actually used. Not a test; run it by hand with a
 * small heap to show that memory does not grow with file size:
 *
 * <pre>
 * mvn -q test-compile
 * mvn -q dependency:build-classpath -Dmdep.outputFile=target/test.classpath
 * java -Xmx64m -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *     io.github.kresconnect.filesink.store.AssemblyBenchmark [directory] [MiB]
 * </pre>
 *
 * The files are made in a new directory under the given one (default: the temporary directory) and
 * deleted at the end.
 */
public final class AssemblyBenchmark {
    private static final int CHUNK_BYTES = 512 * 1024;
    private static final double MIB = 1024.0 * 1024.0;

    private AssemblyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path parent = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        long mebibytes = args.length > 1 ? Long.parseLong(args[1]) : 1024;
        int chunks = (int) (mebibytes * 1024 * 1024 / CHUNK_BYTES);
        long fileBytes = (long) chunks * CHUNK_BYTES;
        Path filesDir = Files.createTempDirectory(parent, "assembly-benchmark-");
        try {
            StoreSettings settings = new StoreSettings(StoreFixtures.CONFIG_SUFFIXES, fileBytes, 16L * 1024 * 1024,
                    Duration.ofHours(1));
            FileStore store = new FileStore(filesDir, settings, Clock.systemUTC());
            store.recover();
            byte[] pattern = new byte[CHUNK_BYTES];
            new Random(1).nextBytes(pattern);

            System.out.printf("file: %d chunks of %d KiB = %.0f MiB in %s; max heap (-Xmx) %.0f MiB%n", chunks,
                    CHUNK_BYTES / 1024, fileBytes / MIB, filesDir, Runtime.getRuntime().maxMemory() / MIB);

            Timing first = stageAll(store, pattern, chunks);
            PreparedFile file = first.prepared.orElseThrow();
            long publishStart = System.nanoTime();
            PublishOutcome outcome = file.publish();
            double publishSeconds = (System.nanoTime() - publishStart) / 1e9;
            report("stage " + chunks + " chunks", first.stagingSeconds, fileBytes);
            report("assemble (last chunk's call)", first.assemblySeconds, fileBytes);
            System.out.printf("%-34s %8.3f s  -> %s%n", "publish", publishSeconds, outcome);
            report("total, first delivery", first.stagingSeconds + first.assemblySeconds + publishSeconds, fileBytes);

            Timing replay = stageAll(store, pattern, chunks);
            PreparedFile same = replay.prepared.orElseThrow();
            PublishOutcome replayOutcome = same.publish();
            report("replay: stage, assemble, compare", replay.stagingSeconds + replay.assemblySeconds, fileBytes);
            System.out.printf("%-34s changes=%s -> %s%n", "replay outcome", same.changesCurrentFile(), replayOutcome);

            long published = Files.size(filesDir.resolve("bench/zone.rpz"));
            System.out.printf("published size: %d bytes (%s)%n", published, published == fileBytes ? "ok" : "WRONG");
            System.out.printf("max used heap (sum of heap pools' peaks): %.1f MiB%n", peakHeapBytes() / MIB);
        } finally {
            DurableFiles.deleteRecursively(filesDir);
        }
    }

    private record Timing(double stagingSeconds, double assemblySeconds, Optional<PreparedFile> prepared) {
    }

    private static Timing stageAll(FileStore store, byte[] pattern, int chunks) throws Exception {
        byte[] content = pattern.clone();
        ByteBuffer stamp = ByteBuffer.wrap(content);
        long start = System.nanoTime();
        for (int index = 1; index < chunks; index++) {
            stamp.putInt(0, index);
            store.stageChunk("bench/zone.rpz", index, chunks, content);
        }
        double staging = (System.nanoTime() - start) / 1e9;
        stamp.putInt(0, chunks);
        long lastStart = System.nanoTime();
        Optional<PreparedFile> prepared = store.stageChunk("bench/zone.rpz", chunks, chunks, content);
        return new Timing(staging, (System.nanoTime() - lastStart) / 1e9, prepared);
    }

    private static void report(String what, double seconds, long bytes) {
        System.out.printf("%-34s %8.3f s  %8.1f MiB/s%n", what, seconds, bytes / MIB / seconds);
    }

    private static long peakHeapBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }
}
