package io.github.kresconnect.filesink.publish;

import java.io.PrintStream;
import java.util.Locale;

import io.github.kresconnect.filesink.publish.PublishPlan.PlannedFile;
import io.github.kresconnect.filesink.store.FileKind;

/**
 * What the operator sees on stderr while files are sent. Bytes count when the broker acknowledges them,
 * not when they are queued. On a terminal, a transfer larger than one chunk gets a bar redrawn in place
 * (bytes, rate, time left); elsewhere (logs, pipes) plain lines, at most one progress line every few seconds.
 */
final class Progress {
    private static final long TERMINAL_REDRAW_NANOS = 200_000_000L;
    private static final long LINE_INTERVAL_NANOS = 5_000_000_000L;
    private static final int BAR_WIDTH = 24;

    private final PrintStream err;
    private final boolean bar;
    private final boolean quiet;
    private final long totalBytes;
    private final long startNanos = System.nanoTime();

    private long acknowledgedBytes;
    private long acknowledgedRecords;
    private long lastShownNanos = System.nanoTime();
    private String currentFile = "";
    private boolean barDrawn;

    Progress(PrintStream err, boolean terminal, boolean quiet, PublishPlan plan, int recipients) {
        this.err = err;
        this.quiet = quiet;
        this.totalBytes = plan.totalBytes() * recipients;
        this.bar = terminal && !quiet && plan.totalBytes() > plan.chunkSize();
    }

    synchronized void fileStarted(int position, int count, PlannedFile file, int recipients) {
        currentFile = file.name();
        if (quiet) {
            return;
        }
        String line = String.format(Locale.ROOT, "[%d/%d] %s: %s in %s to %d recipient%s%s", position, count,
                file.name(), bytes(file.size()), file.isChunked() ? file.chunks() + " chunks" : "one record",
                recipients, recipients == 1 ? "" : "s",
                file.kind() == FileKind.CONFIG
                        ? " (config: every earlier record is acknowledged)" : "");
        if (bar) {
            clearBar();
            err.println(line);
            draw();
        } else {
            err.println(line);
        }
    }

    /** Called on the producer's I/O thread for each acknowledged record. */
    synchronized void acknowledged(long bytes) {
        acknowledgedBytes += bytes;
        acknowledgedRecords++;
        long now = System.nanoTime();
        if (quiet) {
            return;
        }
        if (bar && now - lastShownNanos >= TERMINAL_REDRAW_NANOS) {
            lastShownNanos = now;
            draw();
        } else if (!bar && now - lastShownNanos >= LINE_INTERVAL_NANOS && acknowledgedBytes < totalBytes) {
            lastShownNanos = now;
            err.println("  " + status());
        }
    }

    synchronized void finished(int files) {
        if (quiet) {
            return;
        }
        if (bar) {
            draw();
            err.println();
            barDrawn = false;
        }
        double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
        err.println(String.format(Locale.ROOT, "Done: %d file%s, %d record%s acknowledged, %s in %.1f s (%s/s)",
                files, files == 1 ? "" : "s", acknowledgedRecords, acknowledgedRecords == 1 ? "" : "s",
                bytes(acknowledgedBytes), seconds, bytes((long) (acknowledgedBytes / seconds))));
    }

    /** Ends the bar's line so an error message starts on its own. */
    synchronized void interrupted() {
        if (barDrawn) {
            err.println();
            barDrawn = false;
        }
    }

    private void draw() {
        int filled = totalBytes == 0 ? BAR_WIDTH : (int) (BAR_WIDTH * acknowledgedBytes / totalBytes);
        String line = "[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "] " + status();
        err.print("\r" + line + "\033[K");
        err.flush();
        barDrawn = true;
    }

    private void clearBar() {
        if (barDrawn) {
            err.print("\r\033[K");
            barDrawn = false;
        }
    }

    private String status() {
        double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
        double rate = acknowledgedBytes / seconds;
        int percent = totalBytes == 0 ? 100 : (int) (100 * acknowledgedBytes / totalBytes);
        String eta = rate <= 0 ? "--:--" : duration((long) ((totalBytes - acknowledgedBytes) / rate));
        return String.format(Locale.ROOT, "%3d%% %s of %s, %s/s, ETA %s  %s", percent, bytes(acknowledgedBytes),
                bytes(totalBytes), bytes((long) rate), eta, currentFile);
    }

    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    static String duration(long seconds) {
        return seconds >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
