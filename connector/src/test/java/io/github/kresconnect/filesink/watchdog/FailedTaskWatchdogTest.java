package io.github.kresconnect.filesink.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.connect.health.ConnectClusterDetails;
import org.apache.kafka.connect.health.ConnectClusterState;
import org.apache.kafka.connect.health.ConnectorHealth;
import org.apache.kafka.connect.health.ConnectorState;
import org.apache.kafka.connect.health.ConnectorType;
import org.apache.kafka.connect.health.TaskState;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.notify.CapturedLog;

class FailedTaskWatchdogTest {
    private final AtomicLong now = new AtomicLong();
    private final List<Integer> exits = new ArrayList<>();
    private final FailedTaskWatchdog watchdog = new FailedTaskWatchdog(exits::add, now::get);
    private volatile String taskState = "RUNNING";

    private final ConnectClusterState cluster = new ConnectClusterState() {
        @Override
        public Collection<String> connectors() {
            return List.of("resolver-file-sink-r1");
        }

        @Override
        public ConnectorHealth connectorHealth(String name) {
            return new ConnectorHealth(name, new ConnectorState("RUNNING", "w", null),
                    Map.of(0, new TaskState(0, taskState, "w", "org.apache.kafka.connect.errors.ConnectException: "
                            + "boom\n\tat x.y(Z.java:1)\nCaused by: org.apache.kafka.common.errors.InvalidReplicationFactorException: "
                            + "Replication factor: 3 larger than available brokers: 1.\n")), ConnectorType.SINK);
        }

        @Override
        public Map<String, String> connectorConfig(String name) {
            return Map.of();
        }

        @Override
        public ConnectClusterDetails clusterDetails() {
            return () -> "cluster";
        }
    };

    @Test
    void aTaskFailedPastTheGraceEndsTheWorkerOnceNamingItAndWhy() {
        watchdog.configure(Map.of(FailedTaskWatchdog.GRACE_CONFIG, "10000"));
        try (CapturedLog log = CapturedLog.of(FailedTaskWatchdog.class.getName())) {
            watchdog.check(cluster);
            taskState = "FAILED";
            watchdog.check(cluster);
            assertEquals(1, log.at(Level.WARN).size());
            assertTrue(log.at(Level.WARN).get(0).message().contains("task resolver-file-sink-r1-0 is FAILED: "
                    + "org.apache.kafka.connect.errors.ConnectException: boom (Caused by: "
                    + "org.apache.kafka.common.errors.InvalidReplicationFactorException"), log.at(Level.WARN)::toString);
            now.addAndGet(9_999);
            watchdog.check(cluster);
            assertEquals(List.of(), exits, "not before the grace has passed");
            now.addAndGet(1);
            watchdog.check(cluster);
            assertEquals(List.of(FailedTaskWatchdog.EXIT_STATUS), exits);
            assertEquals(1, log.at(Level.ERROR).size());
            assertTrue(log.at(Level.ERROR).get(0).message().contains("Exiting the worker with status 70"));
            now.addAndGet(60_000);
            watchdog.check(cluster);
            assertEquals(1, exits.size(), "exits once");
        }
    }

    @Test
    void aTaskRestartedWithinTheGraceKeepsTheWorkerUp() {
        watchdog.configure(Map.of(FailedTaskWatchdog.GRACE_CONFIG, "10000"));
        taskState = "FAILED";
        watchdog.check(cluster);
        now.addAndGet(5_000);
        taskState = "RUNNING";
        watchdog.check(cluster);
        taskState = "FAILED";
        now.addAndGet(6_000);
        watchdog.check(cluster);
        assertEquals(List.of(), exits, "the grace starts again from the new failure");
        now.addAndGet(10_000);
        watchdog.check(cluster);
        assertEquals(List.of(FailedTaskWatchdog.EXIT_STATUS), exits);
    }

    /** A new worker process after an exit: a new watchdog on the same state file, on the same (test) clock. */
    private FailedTaskWatchdog restarted(Map<String, String> configs) {
        FailedTaskWatchdog next = new FailedTaskWatchdog(exits::add, now::get);
        next.configure(configs);
        return next;
    }

    /** Fails the task and returns how long (ms, by the test clock) the watchdog let it be FAILED before exiting. */
    private long failUntilExit(FailedTaskWatchdog w) {
        int before = exits.size();
        taskState = "FAILED";
        w.check(cluster);
        long start = now.get();
        while (exits.size() == before) {
            now.addAndGet(1_000);
            w.check(cluster);
            assertTrue(now.get() - start <= 3_600_000, "no exit within an hour");
        }
        return now.get() - start;
    }

