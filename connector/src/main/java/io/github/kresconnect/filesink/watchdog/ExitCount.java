package io.github.kresconnect.filesink.watchdog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.store.DurableFiles;

/**
 * The failed-task watchdog's count of failure exits in a row, kept across restarts of the worker in a small file
 * ({@code failure-exits=N}, and the time of the last one for whoever reads it), replaced durably before the JVM
 * exits. Without a file (no state directory known) the count is not kept. A file that cannot be read or written
 * costs the backoff, never the exit: it is logged and counted as none.
 */
final class ExitCount {
    private static final Logger log = LoggerFactory.getLogger(ExitCount.class);
    private static final String KEY = "failure-exits=";

    private final Path file;

    private ExitCount(Path file) {
        this.file = file;
    }

    static ExitCount none() {
        return new ExitCount(null);
    }

    static ExitCount at(Path file) {
        return file == null ? none() : new ExitCount(file);
    }

    boolean kept() {
        return file != null;
    }

    Path file() {
        return file;
    }

    /** The failure exits in a row counted so far; 0 without a file. */
    int read() {
        if (file == null) {
            return 0;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.startsWith(KEY)) {
                    int count = Integer.parseInt(line.substring(KEY.length()).strip());
                    if (count >= 0) {
                        return count;
                    }
                }
            }
            log.warn("{} holds no '{}N' line; counting no failure exits before this start", file, KEY);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException | NumberFormatException e) {
            log.warn("Could not read {} ({}); counting no failure exits before this start", file, e.toString());
        }
        return 0;
    }

    /** Counts one more failure exit after {@code before} of them; the new count. */
    int recordExit(int before) {
        int count = before + 1;
        write(KEY + count + "\nlast-exit=" + Instant.now() + "\n", "the next worker's grace will not grow");
        return count;
    }

    /** A healthy period: the next failure waits the first grace again. */
    void reset() {
        write(KEY + "0\n", "the next worker may wait a longer grace than the first");
    }

    private void write(String content, String consequence) {
        if (file == null) {
            return;
        }
        try {
            DurableFiles.replace(file, content.getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            log.warn("Could not write {} ({}): {}", file, e.toString(), consequence);
        }
    }
}
