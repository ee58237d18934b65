package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.store.powercut.PowerCutFileSystem;
import io.github.kresconnect.filesink.store.powercut.PowerCutFileSystem.Variant;

/**
 * A power cut at every durable-operation boundary of a whole scenario, in every variant of the power-cut layer.
 *
 * <p>The scenario (one partition, records applied as the task does: skip what is applied, apply, mark applied;
 * commits at fixed points, and {@code commitAsync} so that rounds overlap with applying) has: chunked transfers
 * whose first chunks are committed by one round and the rest by a later one; small whole files (written by the
 * store's writer thread while rounds run, awaited by their own); a config file replaced by signed versions (so
 * backups are made), an older signed version and an invalid config (rejected; their offsets advance); a file
 * identical to the one in place (unchanged); a digest mismatch; out-of-order chunks with transfer ids; out-of-order
 * chunks without ids but with record timestamps; an abandoned transfer followed, more than the transfer gap later,
 * by a new one; kept receipts for records and for publications (some acknowledged); and a journal small enough to
 * be compacted mid-scenario.
 *
 * <p>The listener persists the owed reload or renew through the layer before the commit point (a line appended
 * and left to the round's own sync, or the file replaced when there is none), and once files are in place records
 * what the manager was told (outside the simulated disk: that reload really happened), then clears the owed file.
 *
 * <p>The scenario runs once to count its forces N; then for every k in 0..N and every variant it runs over a fresh
 * directory with the power cut at force k+1, reboots the disk, and opens the store. A second cut, during that
 * recovery, is sampled deterministically: at recovery force {@code (k + variant) % SECOND_CUT_SPREAD}, so every
 * early force of the recovery is cut for some k of each variant (a recovery with fewer forces is not cut again;
 * {@code -Dpowercut.allSecondCuts=true} cuts every run at each of those forces in turn, about seven times as long).
 * After a second cut the disk is rebooted once more and the store opened again. Then every record is redelivered
 * from offset 0 (the applied ones skipped), committed, and the store closed. Every run is made and the failing
 * ones are reported together. The force number k is exact, but what the task's thread has applied when an
 * asynchronous round is cut, and the order of forces the store issues in parallel, vary with scheduling: so the
 * counts in the summary line vary a little from run to run.
 *
 * <p>Checked while the scenario runs (the real directory, after every step) and after every reboot and open:
 * every final path and its backup hold a version sent whole; no version moves back and no file once seen
 * disappears, and while a store opens no file moves back from what the disk held when the recovery began; every
 * record below the durable offset that completed a file has that version or a newer one in
 * place; every placed version newer than what the manager was told is owed; every kept receipt of a publication
 * names a version in place (or an older one than in place), every kept receipt of a record is below the durable
 * offset. At the end: the last versions in place, the previous ones as backups, the work directory empty, the
 * durable offset past every record.
 */
class PowerCutCampaignTest {
    private static final SourcePartition PARTITION = new SourcePartition("knot-resolver", 0);
    /** Recovery forces that may be cut a second time. */
    private static final int SECOND_CUT_SPREAD = 6;
    /** With -Dpowercut.allSecondCuts=true, every run is repeated with a second cut at each of those forces. */
    private static final boolean ALL_SECOND_CUTS = Boolean.getBoolean("powercut.allSecondCuts");
    /** Journal bytes after which a round compacts: some rounds do, some append. */
    private static final long COMPACT_AFTER = 2500;
    private static final Set<String> REJECTIONS = Set.of("DIGEST_MISMATCH", "REPLAYED_VERSION", "INVALID_CONFIG");
    private static final long T0 = Instant.parse("2025-01-01T00:00:00Z").toEpochMilli();

    @TempDir
    Path temp;

    // ---------------------------------------------------------------- the scenario

    /** One step: a record (part non-null), or a commit (async or not). */
    private record Step(FilePart part, long version, boolean isCommit, boolean async, String name, int completes,
            boolean keepReceipt, String expected) {
    }

    /** Versions of each file sent whole (and acceptable), in the order sent: the index is the version's rank. */
    private final Map<String, List<String>> versions = new LinkedHashMap<>();
    private final List<Step> scenario = new ArrayList<>();
    private long records;

