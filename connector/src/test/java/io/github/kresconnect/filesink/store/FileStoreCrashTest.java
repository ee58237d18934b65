package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.record.FilePart;

/**
 * Crashes the store at every step boundary of a scenario (staging, assembly, data sync, notification
 * persistence, journal commit, backup, rename, directory sync, arming, compaction), once more during the
 * recovery that follows, then redelivers every record from offset 0 as Kafka would after losing its commits.
 * Checked at every step, before and after the crash: every file at a final path (and its backup) is a version
 * sent whole, and no file ever moves back to an older version. Checked at the end: the last versions are in
 * place with the previous ones as backups, nothing is left in the work directory, the redelivered records
 * changed nothing, and every change not yet announced to the manager is still owed.
 */
class FileStoreCrashTest {
    private static final String TOPIC = "knot-resolver";

    @TempDir
    Path root;

    /** A scenario step: one record, or a group commit. */
    private record Step(FilePart part) {
        boolean isCommit() {
            return part == null;
        }
    }

    private static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash(String step) {
            super("simulated crash at " + step, null, false, false);
        }
    }

    /** Versions of each file sent whole, in order. */
    private final Map<String, List<String>> versions = new LinkedHashMap<>();
    private final List<Step> scenario = scenario();

    private List<Step> scenario() {
        List<Step> steps = new ArrayList<>();
        // Round 1: a chunked zone in order, a whole file, a zone out of order with transfer ids, a config.
        chunked(steps, "big.rpz", "v1", 5, null, 1, 2, 3, 4, 5);
        whole(steps, "small.txt", "small v1\n");
        chunked(steps, "ooo.rpz", "v1", 3, "a1", 3, 1, 2);
        whole(steps, "config.json", "{\"version\": 1}\n");
        steps.add(new Step(null));
        // Round 2: a transfer committed halfway, a replay of an identical file, a new config.
        chunked(steps, "big.rpz", "v2", 5, null, 1, 2, 3);
        steps.add(new Step(null));
        chunked(steps, "big.rpz", "v2", 5, null, 4, 5);
        whole(steps, "small.txt", "small v2\n");
        whole(steps, "small.txt", "small v2\n");
        whole(steps, "config.json", "{\"version\": 2}\n");
        steps.add(new Step(null));
        // Round 3: an abandoned transfer, then a new one; out of order again; a config last.
        chunkedAbandoned(steps, "big.rpz", "v3-abandoned", 5, 1, 2);
        chunked(steps, "big.rpz", "v3", 5, null, 1, 2, 3, 4, 5);
        chunked(steps, "ooo.rpz", "v2", 3, "a2", 2, 3, 1);
        whole(steps, "config.json", "{\"version\": 3}\n");
        steps.add(new Step(null));
        return steps;
    }

    private static String chunkContent(String name, String version, int index) {
        return (name + " " + version + " chunk " + index + "\n").repeat(7);
    }

    private void chunked(List<Step> steps, String name, String version, int total, String id, int... order) {
        StringBuilder whole = new StringBuilder();
        for (int index = 1; index <= total; index++) {
            whole.append(chunkContent(name, version, index));
        }
        if (!versions.getOrDefault(name, List.of()).contains(sha(whole.toString()))) {
            versions.computeIfAbsent(name, key -> new ArrayList<>()).add(sha(whole.toString()));
        }
        TransferIntegrity integrity = id == null ? null : new TransferIntegrity(
                String.format("%32s", id).replace(' ', '0'), whole.toString().getBytes(StandardCharsets.UTF_8).length,
                sha(whole.toString()));
        for (int index : order) {
            steps.add(new Step(new FilePart(name, index, total, bytes(chunkContent(name, version, index)), integrity)));
        }
    }

    private void chunkedAbandoned(List<Step> steps, String name, String version, int total, int... order) {
        for (int index : order) {
            steps.add(new Step(new FilePart(name, index, total, bytes(chunkContent(name, version, index)), null)));
        }
    }

    private void whole(List<Step> steps, String name, String content) {
        List<String> sent = versions.computeIfAbsent(name, key -> new ArrayList<>());
        if (!sent.contains(sha(content))) {
            sent.add(sha(content));
        }
        steps.add(new Step(new FilePart(name, 1, 1, bytes(content), null)));
    }

    /** What the test sees of the files directory and of the manager requests, across crashes. */
    private final class World {
        final Path filesDir;
        /** Version index last seen at each final path (never allowed to decrease). */
        final Map<String, Integer> seen = new HashMap<>();
        /** Persisted owed requests: survive crashes, as the notifier's state file does. */
        final Set<FileKind> owed = EnumSet.noneOf(FileKind.class);
        /** The version of each file at the last request that was sent (after arming). */
        final Map<String, Integer> announced = new HashMap<>();
        int steps;
        int crashAt = -1;
        boolean crashDuringRecovery;
        boolean inRecovery;

        World(Path filesDir) {
            this.filesDir = filesDir;
        }

        FileStore.StepHook hook() {
            return step -> {
                steps++;
                check(step);
                if (steps == crashAt || inRecovery && crashDuringRecovery) {
                    crashDuringRecovery = false;
                    throw new SimulatedCrash(step);
                }
            };
        }

        FileStore.Listener listener() {
            return new FileStore.Listener() {
                @Override
                public void beforePublishing(FileKind kind) {
                    owed.add(kind);
                }

                @Override
                public void afterPublishing() {
                    check("armed");
                    // The request is sent at once: it covers what is in place now.
                    owed.clear();
                    announced.clear();
                    announced.putAll(seen);
                }
            };
        }

        void check(String step) {
            for (String name : versions.keySet()) {
                Integer version = versionAt(filesDir.resolve(name), name, step);
                versionAt(filesDir.resolve(name + ".backup"), name, step);
                if (version == null) {
                    continue;
                }
                Integer before = seen.get(name);
                if (before != null && version < before) {
                    fail(name + " moved back from version " + before + " to " + version + " at " + step);
                }
                seen.put(name, version);
                if (!version.equals(announced.get(name)) && !owed.contains(kindOf(name))) {
                    fail(name + " changed to version " + version + " at " + step + " with no " + kindOf(name)
                            + " request owed");
                }
            }
        }

        Integer versionAt(Path path, String name, String step) {
            byte[] content;
            try {
                content = Files.readAllBytes(path);
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            int index = versions.get(name).indexOf(sha(new String(content, StandardCharsets.UTF_8)));
            if (index < 0) {
                fail(path.getFileName() + " holds a version never sent whole, at " + step);
            }
            return index;
        }
    }

    private static FileKind kindOf(String name) {
        return name.endsWith(".json") ? FileKind.CONFIG : FileKind.DATA;
    }

    /** Runs the whole scenario from offset 0; records the store applied already are skipped. */
    private static void run(FileStore store, List<Step> steps) throws Exception {
        SourcePartition partition = new SourcePartition(TOPIC, 0);
        long offset = 0;
        for (Step step : steps) {
            if (step.isCommit()) {
                store.commit();
                continue;
            }
            long at = offset++;
            if (store.isApplied(partition, at)) {
                continue;
            }
            store.apply(step.part(), at);
            store.markApplied(partition, at);
        }
        store.commit();
    }

    private FileStore open(World world) throws Exception {
        world.inRecovery = true;
        try {
            FileStore store = FileStore.open(world.filesDir, StoreFixtures.settings(), new MutableClock(), world.hook());
            store.setListener(world.listener());
            store.compactAfter(512);
            return store;
        } finally {
            world.inRecovery = false;
        }
    }

    private World runOnce(Path filesDir, int crashAt) throws Exception {
        World world = new World(filesDir);
        world.crashAt = crashAt;
        FileStore store = open(world);
        try {
            run(store, scenario);
            return world;
        } catch (SimulatedCrash crash) {
            store.close();
        }
        world.crashAt = -1;
        world.crashDuringRecovery = true;
        try {
            open(world).close(); // a second crash, during the recovery, if it has a step to crash at
        } catch (SimulatedCrash crash) {
            // as intended
        }
        world.crashDuringRecovery = false;
        store = open(world);
        try {
            run(store, scenario);
            assertEquals(scenario.stream().filter(step -> !step.isCommit()).count(),
                    store.durableOffset(new SourcePartition(TOPIC, 0)).orElse(-1));
        } finally {
            store.close();
        }
        return world;
    }

    @Test
    void everyCrashPointLeavesOnlyWholeVersionsAndRecoversExactlyOnce() throws Exception {
        World reference = runOnce(Files.createDirectories(root.resolve("reference")), -1);
        int steps = reference.steps;
        assertTrue(steps > 40, "the scenario reaches every kind of step: " + steps);
        Set<String> crashedAt = new TreeSet<>();
        for (int crashAt = 1; crashAt <= steps; crashAt++) {
            Path filesDir = Files.createDirectories(root.resolve("crash-" + crashAt));
            World world = runOnce(filesDir, crashAt);
            for (String name : versions.keySet()) {
                List<String> sent = versions.get(name);
                assertEquals(sent.get(sent.size() - 1), sha(Files.readString(filesDir.resolve(name))),
                        name + " after a crash at step " + crashAt);
                assertEquals(sent.get(sent.size() - 2), sha(Files.readString(filesDir.resolve(name + ".backup"))),
                        name + ".backup after a crash at step " + crashAt);
                if (!world.seen.get(name).equals(world.announced.get(name))) {
                    assertTrue(world.owed.contains(kindOf(name)), name + " changed after the last request, and no "
                            + "request is owed (crash at step " + crashAt + ")");
                }
            }
            try (Stream<Path> work = Files.list(filesDir.resolve(FileStore.STATE_DIR).resolve("store/work"))) {
                assertEquals(List.of(), work.toList(), "work files left after a crash at step " + crashAt);
            }
            try (Stream<Path> top = Files.list(filesDir)) {
                assertEquals(Set.of("big.rpz", "big.rpz.backup", "small.txt", "small.txt.backup", "ooo.rpz",
                        "ooo.rpz.backup", "config.json", "config.json.backup", FileStore.STATE_DIR),
                        top.map(path -> path.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
            }
            crashedAt.add(String.valueOf(crashAt));
        }
        assertEquals(steps, crashedAt.size());
        System.out.println("FileStoreCrashTest: crashed at each of " + steps + " step boundaries, then once more "
                + "during recovery; every file seen was a version sent whole");
    }

    @Test
    void aTornJournalEntryIsIgnoredAndItsRoundRedone() throws Exception {
        Path filesDir = Files.createDirectories(root.resolve("torn"));
        World world = new World(filesDir);
        FileStore store = open(world);
        run(store, scenario.subList(0, 12));
        store.close();
        Path journal = filesDir.resolve(FileStore.STATE_DIR).resolve("store/journal");
        Files.write(journal, new byte[] {0, 0, 0, 40, 1, 2, 3, 4, 5}, java.nio.file.StandardOpenOption.APPEND);
        store = open(world);
        run(store, scenario);
        store.close();
        for (String name : versions.keySet()) {
            List<String> sent = versions.get(name);
            assertEquals(sent.get(sent.size() - 1), sha(Files.readString(filesDir.resolve(name))), name);
        }
        assertTrue(Files.exists(journal, LinkOption.NOFOLLOW_LINKS));
    }

    private static byte[] bytes(String content) {
        return content.getBytes(StandardCharsets.UTF_8);
    }

    private static String sha(String content) {
        return TransferIntegrity.sha256HexOf(bytes(content));
    }
}
