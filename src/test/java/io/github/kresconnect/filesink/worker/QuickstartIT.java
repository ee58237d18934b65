package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.notify.FakeManager;

/** The README's first command does what it promises: samples delivered, the manager asked to reload. */
class QuickstartIT {

    @Test
    void deliversTheSamplesAndAsksTheManagerToReload() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Quickstart quickstart = new Quickstart(new PrintStream(printed, true, StandardCharsets.UTF_8),
                KafkaDistribution.projectDir().resolve("target/quickstart-it"));
        try {
            quickstart.run();
            Path files = quickstart.filesDir();
            String config = Files.readString(files.resolve("config.yaml"));
            assertTrue(config.contains("- file: " + files.resolve("blocklist.rpz")), config);
            assertTrue(Files.size(files.resolve("blocklist.rpz")) > 512 * 1024, "the zone went in chunks");
            assertFalse(Files.exists(files.resolve("blocklist.rpz.chunks")), "chunks were assembled and removed");
            if (quickstart.standInManager() != null) {
                List<String> posts = quickstart.standInManager().posts().stream().map(FakeManager.Request::path)
                        .toList();
                assertEquals(List.of("/reload"), posts, "one reload covers the zone and the config");
            }
            String output = printed.toString(StandardCharsets.UTF_8);
            assertTrue(output.contains("blocklist.rpz") && output.contains("POST /reload"), output);
        } finally {
            quickstart.stop();
        }
    }
}
