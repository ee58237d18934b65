package io.github.kresconnect.filesink.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
