package io.github.kresconnect.filesink.store;

import static io.github.kresconnect.filesink.store.StoreDriver.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.notify.CapturedLog;
import io.github.kresconnect.filesink.record.FilePart;

/**
 * The delivery's timeline logger ({@link FileStore#TIMELINE_LOGGER}): at DEBUG, one line for each round with the
 * time its steps took, whatever the number of files in it; nothing at the shipped level.
 */
class TimelineLogTest {
    private static final Pattern ROUND = Pattern.compile("Round of (\\d+) files, (\\d+) operations: "
            + "(\\d+\\.\\d) ms awaiting their writes, (\\d+\\.\\d) ms syncing the data, (\\d+\\.\\d) ms appending the "
            + "journal, (\\d+\\.\\d) ms placing the files");

    @TempDir
    Path dir;

    @AfterEach
    void shippedLevel() {
        Configurator.setLevel(FileStore.TIMELINE_LOGGER, Level.INFO);
    }

    private static void commitThreeFiles(Path filesDir) throws Exception {
        try (FileStore store = FileStore.open(filesDir, StoreFixtures.settings(), new MutableClock(), step -> { })) {
            for (int i = 0; i < 3; i++) {
                store.apply(new FilePart("zone-" + i + ".rpz", 1, 1, bytes("zone " + i + "\n"), null), "offset " + i);
                store.markApplied(StoreDriver.PARTITION, i);
            }
            store.commit();
        }
    }

    @Test
    void aRoundIsOneLineWithTheTimeOfEachStep() throws Exception {
        Configurator.setLevel(FileStore.TIMELINE_LOGGER, Level.DEBUG);
        Path filesDir = Files.createDirectories(dir.resolve("files"));
        try (CapturedLog log = CapturedLog.of(FileStore.TIMELINE_LOGGER)) {
            commitThreeFiles(filesDir);
            List<String> rounds = log.at(Level.DEBUG).stream().map(CapturedLog.Line::message)
                    .filter(line -> line.startsWith("Round of 3 files")).toList();
            assertEquals(1, rounds.size(), "one line for the round of three files: " + log.lines());
            var matcher = ROUND.matcher(rounds.get(0));
            assertTrue(matcher.matches(), rounds.get(0));
            assertTrue(Integer.parseInt(matcher.group(2)) >= 4, "three publications and the partition's offset at "
                    + "least: " + rounds.get(0));
        }
        assertEquals("zone 2\n", Files.readString(filesDir.resolve("zone-2.rpz")));
    }

    @Test
    void nothingAtTheShippedLevel() throws Exception {
        Path filesDir = Files.createDirectories(dir.resolve("files"));
        try (CapturedLog log = CapturedLog.of(FileStore.TIMELINE_LOGGER)) {
            commitThreeFiles(filesDir);
            assertEquals(List.of(), log.lines().stream().map(CapturedLog.Line::message)
                    .filter(line -> line.startsWith("Round of")).toList());
        }
        assertEquals("zone 0\n", Files.readString(filesDir.resolve("zone-0.rpz")));
    }
}
