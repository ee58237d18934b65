package io.github.kresconnect.filesink.store;

import static io.github.kresconnect.filesink.store.StoreDriver.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.record.FilePart;

/**
 * Group commit as the task drives it ({@link FileStore#groupCommit()}): what is applied while a round runs waits
 * for the next round and goes into it together, until enough is gathered that the task waits instead; small whole
 * files are written meanwhile, so their round finds them written.
 */
class GroupCommitTest {
    @TempDir
    Path dir;

    /** Counts the rounds started; holds the first one at its commit point until released. */
    private static final class HeldFirstRound implements FileStore.StepHook {
        final AtomicInteger started = new AtomicInteger();
        final CountDownLatch inFirst = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void reached(String step) {
            if (step.equals("round:start") && started.incrementAndGet() == 1) {
                inFirst.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static void apply(FileStore store, String name, byte[] content, long offset) throws Exception {
        assertEquals(FileStore.Applied.COMPLETED, store.apply(new FilePart(name, 1, 1, content, null),
                "offset " + offset));
        store.markApplied(StoreDriver.PARTITION, offset);
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    private final HeldFirstRound hook = new HeldFirstRound();
    private Path filesDir;
    private FileStore store;

    /** A store whose first round, of one file at offset 0, has started and is held there. */
    @BeforeEach
    void firstRoundHeld() throws Exception {
        filesDir = Files.createDirectories(dir.resolve("files"));
        store = FileStore.open(filesDir, StoreFixtures.settings(), new MutableClock(), hook);
        apply(store, "first.txt", bytes("first\n"), 0);
        store.groupCommit();
        assertTrue(hook.inFirst.await(30, TimeUnit.SECONDS), "the first round started");
    }

    @AfterEach
    void close() {
        hook.release.countDown();
        store.close();
    }

    @Test
    void whatArrivesWhileARoundRunsGoesIntoTheNextRoundTogether() throws Exception {
        apply(store, "b.txt", bytes("b\n"), 1);
        assertTimeoutPreemptively(Duration.ofSeconds(10), store::groupCommit, "no wait while a round runs");
        apply(store, "c.txt", bytes("c\n"), 2);
        assertTimeoutPreemptively(Duration.ofSeconds(10), store::groupCommit, "no wait while a round runs");
        assertEquals(1, hook.started.get(), "b and c wait for the next round");
        assertTrue(Files.notExists(filesDir.resolve("b.txt")));

        hook.release.countDown();
        await("the first round's end", () -> !store.isCommitting());
        assertEquals(List.of("first.txt"), names(store.drainRounds()));
        store.groupCommit();
        assertTrue(store.isCommitting(), "the round after the first one started at once");
        await("the second round's end", () -> !store.isCommitting());
        assertEquals(2, hook.started.get());
        assertEquals(List.of("b.txt", "c.txt"), names(store.drainRounds()), "one round for both");
        assertEquals("c\n", Files.readString(filesDir.resolve("c.txt")));
        assertEquals(3L, store.durableOffset(StoreDriver.PARTITION).orElseThrow());
    }

    @Test
    void smallFilesAreWrittenWhileTheRoundBeforeTheirsRuns() throws Exception {
        apply(store, "b.txt", bytes("small whole file\n"), 1);
        store.groupCommit();
        await("b.txt's work file written", () -> workFilesHolding("small whole file\n") == 1);
        assertEquals(1, hook.started.get(), "the first round still runs, and b.txt's has not begun");
        assertTrue(Files.notExists(filesDir.resolve("b.txt")));

        hook.release.countDown();
        await("the first round's end", () -> !store.isCommitting());
        store.commit();
        assertEquals("small whole file\n", Files.readString(filesDir.resolve("b.txt")));
        assertEquals(0, workFilesHolding("small whole file\n"), "its work file became b.txt");
    }

    @Test
    void onceEnoughIsHeldForTheNextRoundTheTaskWaitsForTheRunningOne() throws Exception {
        byte[] content = new byte[256 * 1024]; // small enough to be held in memory for the writer
        int files = (int) (FileStore.ROUND_MAX_HELD_BYTES / content.length);
        for (int i = 0; i < files; i++) {
            Arrays.fill(content, (byte) i);
            apply(store, "zone-" + i + ".rpz", content, 1 + i);
        }
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread task = new Thread(() -> {
            try {
                store.groupCommit();
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        task.start();
        await("the task waiting for the running round", () -> task.getState() == Thread.State.WAITING);
        assertEquals(1, hook.started.get(), "no second round before the first ends");
        hook.release.countDown();
        task.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(Thread.State.TERMINATED, task.getState());
        assertEquals(null, failed.get());
        assertTrue(store.isCommitting() || hook.started.get() == 2,
                "the gathered files' round started once the first one ended");
        await("the gathered files' round", () -> hook.started.get() == 2);
        store.commit();
        assertEquals(files + 1L, store.durableOffset(StoreDriver.PARTITION).orElseThrow());
        assertEquals(content.length, Files.size(filesDir.resolve("zone-" + (files - 1) + ".rpz")));
    }

    /** How many work files hold {@code content} now. */
    private long workFilesHolding(String content) {
        try (Stream<Path> files = Files.list(store.workDir())) {
            return files.filter(file -> {
                try {
                    return Files.readString(file).equals(content);
                } catch (IOException e) { // one being created or renamed right now
                    return false;
                }
            }).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> names(FileStore.Round round) {
        return round.published().stream().map(FileStore.Publication::name).toList();
    }
}
