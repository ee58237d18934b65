package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child process whose output goes to a log file kept under target/ for diagnosis. Closing it stops it
 * and everything it started: politely first (the JVM's shutdown hooks run, as on a service stop), then
 * forcibly.
 */
final class LoggedProcess implements AutoCloseable {
    private static final Duration GRACEFUL_STOP = Duration.ofSeconds(20);
    private static final int TAIL_LINES = 60;

    private final String name;
    private final Process process;
    private final Path log;

    private LoggedProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    static LoggedProcess start(String name, List<String> command, Path workDir, Path log) throws IOException {
        return start(name, command, workDir, log, Map.of());
    }

    /** {@link #start(String, List, Path, Path)} with these variables added to the environment it inherits. */
    static LoggedProcess start(String name, List<String> command, Path workDir, Path log,
            Map<String, String> environment) throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        return new LoggedProcess(name, builder.start(), log);
    }

    /** Runs a command to its end; fails with the log's tail unless it exits with 0. */
    static void run(String name, List<String> command, Path workDir, Path log, Duration timeout)
            throws IOException, InterruptedException {
        try (LoggedProcess p = start(name, command, workDir, log)) {
            if (!p.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " did not finish within " + timeout.toSeconds() + " s\n" + p.tail());
            }
            if (p.process.exitValue() != 0) {
                throw new AssertionError(name + " failed with exit code " + p.process.exitValue() + "\n" + p.tail());
            }
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** The exit status of a process that has ended. */
    int exitValue() {
        return process.exitValue();
    }

    /**
     * Kills the process with SIGKILL, as a crash, the OOM killer or a power cut would end it: no shutdown hook
     * runs, nothing is flushed or closed. Waits until it is gone; returns its exit code (137 on Linux).
     */
    int kill() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        if (!process.waitFor(GRACEFUL_STOP.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " survived SIGKILL for " + GRACEFUL_STOP.toSeconds() + " s");
        }
        return process.exitValue();
    }

    Path log() {
        return log;
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Waits until the log contains {@code text}; fails early if the process exits. */
    void awaitLogLine(String text, Duration timeout) {
        Await.until("'" + text + "' in the log of " + name, timeout, () -> {
            if (logText().contains(text)) {
                return true;
            }
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with code " + process.exitValue() + " before logging '"
                        + text + "'\n" + tail());
            }
            return false;
        }, this::tail);
    }

    /** The last lines of the log, labelled, for failure messages. */
    String tail() {
        List<String> lines = logText().lines().toList();
        List<String> last = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
        return "---- last " + last.size() + " lines of " + log + " (" + name
                + (process.isAlive() ? ", running" : ", exited " + process.exitValue()) + ")\n"
                + String.join("\n", last) + "\n---- end of " + name + " log";
    }

    /** Kills the process at once (SIGKILL), as a crash or the OOM killer would; returns once it is gone. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(GRACEFUL_STOP.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(GRACEFUL_STOP.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
