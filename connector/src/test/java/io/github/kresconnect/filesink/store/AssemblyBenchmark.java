package io.github.kresconnect.filesink.store;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

/**
 * Applies a 1 GiB file as 512 KiB chunks in order, commits and publishes it, then applies it again (a replay:
 * completed, found equal to the file in place by its digest, UNCHANGED), and prints throughput, times and the
 * heap actually used. Not a test; run it by hand with a small heap to show that memory does not grow with
 * file size:
 *
 * <pre>
 * mvn -q test-compile
 * mvn -q dependency:build-classpath -Dmdep.outputFile=target/test.classpath
 * java -Xmx64m -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *     io.github.kresconnect.filesink.store.AssemblyBenchmark [directory] [MiB] [chunks-per-round]
 * </pre>
 *
 * A round ({@link FileStore#commit()}) follows every {@code chunks-per-round} chunks (default 1: a round per
 * record, the most fsyncs a task can cause; a task commits once per batch of records). The files are made in
 * a new directory under the given one (default: the temporary directory) and deleted at the end.
 */
public final class AssemblyBenchmark {
    private static final int CHUNK_BYTES = 512 * 1024;
    private static final double MIB = 1024.0 * 1024.0;
    private static final String NAME = "bench/zone.rpz";

    private AssemblyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path parent = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        long mebibytes = args.length > 1 ? Long.parseLong(args[1]) : 1024;
        int perRound = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int chunks = (int) (mebibytes * 1024 * 1024 / CHUNK_BYTES);
        long fileBytes = (long) chunks * CHUNK_BYTES;
        Path filesDir = Files.createTempDirectory(parent, "assembly-benchmark-");
        try {
            StoreSettings settings = new StoreSettings(StoreFixtures.CONFIG_SUFFIXES, fileBytes, 16L * 1024 * 1024,
                    Duration.ofHours(1));
            byte[] pattern = new byte[CHUNK_BYTES];
            new Random(1).nextBytes(pattern);

            System.out.printf("file: %d chunks of %d KiB = %.0f MiB in %s; a round every %d chunk(s); "
                    + "max heap (-Xmx) %.0f MiB%n", chunks, CHUNK_BYTES / 1024, fileBytes / MIB, filesDir, perRound,
                    Runtime.getRuntime().maxMemory() / MIB);

            try (StoreDriver driver = new StoreDriver(filesDir, settings, FileStore.StepHook.NONE)) {
                Timing first = applyAll(driver, pattern, chunks, perRound);
                long publishStart = System.nanoTime();
                FileStore.Round round = driver.commit();
                double publishSeconds = (System.nanoTime() - publishStart) / 1e9;
                report("apply " + (chunks - 1) + " chunks, " + first.rounds + " rounds", first.applySeconds,
                        fileBytes);
                report("complete (last chunk's apply)", first.lastSeconds, fileBytes);
                System.out.printf("%-34s %8.3f s  -> %s (%d published)%n", "commit and publish", publishSeconds,
                        first.last, round.published().size());
                report("total, first delivery", first.applySeconds + first.lastSeconds + publishSeconds, fileBytes);

                Timing replay = applyAll(driver, pattern, chunks, perRound);
                long replayCommitStart = System.nanoTime();
                FileStore.Round replayRound = driver.commit();
                double replayCommitSeconds = (System.nanoTime() - replayCommitStart) / 1e9;
                report("replay: apply, complete, commit",
                        replay.applySeconds + replay.lastSeconds + replayCommitSeconds, fileBytes);
                System.out.printf("%-34s %s (%d published)%n", "replay outcome", replay.last,
                        replayRound.published().size());
            }

            long published = Files.size(filesDir.resolve(NAME));
            System.out.printf("published size: %d bytes (%s)%n", published, published == fileBytes ? "ok" : "WRONG");
            System.out.printf("max used heap (sum of heap pools' peaks): %.1f MiB%n", peakHeapBytes() / MIB);
        } finally {
            DurableFiles.deleteRecursively(filesDir);
        }
    }

    private record Timing(double applySeconds, double lastSeconds, int rounds, FileStore.Applied last) {
    }

    /** Applies chunks 1..n-1 with a round every {@code perRound} chunks, then times the last chunk alone. */
    private static Timing applyAll(StoreDriver driver, byte[] pattern, int chunks, int perRound) throws Exception {
        byte[] content = pattern.clone();
        ByteBuffer stamp = ByteBuffer.wrap(content);
        int rounds = 0;
        long start = System.nanoTime();
        for (int index = 1; index < chunks; index++) {
            stamp.putInt(0, index);
            driver.chunk(NAME, index, chunks, content);
            if (index % perRound == 0) {
                driver.commit();
                rounds++;
            }
        }
        double applying = (System.nanoTime() - start) / 1e9;
        stamp.putInt(0, chunks);
        long lastStart = System.nanoTime();
        FileStore.Applied last = driver.chunk(NAME, chunks, chunks, content);
        return new Timing(applying, (System.nanoTime() - lastStart) / 1e9, rounds, last);
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
