package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.publish.PublishPlan.PlannedFile;
import io.github.kresconnect.filesink.store.FileKind;

class ProgressTest {
    private static final PlannedFile LARGE = new PlannedFile("large.rpz", Path.of("large.rpz"), 3000, 3, FileKind.DATA);
    private static final PublishPlan PLAN = new PublishPlan(List.of(LARGE), 1000);

    private static String render(boolean terminal) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Progress progress = new Progress(err, terminal, false, PLAN, 2);
        progress.fileStarted(1, 1, LARGE, 2);
        for (int i = 0; i < 6; i++) {
            progress.acknowledged(1000);
        }
        progress.finished(1);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aTerminalGetsABarRedrawnInPlace() {
        String shown = render(true);
        assertTrue(shown.contains("\r[------------------------]   0% 0 B of 5.9 KiB"), shown);
        assertTrue(shown.contains("\r[########################] 100% 5.9 KiB of 5.9 KiB"), shown);
        assertTrue(shown.contains("ETA") && shown.contains("large.rpz"), shown);
        assertTrue(shown.contains("Done: 1 file, 6 records acknowledged, 5.9 KiB"), shown);
    }

    @Test
    void elsewherePlainLinesWithoutControlCharacters() {
        String shown = render(false);
        assertFalse(shown.contains("\r") || shown.contains("\033"), shown);
        assertTrue(shown.startsWith("[1/1] large.rpz: 2.9 KiB in 3 chunks to 2 recipients"), shown);
        assertTrue(shown.contains("Done: 1 file, 6 records acknowledged"), shown);
    }

    @Test
    void sizesAndDurationsReadWell() {
        assertEquals("512 B", Progress.bytes(512));
        assertEquals("1.5 MiB", Progress.bytes(1536 * 1024));
        assertEquals("1:05", Progress.duration(65));
        assertEquals("2:00:05", Progress.duration(7205));
    }
}