    private static FileKind kindOf(String name) {
        return name.endsWith(".json") ? FileKind.CONFIG : FileKind.DATA;
    }

    private static byte[] bytes(String content) {
        return content.getBytes(StandardCharsets.UTF_8);
    }

    private static String sha(byte[] content) {
        return TransferIntegrity.sha256HexOf(content);
    }

    private int version(String name, byte[] whole) {
        List<String> sent = versions.computeIfAbsent(name, key -> new ArrayList<>());
        if (!sent.contains(sha(whole))) {
            sent.add(sha(whole));
        }
        return sent.indexOf(sha(whole));
    }

    private void record(FilePart part, long version, int completes, boolean receipt, String expected) {
        scenario.add(new Step(part, version, false, false, part.fileName(), completes, receipt, expected));
        records++;
    }

    private void commit() {
        scenario.add(new Step(null, 0, true, false, null, -1, false, null));
    }

    private void commitAsync() {
        scenario.add(new Step(null, 0, true, true, null, -1, false, null));
    }

    /** Chunk {@code index} of a version: more than a page, so torn pages show. */
    private static byte[] chunk(String name, String version, int index) {
        String line = name + " " + version + " chunk " + index + "\n";
        return bytes(line.repeat(5000 / line.length() + 1));
    }

    private static byte[] whole(String name, String version, int total) {
        StringBuilder all = new StringBuilder();
        for (int index = 1; index <= total; index++) {
            all.append(new String(chunk(name, version, index), StandardCharsets.UTF_8));
        }
        return bytes(all.toString());
    }

    /**
     * Chunks {@code order} of a transfer of {@code total} chunks; the last one of {@code order} completes it when
     * {@code completes}. {@code id}: a transfer id, or null; {@code stamp}: record timestamps from it (index
     * order), or -1 for none.
     */
    private void chunks(String name, String version, int total, String id, long stamp, long signed, boolean completes,
            int... order) {
        byte[] whole = whole(name, version, total);
        int rank = completes ? version(name, whole) : -1;
        TransferIntegrity integrity = id == null ? null
                : new TransferIntegrity(String.format("%32s", id).replace(' ', '0'), whole.length, sha(whole));
        for (int i = 0; i < order.length; i++) {
            int index = order[i];
            FilePart part = new FilePart(name, index, total, chunk(name, version, index), integrity);
            if (stamp >= 0) {
                part = part.at(stamp + index);
            }
            boolean last = completes && i == order.length - 1;
            record(part, signed, last ? rank : -1, false, last ? "COMPLETED" : "STAGED");
        }
    }

    /** A valid config file of more than a page, in two chunks in order, with a transfer id. */
    private void configInTwoChunks(String name, int number, long signed) {
        byte[] first = bytes("{\"version\": " + number + ", \"pad\": \"" + "x".repeat(5000));
        byte[] second = bytes("\"}\n");
        byte[] whole = bytes(new String(first, StandardCharsets.UTF_8) + new String(second, StandardCharsets.UTF_8));
        int rank = version(name, whole);
        TransferIntegrity integrity = new TransferIntegrity(String.format("%032x", 100 + number), whole.length,
                sha(whole));
        record(new FilePart(name, 1, 2, first, integrity), signed, -1, false, "STAGED");
        record(new FilePart(name, 2, 2, second, integrity), signed, rank, false, "COMPLETED");
    }

    private void wholeFile(String name, String content, long signed, boolean receipt, String expected) {
        int rank = expected.equals("COMPLETED") || expected.equals("UNCHANGED") ? version(name, bytes(content)) : -1;
        record(new FilePart(name, 1, 1, bytes(content), null), signed, rank, receipt, expected);
    }

