package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.github.kresconnect.filesink.store.FileStore;

/**
 * One connector's delivery as its worker logged it through {@link FileStore#TIMELINE_LOGGER} at DEBUG: when each
 * batch of records was handed to the task, and when each round of group commit ended with the time its steps took.
 * Times are the log's, to the millisecond.
 */
record Timeline(List<Batch> batches, List<Round> rounds) {
    /** A batch of records handed to the task, at {@code at} (milliseconds since the epoch). */
    record Batch(long at, int records) {
    }

    /** A round that ended at {@code end}, with its files and the milliseconds of its steps. */
    record Round(long end, int files, double awaitingWrites, double syncing, double journal, double placing) {
        double start() {
            return end - awaitingWrites - syncing - journal - placing;
        }
    }

    private static final Pattern LINE = Pattern.compile("^\\[(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3})\\] "
            + "DEBUG (.*) \\(" + Pattern.quote(FileStore.TIMELINE_LOGGER) + "\\)$");
    private static final Pattern BATCH = Pattern.compile("Batch of (\\d+) records");
    private static final Pattern ROUND = Pattern.compile("Round of (\\d+) files, \\d+ operations: ([\\d.]+) ms "
            + "awaiting their writes, ([\\d.]+) ms syncing the data, ([\\d.]+) ms appending the journal, ([\\d.]+) ms "
            + "placing the files");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS", Locale.ROOT);

    /**
     * The lines of {@code connector} in a worker's log (from its creation to the next connector's), or an empty
     * timeline when the log has none.
     */
    static Timeline of(Path log, String connector) throws IOException {
        List<Batch> batches = new ArrayList<>();
        List<Round> rounds = new ArrayList<>();
        boolean inside = false;
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.contains("INFO Creating connector ")) {
                inside = line.contains("INFO Creating connector " + connector + " of type ");
                continue;
            }
            Matcher matcher = inside ? LINE.matcher(line) : null;
            if (matcher == null || !matcher.matches()) {
                continue;
            }
            long at = LocalDateTime.parse(matcher.group(1), TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
            Matcher batch = BATCH.matcher(matcher.group(2));
            Matcher round = ROUND.matcher(matcher.group(2));
            if (batch.matches()) {
                batches.add(new Batch(at, Integer.parseInt(batch.group(1))));
            } else if (round.matches()) {
                rounds.add(new Round(at, Integer.parseInt(round.group(1)), Double.parseDouble(round.group(2)),
                        Double.parseDouble(round.group(3)), Double.parseDouble(round.group(4)),
                        Double.parseDouble(round.group(5))));
            }
        }
        return new Timeline(batches, rounds);
    }

    /** True when the log had a batch and a round that placed files. */
    boolean measured() {
        return !batches.isEmpty() && rounds.stream().anyMatch(round -> round.files() > 0);
    }

    /** Milliseconds from the first batch to the last. */
    long handedOverMillis() {
        return batches.get(batches.size() - 1).at() - batches.get(0).at();
    }

    /** Milliseconds from the last batch to the end of the last round that placed files. */
    long tailMillis() {
        List<Round> placing = placing();
        return placing.get(placing.size() - 1).end() - batches.get(batches.size() - 1).at();
    }

    private List<Round> placing() {
        return rounds.stream().filter(round -> round.files() > 0).toList();
    }

    /** The table's summary. */
    String summary() {
        return String.format(Locale.ROOT, "%d records in %d batches over %d ms; the last in place %d ms after the "
                + "last batch; %d rounds", batches.stream().mapToInt(Batch::records).sum(), batches.size(),
                handedOverMillis(), tailMillis(), placing().size());
    }

    /** Every batch and every round that placed files, in milliseconds from the first batch. */
    String describe() {
        long zero = batches.get(0).at();
        return "batches (records at ms): " + batches.stream().map(batch -> batch.records() + " at " + (batch.at()
                - zero)).collect(Collectors.joining(", ")) + "; rounds (files: from ms to ms, awaiting their writes "
                + "+ syncing the data + appending the journal + placing the files): " + placing().stream()
                .map(round -> String.format(Locale.ROOT, "%d: %.0f to %d, %.1f + %.1f + %.1f + %.1f", round.files(),
                        round.start() - zero, round.end() - zero, round.awaitingWrites(), round.syncing(),
                        round.journal(), round.placing())).collect(Collectors.joining("; "));
    }
}
