package io.github.kresconnect.filesink.watchdog;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.connect.health.AbstractState;
import org.apache.kafka.connect.health.ConnectClusterState;
import org.apache.kafka.connect.health.ConnectorHealth;
import org.apache.kafka.connect.rest.ConnectRestExtension;
import org.apache.kafka.connect.rest.ConnectRestExtensionContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.Version;
import io.github.kresconnect.filesink.retry.Backoff;

/**
 * Makes a FAILED connector or task end the worker, so that its service manager starts a fresh one. Connect
 * leaves a failed task failed until someone restarts it by hand, while the process stays up: systemd's
 * {@code Restart=on-failure} never acts and the host silently stops applying files. Loaded by the worker as a
 * REST extension ({@code rest.extension.classes}), the only plug-in point that runs beside the herder and sees
 * every connector's state.
 *
 * <p>A connector or task seen FAILED is logged at WARN at once, with the first line of its trace. If it is still
 * FAILED after the grace, the watchdog logs one ERROR naming it and why, and exits the JVM with status
 * {@value #EXIT_STATUS} (Connect's shutdown hook stops the worker cleanly first). A restart by hand within the
 * grace period (REST API) cancels it. Setting {@code resolver.watchdog.grace.ms} to 0 turns the watchdog off.
 *
 * <p>The grace grows across restarts, so that a failure that persists does not restart the worker every half
 * minute forever: each exit is counted in a small state file ({@link ExitCount}) before the JVM ends, and the
 * next worker's grace is {@code resolver.watchdog.grace.ms} doubled once per exit in a row, at most
 * {@code resolver.watchdog.grace.max.ms} ({@link Backoff#waitAfter}). Once no connector or task has been FAILED
 * for {@code resolver.watchdog.healthy.ms}, the count is reset and the grace is the first one again.
 */
public final class FailedTaskWatchdog implements ConnectRestExtension {
    private static final Logger log = LoggerFactory.getLogger(FailedTaskWatchdog.class);

    public static final String GRACE_CONFIG = "resolver.watchdog.grace.ms";
    public static final String GRACE_MAX_CONFIG = "resolver.watchdog.grace.max.ms";
    public static final String HEALTHY_CONFIG = "resolver.watchdog.healthy.ms";
    public static final String STATE_FILE_CONFIG = "resolver.watchdog.state.file";
    public static final String POLL_CONFIG = "resolver.watchdog.poll.ms";
    static final long DEFAULT_GRACE_MS = 30_000;
    static final long DEFAULT_GRACE_MAX_MS = 30 * 60_000;
    static final long DEFAULT_HEALTHY_MS = 10 * 60_000;
    static final long DEFAULT_POLL_MS = 2_000;
    /** The worker setting whose file's directory holds the state file unless {@value #STATE_FILE_CONFIG} names one. */
    static final String OFFSETS_FILE_CONFIG = "offset.storage.file.filename";
    static final String STATE_FILE_NAME = "resolver-watchdog.state";
    /** EX_SOFTWARE: not one of the unit's SuccessExitStatus=, so Restart=on-failure starts the worker again. */
    public static final int EXIT_STATUS = 70;

    /** What to do once the grace has passed; the JVM's exit, replaced in tests. */
    interface Exit {
        void exit(int status);
    }

    private final Exit exit;
    private final java.util.function.LongSupplier clockMillis;
    private long firstGraceMs = DEFAULT_GRACE_MS;
    private long maxGraceMs = DEFAULT_GRACE_MAX_MS;
    private long healthyMs = DEFAULT_HEALTHY_MS;
    private long pollMs = DEFAULT_POLL_MS;
    private ExitCount exits = ExitCount.none();
    /** Failure exits in a row before this worker, as the state file had them; this worker's grace follows. */
    private int exitsBefore;
    private long graceMs = DEFAULT_GRACE_MS;
    /** Since when no connector or task has been FAILED; null while one is. */
    private Long healthySince;
    private final Map<String, Long> failedSince = new HashMap<>();
    private volatile boolean closed;
    private volatile boolean exiting;
    private Thread thread;

    public FailedTaskWatchdog() {
        this(status -> new Thread(() -> System.exit(status), "resolver-watchdog-exit").start(),
                () -> System.nanoTime() / 1_000_000);
    }

    FailedTaskWatchdog(Exit exit, java.util.function.LongSupplier clockMillis) {
        this.exit = exit;
        this.clockMillis = clockMillis;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        firstGraceMs = millis(configs, GRACE_CONFIG, DEFAULT_GRACE_MS);
        maxGraceMs = Math.max(firstGraceMs, millis(configs, GRACE_MAX_CONFIG, DEFAULT_GRACE_MAX_MS));
        healthyMs = millis(configs, HEALTHY_CONFIG, DEFAULT_HEALTHY_MS);
        pollMs = Math.max(100, millis(configs, POLL_CONFIG, DEFAULT_POLL_MS));
        exits = ExitCount.at(stateFile(configs));
        exitsBefore = exits.read();
        graceMs = firstGraceMs <= 0 ? firstGraceMs
                : new Backoff(Duration.ofMillis(firstGraceMs), Duration.ofMillis(maxGraceMs)).waitAfter(exitsBefore + 1);
        healthySince = clockMillis.getAsLong();
    }