    @Test
    void aPersistentFailureWaitsLongerAfterEachExitUpToTheMaximum(@TempDir Path state) throws Exception {
        Map<String, String> configs = Map.of(FailedTaskWatchdog.GRACE_CONFIG, "10000",
                FailedTaskWatchdog.GRACE_MAX_CONFIG, "60000",
                FailedTaskWatchdog.OFFSETS_FILE_CONFIG, state.resolve("connect.offsets").toString());
        List<Long> graces = new ArrayList<>();
        try (CapturedLog log = CapturedLog.of(FailedTaskWatchdog.class.getName())) {
            for (int run = 0; run < 5; run++) {
                graces.add(failUntilExit(restarted(configs)));
            }
            assertEquals(List.of(10_000L, 20_000L, 40_000L, 60_000L, 60_000L), graces);
            assertEquals(5, exits.size());
            Path file = state.resolve(FailedTaskWatchdog.STATE_FILE_NAME);
            assertTrue(Files.readString(file).startsWith("failure-exits=5\n"), Files.readString(file));
            // Each start says why its grace is what it is; each exit says what the next one will wait.
            String lastWarn = log.at(Level.WARN).get(log.at(Level.WARN).size() - 1).message();
            assertTrue(lastWarn.contains("the worker exits in 60 s") && lastWarn.contains("4 failure exits in a row "
                    + "before this start") && lastWarn.contains("doubles from 10 s") && lastWarn.contains("at most 60 s"),
                    lastWarn);
            String firstError = log.at(Level.ERROR).get(0).message();
            assertTrue(firstError.contains("Failure exits in a row: 1; if it fails again, the next worker waits 20 s"),
                    firstError);
        }
    }

    @Test
    void aHealthyPeriodResetsTheGrace(@TempDir Path state) throws Exception {
        Path file = state.resolve("watchdog.state");
        Map<String, String> configs = Map.of(FailedTaskWatchdog.GRACE_CONFIG, "10000",
                FailedTaskWatchdog.HEALTHY_CONFIG, "300000", FailedTaskWatchdog.STATE_FILE_CONFIG, file.toString());
        Files.writeString(file, "failure-exits=3\n");
        FailedTaskWatchdog w = restarted(configs);
        assertEquals(80_000, w.graceMs(), "three exits before: 10 s doubled three times");

        taskState = "RUNNING";
        w.check(cluster);
        now.addAndGet(299_000);
        w.check(cluster);
        assertEquals(80_000, w.graceMs(), "not yet healthy long enough");
        now.addAndGet(1_000);
        w.check(cluster);
        assertEquals(10_000, w.graceMs(), "healthy for 300 s");
        assertTrue(Files.readString(file).startsWith("failure-exits=0\n"), Files.readString(file));

        assertEquals(10_000, failUntilExit(w));
        assertTrue(Files.readString(file).startsWith("failure-exits=1\n"), Files.readString(file));
        assertEquals(20_000, restarted(configs).graceMs());
    }

    @Test
    void aFailureWithinTheHealthyPeriodKeepsTheCount(@TempDir Path state) throws Exception {
        Path file = state.resolve("watchdog.state");
        Map<String, String> configs = Map.of(FailedTaskWatchdog.GRACE_CONFIG, "10000",
                FailedTaskWatchdog.HEALTHY_CONFIG, "300000", FailedTaskWatchdog.STATE_FILE_CONFIG, file.toString());
        Files.writeString(file, "failure-exits=2\n");
        FailedTaskWatchdog w = restarted(configs);
        taskState = "RUNNING";
        w.check(cluster);
        now.addAndGet(200_000);
        w.check(cluster);
        assertEquals(40_000, failUntilExit(w), "200 s of health is not 300");
        assertEquals(80_000, restarted(configs).graceMs());
    }

    @Test
    void withoutAStateDirectoryTheGraceStaysTheFirstAndTheLogSaysSo() {
        Map<String, String> configs = Map.of(FailedTaskWatchdog.GRACE_CONFIG, "10000");
        try (CapturedLog log = CapturedLog.of(FailedTaskWatchdog.class.getName())) {
            assertEquals(10_000, failUntilExit(restarted(configs)));
            assertEquals(10_000, failUntilExit(restarted(configs)));
            assertTrue(log.at(Level.WARN).get(0).message().contains("the grace does not grow across restarts"),
                    log.at(Level.WARN)::toString);
        }
    }

    @Test
    void anUnreadableStateFileCountsNoExitsAndIsReplacedAtTheNextExit(@TempDir Path state) throws Exception {
        Path file = state.resolve("watchdog.state");
        Files.writeString(file, "garbage\n");
        Map<String, String> configs = Map.of(FailedTaskWatchdog.GRACE_CONFIG, "10000",
                FailedTaskWatchdog.STATE_FILE_CONFIG, file.toString());
        try (CapturedLog log = CapturedLog.of(ExitCount.class.getName())) {
            FailedTaskWatchdog w = restarted(configs);
            assertEquals(10_000, w.graceMs());
            assertTrue(log.at(Level.WARN).get(0).message().contains("holds no 'failure-exits=N' line"),
                    log.at(Level.WARN)::toString);
            assertEquals(10_000, failUntilExit(w));
        }
        assertTrue(Files.readString(file).startsWith("failure-exits=1\n"), Files.readString(file));
    }
}