    /**
     * Builds the scenario; {@code twoVersionsInOneRound}: the last round also publishes two versions of one file
     * (see {@link #twoVersionsOfOneFileInOneRoundNeverMoveBackDuringRecovery}).
     */
    private void build(boolean twoVersionsInOneRound) {
        long none = FileStore.UNVERSIONED;
        long t1 = T0 + 10 * 60_000;
        long t2 = t1 + 3 * 60_000; // more than the transfer gap after the abandoned transfer
        // Round 1: a transfer's first chunks, a whole file, a signed config, an out-of-order chunk with a stamp.
        chunks("zone.rpz", "v1", 5, null, -1, none, false, 1, 2);
        wholeFile("small.txt", "small v1\n", none, false, "COMPLETED");
        wholeFile("policy.json", "{\"version\": 1}\n", T0 - 9000, true, "COMPLETED");
        chunks("stamped.rpz", "v1", 3, null, T0, none, false, 2);
        commit();
        // Round 2: the rest of those transfers, out-of-order chunks with ids, a new whole file.
        chunks("zone.rpz", "v1", 5, null, -1, none, true, 3, 4, 5);
        chunks("stamped.rpz", "v1", 3, null, T0, none, true, 3, 1);
        chunks("ids.rpz", "v1", 3, "a1", -1, none, true, 3, 1, 2);
        wholeFile("small.txt", "small v2\n", none, true, "COMPLETED");
        commit();
        // Rounds overlapping with applying: an unchanged file, rejections, a second config version.
        wholeFile("small.txt", "small v2\n", none, false, "UNCHANGED");
        byte[] other = bytes("not small v3\n");
        record(new FilePart("small.txt", 1, 1, bytes("small v3?\n"), new TransferIntegrity(
                String.format("%032x", 7), other.length, sha(other))), none, -1, false, "DIGEST_MISMATCH");
        configInTwoChunks("policy.json", 2, T0 - 8000);
        commitAsync();
        chunks("zone.rpz", "v2", 5, null, -1, none, false, 1, 2);
        chunks("ids.rpz", "v2", 3, "a2", -1, none, false, 2);
        commitAsync();
        chunks("zone.rpz", "v2", 5, null, -1, none, true, 3, 4, 5);
        record(new FilePart("policy.json", 1, 1, bytes("{\"version\": 0}\n"), null), T0 - 8500, -1, false,
                "REPLAYED_VERSION");
        record(new FilePart("policy.json", 1, 1, bytes("{\"version\": "), null), T0 - 7500, -1, true,
                "INVALID_CONFIG");
        chunks("ids.rpz", "v2", 3, "a2", -1, none, true, 3, 1);
        commit();
        // An abandoned transfer, then a new one more than the gap later, out of order; last versions.
        chunks("stamped.rpz", "abandoned", 3, null, t1, none, false, 1, 2);
        commitAsync();
        chunks("stamped.rpz", "v2", 3, null, t2, none, true, 3, 1, 2);
        wholeFile("small.txt", "small v3\n", none, false, "COMPLETED");
        if (twoVersionsInOneRound) {
            wholeFile("small.txt", "small v4\n", none, false, "COMPLETED");
        }
        wholeFile("policy.json", "{\"version\": 3}\n", T0 - 7000, true, "COMPLETED");
        commit();
    }

    // ---------------------------------------------------------------- the world

    /** Thrown to stop a run once the power is cut. */
    private static final class Cut extends RuntimeException {
        Cut(Throwable cause) {
            super("power cut", cause, false, false);
        }
    }

    /** What the test knows across cuts: the real directory, what was seen there, what the manager was told. */
    private final class World {
        final Path real;
        /** The layer in use (the store's root); changes at every reboot. */
        volatile PowerCutFileSystem layer;
        /** The highest rank seen at each final path. */
        final Map<String, Integer> seen = new ConcurrentHashMap<>();
        /** The ranks in place when the manager was last told (its reload really happened). */
        final Map<String, Integer> told = new ConcurrentHashMap<>();
        /** Violations seen on the commit thread, where an assertion would only fail the round. */
        final List<String> violations = new CopyOnWriteArrayList<>();
        boolean recoveryArmed;
        int compactions;
        /** While a store opens: the highest version seen at each path since the recovery began. */
        volatile boolean inRecovery;
        final Map<String, Integer> recoveryFloor = new LinkedHashMap<>();
        int rounds;
        final String label;

        World(Path real, String label) {
            this.real = real;
            this.label = label;
        }