    /** The state file: as set, or beside the standalone worker's offsets file; none in distributed mode. */
    private static Path stateFile(Map<String, ?> configs) {
        Object set = configs.get(STATE_FILE_CONFIG);
        if (set != null && !set.toString().isBlank()) {
            return Path.of(set.toString().strip());
        }
        Object offsets = configs.get(OFFSETS_FILE_CONFIG);
        if (offsets != null && !offsets.toString().isBlank()) {
            Path parent = Path.of(offsets.toString().strip()).toAbsolutePath().getParent();
            return parent == null ? null : parent.resolve(STATE_FILE_NAME);
        }
        return null;
    }

    private static long millis(Map<String, ?> configs, String key, long fallback) {
        Object value = configs.get(key);
        if (value == null || value.toString().isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(value.toString().strip());
        } catch (NumberFormatException e) {
            log.warn("{}={} is not a number of milliseconds; using {}", key, value, fallback);
            return fallback;
        }
    }

    @Override
    public void register(ConnectRestExtensionContext context) {
        if (graceMs <= 0) {
            log.info("Failed-task watchdog off ({}={})", GRACE_CONFIG, graceMs);
            return;
        }
        ConnectClusterState cluster = context.clusterState();
        thread = new Thread(() -> {
            while (!closed && !exiting) {
                try {
                    check(cluster);
                    Thread.sleep(pollMs);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.debug("Failed-task watchdog could not read the connectors' states", e);
                }
            }
        }, "resolver-failed-task-watchdog");
        thread.setDaemon(true);
        thread.start();
        log.info("Failed-task watchdog on: a connector or task FAILED for {} s ends the worker with exit status {} "
                + "so that its service manager starts it again{}", graceMs / 1000, EXIT_STATUS, backoffNote());
    }

    /** Why the grace is what it is, for the log lines that state it. */
    private String backoffNote() {
        if (!exits.kept()) {
            return " (no " + STATE_FILE_CONFIG + " nor " + OFFSETS_FILE_CONFIG + ": the grace does not grow across "
                    + "restarts)";
        }
        if (exitsBefore == 0) {
            return "";
        }
        return " (" + exitsBefore + " failure exit" + (exitsBefore == 1 ? "" : "s") + " in a row before this start, "
                + "counted in " + exits.file() + ": the grace doubles from " + firstGraceMs / 1000 + " s with each, at "
                + "most " + maxGraceMs / 1000 + " s, and is " + firstGraceMs / 1000 + " s again once nothing has been "
                + "FAILED for " + healthyMs / 1000 + " s)";
    }

    /** One look at every connector and task; package-private for tests. */
    void check(ConnectClusterState cluster) {
        Map<String, String> failedNow = new HashMap<>();
        for (String connector : cluster.connectors()) {
            ConnectorHealth health;
            try {
                health = cluster.connectorHealth(connector);
            } catch (RuntimeException e) {
                continue; // removed meanwhile
            }
            failed(health.connectorState()).ifPresent(trace -> failedNow.put("connector " + connector, trace));
            health.tasksState().forEach((id, state) -> failed(state)
                    .ifPresent(trace -> failedNow.put("task " + connector + "-" + id, trace)));
        }
        long now = clockMillis.getAsLong();
        for (String gone : failedSince.keySet().stream().filter(k -> !failedNow.containsKey(k)).toList()) {
            failedSince.remove(gone);
            log.info("The {} is no longer FAILED; the worker stays up", gone);
        }
        if (!failedNow.isEmpty()) {
            healthySince = null;
        } else if (healthySince == null) {
            healthySince = now;
        } else if (exitsBefore > 0 && now - healthySince >= healthyMs) {
            exitsBefore = 0;
            graceMs = firstGraceMs;
            exits.reset();
            log.info("Nothing has been FAILED for {} s: the failed-task watchdog's grace is {} s again", healthyMs / 1000,
                    graceMs / 1000);
        }
        for (Map.Entry<String, String> failed : failedNow.entrySet()) {
            Long since = failedSince.get(failed.getKey());
            if (since == null) {
                failedSince.put(failed.getKey(), now);
                log.warn("The {} is FAILED: {}. Unless it is restarted, the worker exits in {} s so that it is "
                        + "started again{}", failed.getKey(), failed.getValue(), graceMs / 1000, backoffNote());
            } else if (now - since >= graceMs && !exiting) {
                exiting = true;
                int count = exits.recordExit(exitsBefore);
                long nextGrace = new Backoff(Duration.ofMillis(firstGraceMs), Duration.ofMillis(maxGraceMs))
                        .waitAfter(count + 1);
                log.error("The {} has been FAILED for {} s: {}. Exiting the worker with status {} so that its service "
                        + "manager starts it again (systemd: Restart=on-failure); files are not applied until then. "
                        + "Failure exits in a row: {}; if it fails again, the next worker waits {} s",
                        failed.getKey(), (now - since) / 1000, failed.getValue(), EXIT_STATUS, count,
                        nextGrace / 1000);
                exit.exit(EXIT_STATUS);
                return;
            }
        }
    }

    /** This worker's grace, after the failure exits counted before it; package-private for tests. */
    long graceMs() {
        return graceMs;
    }

    /** The first line of the trace of a FAILED state, and its last cause's, if the state is FAILED. */
    static Optional<String> failed(AbstractState state) {
        if (state == null || !"FAILED".equals(state.state())) {
            return Optional.empty();
        }
        String trace = state.traceMessage() == null ? "" : state.traceMessage();
        String first = trace.lines().findFirst().orElse("(no trace)").strip();
        String cause = trace.lines().filter(l -> l.startsWith("Caused by: ")).reduce((a, b) -> b)
                .map(String::strip).orElse(null);
        return Optional.of(cause == null || cause.equals(first) ? first : first + " (" + cause + ")");
    }

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt(); // never joined: the JVM may be exiting from this very thread's request
        }
    }
}