        Path owedFile() {
            return layer.root().resolve(FileStore.STATE_DIR).resolve("owed");
        }

        Set<FileKind> owed() {
            try {
                String text = Files.readString(real.resolve(FileStore.STATE_DIR).resolve("owed"));
                Set<FileKind> kinds = EnumSet.noneOf(FileKind.class);
                for (FileKind kind : FileKind.values()) {
                    // a whole line: a line appended and cut before its sync may be torn, or zeros
                    if (text.lines().anyMatch(kind.name()::equals)) {
                        kinds.add(kind);
                    }
                }
                return kinds;
            } catch (NoSuchFileException e) {
                return EnumSet.noneOf(FileKind.class);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void writeOwed(Set<FileKind> kinds) throws IOException {
            StringBuilder text = new StringBuilder();
            kinds.forEach(kind -> text.append(kind).append('\n'));
            DurableFiles.replace(owedFile(), bytes(text.toString()));
        }

        FileStore.Listener listener() {
            return new FileStore.Listener() {
                @Override
                public void beforePublishing(FileKind kind, List<FileStore.Publication> files,
                        Consumer<Path> syncWithRound) throws IOException {
                    // As the task's notifier does: replaced durably when there is no file, else a line appended
                    // and left to the round's own sync.
                    Set<FileKind> kinds = owed();
                    if (!Files.exists(real.resolve(FileStore.STATE_DIR).resolve("owed"))) {
                        kinds.add(kind);
                        writeOwed(kinds);
                    } else if (!kinds.contains(kind)) {
                        DurableFiles.append(owedFile(), bytes(kind + "\n"), false);
                        syncWithRound.accept(owedFile());
                    }
                }

                @Override
                public FileStore.ReceiptContent receiptOf(FileStore.Publication publication) {
                    return new FileStore.ReceiptContent(bytes(publication.name()), bytes("published "
                            + publication.name() + " " + publication.sha256()));
                }

                @Override
                public void afterPublishing() {
                    recoveryArmed = true;
                    Map<String, Integer> now = new LinkedHashMap<>();
                    for (String name : versions.keySet()) {
                        try {
                            Integer rank = rankAt(real.resolve(name));
                            if (rank != null) {
                                now.put(name, rank);
                            }
                        } catch (AssertionError e) {
                            violations.add("when armed: " + e.getMessage());
                        }
                    }
                    told.putAll(now); // the request went out: the manager reloaded what is in place now
                    try {
                        writeOwed(EnumSet.noneOf(FileKind.class));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
        }

        FileStore.StepHook hook() {
            return step -> {
                if (step.equals("compaction:done")) {
                    compactions++;
                } else if (step.equals("round:journal-committed")) {
                    rounds++;
                } else if (inRecovery && step.startsWith("place:")) {
                    recoveryStep(step);
                }
            };
        }

        /** What is at each final path now, as it was when a recovery began. */
        void recoveryBegins() {
            recoveryFloor.clear();
            inRecovery = true;
            recoveryStep("the start of the recovery");
        }

        /** During a recovery (on the opening thread): no file moves back from what the disk held when it began. */
        void recoveryStep(String step) {
            for (String name : versions.keySet()) {
                try {
                    Integer rank = rankAt(real.resolve(name));
                    rankAt(real.resolve(name + ".backup"));
                    Integer floor = recoveryFloor.get(name);
                    if (floor != null && (rank == null || rank < floor)) {
                        violations.add("during the recovery, at " + step + ": " + name + " moved back from version "
                                + floor + " to " + rank);
                        recoveryFloor.put(name, rank == null ? -1 : rank); // reported once
                    } else if (rank != null) {
                        recoveryFloor.put(name, rank);
                    }
                } catch (AssertionError e) {
                    violations.add("during the recovery, at " + step + ": " + e.getMessage());
                }
            }
        }

        /** The rank of the version at {@code path}, null when there is no file; fails on anything not sent whole. */
        Integer rankAt(Path path) {
            byte[] content;
            try {
                content = Files.readAllBytes(path);
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String name = path.getFileName().toString().replaceFirst("\\.backup$", "");
            int rank = versions.get(name).indexOf(sha(content));
            if (rank < 0) {
                String what = content.length == 0 ? "an empty file"
                        : allZero(content) ? "zeros" : content.length + " bytes";
                throw new AssertionError(label + ": " + path.getFileName() + " holds a version never sent whole ("
                        + what + ")");
            }
            return rank;
        }

        /** Every final path and backup whole; nothing moves back or disappears. */
        void observe(String when) {
            if (!violations.isEmpty()) {
                fail(label + ", " + when + ": " + violations);
            }
            try {
                observeFiles(when);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage().replace(label + ": ", label + ", " + when + ": "), e);
            }
        }

        private void observeFiles(String when) {
            for (String name : versions.keySet()) {
                Integer rank = rankAt(real.resolve(name));
                rankAt(real.resolve(name + ".backup"));
                Integer before = seen.get(name);
                if (before != null && rank == null) {
                    fail(label + ", " + when + ": " + name + " disappeared (version " + before + " was seen)");
                }
                if (rank == null) {
                    continue;
                }
                if (before != null && rank < before) {
                    fail(label + ", " + when + ": " + name + " moved back from version " + before + " to " + rank);
                }
                seen.merge(name, rank, Math::max);
            }
        }

        /** The invariants of a store just opened after a cut. */
        void checkRecovered(FileStore store, String when) {
            observe(when);
            long next = store.durableOffset(PARTITION).orElse(0);
            long offset = 0;
            for (Step step : scenario) {
                if (step.isCommit()) {
                    continue;
                }
                long at = offset++;
                if (at < next && step.completes() >= 0) {
                    Integer rank = rankAt(real.resolve(step.name()));
                    if (rank == null || rank < step.completes()) {
                        fail(label + ", " + when + ": offset " + at + " is committed (durable offset " + next
                                + ") but " + step.name() + " holds version " + rank + ", not " + step.completes()
                                + " or newer");
                    }
                }
            }
            Set<FileKind> owed = owed();
            for (String name : versions.keySet()) {
                Integer rank = rankAt(real.resolve(name));
                if (rank != null && rank > told.getOrDefault(name, -1) && !owed.contains(kindOf(name))) {
                    fail(label + ", " + when + ": " + name + " is at version " + rank + ", the manager was told "
                            + told.get(name) + ", and no " + kindOf(name) + " request is owed");
                }
            }
            for (KeptReceipt receipt : store.keptReceipts()) {
                String value = new String(receipt.value(), StandardCharsets.UTF_8);
                String[] words = value.split(" ");
                if (words[0].equals("published")) {
                    int rank = versions.get(words[1]).indexOf(words[2]);
                    Integer inPlace = rankAt(real.resolve(words[1]));
                    if (rank < 0 || inPlace == null || inPlace < rank) {
                        fail(label + ", " + when + ": a kept receipt says '" + value + "' (version " + rank
                                + "), but version " + inPlace + " is in place");
                    }
                } else if (words[0].equals("record")) {
                    long at = Long.parseLong(words[1]);
                    if (at >= next) {
                        fail(label + ", " + when + ": a kept receipt of record " + at + " survived, but the durable "
                                + "offset is " + next);
                    }
                } else {
                    fail(label + ", " + when + ": a kept receipt nobody made: " + value);
                }
            }
        }
    }

    private static boolean allZero(byte[] content) {
        for (byte b : content) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- running

    private FileStore open(World world) throws IOException, StoreLockedException {
        world.recoveryArmed = false;
        world.recoveryBegins();
        FileStore store;
        try {
            store = FileStore.open(world.layer.root(), StoreFixtures.settings(), new MutableClock(), world.hook(),
                    world.listener());
        } finally {
            world.inRecovery = false;
        }
        store.compactAfter(COMPACT_AFTER);
        return store;
    }

    /** Calls the store; once the power is cut, any failure ends the run. */
    private interface StoreCall<T> {
        T call() throws Exception;
    }

    private static <T> T guarded(World world, StoreCall<T> call) throws Exception {
        try {
            return call.call();
        } catch (Exception e) {
            if (world.layer.isCut()) {
                throw new Cut(e);
            }
            throw e;
        }
    }

    /**
     * Applies the scenario from offset 0, skipping what is applied; {@code outcomes} (when not null) gets each
     * record's outcome.
     */
    private void run(World world, FileStore store, List<String> outcomes) throws Exception {
        long offset = 0;
        int index = 0;
        for (Step step : scenario) {
            index++;
            if (step.isCommit()) {
                if (step.async()) {
                    guarded(world, () -> {
                        store.commitAsync();
                        return null;
                    });
                } else {
                    FileStore.Round round = guarded(world, store::commit);
                    for (KeptReceipt receipt : round.receipts()) {
                        if (new String(receipt.key(), StandardCharsets.UTF_8).equals("zone.rpz")) {
                            store.acknowledge(receipt);
                        }
                    }
                }
                world.observe("after step " + index);
                continue;
            }
            long at = offset++;
            if (store.isApplied(PARTITION, at)) {
                continue;
            }
            String outcome = guarded(world, () -> {
                try {
                    return store.apply(step.part(), step.version(), "offset " + at).name();
                } catch (RejectedFileException e) {
                    if (world.layer.isCut()) {
                        throw e;
                    }
                    return e.kind().name();
                }
            });
            if (outcomes != null) {
                outcomes.add(outcome);
            } else if (REJECTIONS.contains(outcome) != REJECTIONS.contains(step.expected())) {
                fail(world.label + ": offset " + at + " (" + step.part() + ") was " + outcome + " when redelivered, "
                        + "expected " + step.expected());
            }
            if (step.keepReceipt()) {
                store.keepReceipt(bytes("record"), bytes("record " + at));
            }
            store.markApplied(PARTITION, at);
            world.observe("after step " + index);
        }
        guarded(world, store::commit);
    }

    /** The end: last versions in place, previous ones as backups, nothing left over, every offset durable. */
    private void checkEnd(World world, FileStore store) throws IOException {
        world.checkRecovered(store, "at the end");
        assertEquals(records, store.durableOffset(PARTITION).orElse(-1), world.label + ": durable offset at the end");
        for (Map.Entry<String, List<String>> file : versions.entrySet()) {
            List<String> sent = file.getValue();
            assertEquals(sent.size() - 1, world.rankAt(world.real.resolve(file.getKey())), world.label + ": "
                    + file.getKey() + " at the end");
            if (sent.size() > 1) {
                assertEquals(sent.size() - 2, world.rankAt(world.real.resolve(file.getKey() + ".backup")),
                        world.label + ": " + file.getKey() + ".backup at the end");
            }
        }
        try (Stream<Path> work = Files.list(StoreFixtures.workDir(world.real))) {
            assertEquals(List.of(), work.map(path -> path.getFileName().toString()).toList(), world.label
                    + ": work files left at the end");
        }
    }

    /** Counts of what the campaign did. */
    private static final class Tally {
        int runs;
        int cutsTaken;
        int secondCuts;
        int recoveriesArmed;
        int maxRecoveryForces;
    }

    /**
     * One run: the scenario with the power cut at force {@code k + 1}, a reboot in {@code variant}, an opening
     * (with a second cut at recovery force {@code second + 1} when it has one), then redelivery.
     */
    private void campaignRun(Path real, int k, Variant variant, int second, Tally tally) throws Exception {
        World world = new World(real, "cut at " + k + ", " + variant + ", second cut at " + second);
        world.layer = PowerCutFileSystem.over(real);
        world.layer.cutAtOperation(k);
        FileStore store = null;
        try {
            store = guarded(world, () -> open(world));
            run(world, store, null);
        } catch (Cut cut) {
            tally.cutsTaken++;
        } finally {
            if (store != null) {
                store.close();
            }
        }
        world.layer = world.layer.reboot(variant, k);
        world.layer.cutAtOperation(second);
        try {
            store = guarded(world, () -> open(world));
        } catch (Cut cut) {
            store = null;
        }
        if (store == null || world.layer.isCut()) {
            if (store != null) {
                store.close();
            }
            tally.secondCuts++;
            world.layer = world.layer.reboot(variant, 100_000L + k);
            store = open(world);
            tally.maxRecoveryForces = Math.max(tally.maxRecoveryForces, world.layer.durableOperations());
        } else {
            world.layer.cutAtOperation(Integer.MAX_VALUE); // the recovery had fewer forces: no second cut
            tally.maxRecoveryForces = Math.max(tally.maxRecoveryForces, world.layer.durableOperations());
        }
        try {
            if (world.recoveryArmed) {
                tally.recoveriesArmed++;
            }
            world.checkRecovered(store, "after reopening");
            run(world, store, null);
            checkEnd(world, store);
        } finally {
            store.close();
        }
        tally.runs++;
    }

    /**
     * The whole scenario, with one round that publishes two versions of one file (v3, then v4): a cut after that
     * round's renames and the files directory's sync, but before the next entry records them as placed, leaves the
     * work directory naming both work files in the variants that drop unsynced entries. The recovery places only
     * the newest pending version of a file, so the final path never holds v3 again.
     */
    @Test
    void everyPowerCutLeavesWholeVersionsAndRecoversExactlyOnce() throws Exception {
        build(true);
        quietly();
    }

    private void quietly() throws Exception {
        Level level = org.apache.logging.log4j.LogManager.getLogger("io.github.kresconnect").getLevel();
        Configurator.setLevel("io.github.kresconnect", Level.OFF); // hundreds of recoveries log what they do
        try {
            campaign();
        } finally {
            Configurator.setLevel("io.github.kresconnect", level);
        }
    }

    private void campaign() throws Exception {
        long started = System.nanoTime();
        // The reference run: no cut; it fixes N and checks the scenario does what it claims.
        World reference = new World(Files.createDirectory(temp.resolve("reference")), "reference");
        reference.layer = PowerCutFileSystem.over(reference.real);
        List<String> outcomes = new ArrayList<>();
        try (FileStore store = open(reference)) {
            run(reference, store, outcomes);
            checkEnd(reference, store);
        }
        int forces = reference.layer.durableOperations();
        List<String> expected = scenario.stream().filter(step -> !step.isCommit()).map(Step::expected).toList();
        assertEquals(expected, outcomes, "the scenario's records do what it says");
        assertTrue(reference.compactions > 0, "the journal is compacted mid-scenario");
        int maxVersions = versions.values().stream().mapToInt(List::size).max().orElse(0);

        Tally tally = new Tally();
        List<String> failures = new ArrayList<>();
        for (int k = 0; k <= forces; k++) {
            for (Variant variant : Variant.values()) {
                int sampled = (k + variant.ordinal()) % SECOND_CUT_SPREAD;
                for (int second = ALL_SECOND_CUTS ? 0 : sampled; second <= (ALL_SECOND_CUTS
                        ? SECOND_CUT_SPREAD : sampled); second++) {
                    Path real = Files.createDirectory(temp.resolve("cut-" + k + "-" + variant + "-" + second));
                    try {
                        campaignRun(real, k, variant, second, tally);
                    } catch (AssertionError e) {
                        failures.add(e.getMessage());
                    }
                    deleteTree(real);
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + (tally.runs + failures.size()) + " runs failed; the first ones:\n"
                    + String.join("\n", failures.subList(0, Math.min(12, failures.size()))));
        }
        assertTrue(tally.secondCuts > 0 && tally.recoveriesArmed > 0, "second cuts " + tally.secondCuts
                + ", recoveries that armed the manager " + tally.recoveriesArmed);
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        System.out.println("PowerCutCampaignTest: cut at each of " + (forces + 1) + " force boundaries (" + forces
                + " forces) x " + Variant.values().length + " variants" + (ALL_SECOND_CUTS ? " x " + (SECOND_CUT_SPREAD + 1)
                + " second cut points" : "") + " = " + tally.runs + " runs ("
                + tally.cutsTaken + " cut mid-scenario), " + tally.secondCuts + " second cuts during recovery, "
                + tally.recoveriesArmed + " recoveries armed the manager (max " + tally.maxRecoveryForces
                + " forces in a recovery), " + reference.compactions + " compactions in " + reference.rounds
                + " rounds per scenario, max " + maxVersions + " versions per file; " + seconds + " s");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
