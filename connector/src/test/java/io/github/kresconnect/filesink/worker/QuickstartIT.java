package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.notify.FakeManager;

/**
 * The README's first command (bin/quickstart, docs/quickstart.md) does what it promises: ports and paths printed before anything starts, samples
 * delivered and shown landing, a rejection shown, the manager asked to reload, the printed publish command
 * working, and the operator's edits to the configs kept and in effect on the next run.
 */
class QuickstartIT {
    private static final Path PROJECT = KafkaDistribution.projectDir();

    @Test
    void keepsEditsShowsLandingsAndRejectionsAcrossTwoRuns() throws Exception {
        Path workDir = PROJECT.resolve("target/quickstart-it");
        int kafkaPort = FreePorts.next();
        int connectPort = FreePorts.next();
        Quickstart.Options options = Quickstart.Options.parse("--kafka-port", String.valueOf(kafkaPort),
                "--connect-port=" + connectPort, "--reset", "--once");

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Quickstart first = new Quickstart(new PrintStream(printed, true, StandardCharsets.UTF_8), workDir, options);
        Path sinkFile = workDir.resolve("resolver-sink.properties");
        Path workerFile = workDir.resolve("worker.properties");
        try {
            first.run();
            String output = printed.toString(StandardCharsets.UTF_8);
            assertPrintedBeforeStart(output, "127.0.0.1:" + kafkaPort);
            assertPrintedBeforeStart(output, "http://127.0.0.1:" + connectPort);
            assertPrintedBeforeStart(output, first.filesDir().toString());
            assertPrintedBeforeStart(output, "Manager socket");
            assertPrintedBeforeStart(output, workDir.resolve("plugins").toString());
            assertPrintedBeforeStart(output, "Your edits are kept");
            assertTrue(output.contains(sinkFile + " (new)"), output);

            Path files = first.filesDir();
            String config = Files.readString(files.resolve("config.yaml"));
            assertTrue(config.contains("- file: " + files.resolve("blocklist.rpz")), config);
            assertTrue(Files.size(files.resolve("blocklist.rpz")) > 512 * 1024, "the zone went in chunks");
            assertFalse(Files.exists(files.resolve("blocklist.rpz.chunks")), "chunks were assembled and removed");
            assertLandingShown(output, files, "blocklist.rpz");
            assertLandingShown(output, files, "config.yaml");

            assertFalse(Files.exists(files.resolve(Quickstart.BROKEN_CONFIG)), "the broken config never landed");
            assertTrue(output.lines().anyMatch(l -> l.startsWith("  REJECTED  ")
                    && l.contains("'" + Quickstart.BROKEN_CONFIG + "'")), output);
            if (first.standInManager() != null) {
                List<String> posts = first.standInManager().posts().stream().map(FakeManager.Request::path).toList();
                assertEquals(List.of("/reload"), posts, "one reload covers the zone and the config");
                assertTrue(output.contains("[stand-in manager]") && output.contains("POST /reload"), output);
            }

            // The command printed for publishing by hand works as printed, and what it delivers is shown.
            Matcher command = Pattern.compile("bin/resolver-publish (--bootstrap-server \\S+ (--topic \\S+ )?"
                    + "(--receipts-topic(-mode)? \\S+ )*--to \\S+) FILE\\.\\.\\.").matcher(output);
            assertTrue(command.find(), output);
            Path byHand = Files.writeString(workDir.resolve("by-hand.txt"), "published by hand\n");
            List<String> args = new ArrayList<>(List.of(command.group(1).split(" ")));
            args.add(byHand.toString());
            PublisherProcess.publish(workDir, "by-hand", args);
            Await.until("by-hand.txt shown landing", Duration.ofSeconds(60),
                    () -> printed.toString(StandardCharsets.UTF_8).contains("  landed    by-hand.txt "));
            assertLandingShown(printed.toString(StandardCharsets.UTF_8), files, "by-hand.txt");

            // The same command with --wait reports this host's outcome from its receipt (on these ports too), and
            // the printed status command lists the host with the file.
            String host = io.github.kresconnect.filesink.config.MachineHostname.get();
            Path waited = Files.writeString(workDir.resolve("waited.txt"), "published and waited for\n");
            List<String> waitArgs = new ArrayList<>(List.of(command.group(1).split(" ")));
            waitArgs.addAll(List.of("--wait", "60", waited.toString()));
            String waitOutput = PublisherProcess.publish(workDir, "wait", waitArgs);
            assertTrue(waitOutput.lines().anyMatch(l -> l.startsWith(host + "  published waited.txt")), waitOutput);
            Matcher status = Pattern.compile("bin/resolver-publish (status --bootstrap-server \\S+"
                    + "( --receipts-topic(-mode)? \\S+)*)\\s*$", Pattern.MULTILINE).matcher(output);
            assertTrue(status.find(), output);
            assertTrue(status.group(1).contains("127.0.0.1:" + kafkaPort), status.group(1));
            String statusOutput = PublisherProcess.publish(workDir, "status", List.of(status.group(1).split(" ")));
            assertTrue(statusOutput.lines().anyMatch(l -> l.startsWith(host)), statusOutput);
            assertTrue(statusOutput.contains("waited.txt  sha256 ") && statusOutput.contains("by-hand.txt  sha256 "),
                    statusOutput);
            // Receipts reached this host's own topic, which the quickstart created: the worker never complained,
            // and its REST API needs the credentials.
            assertTrue(output.contains("knot-resolver-receipts.host." + host + " on 127.0.0.1:" + kafkaPort
                    + "   (this host's, per-host;"), output);
            String log = Files.readString(workDir.resolve("worker.log"), StandardCharsets.UTF_8);
            assertFalse(log.contains("Could not send") || log.contains("Receipts cannot be sent"), log);
            assertTrue(Files.exists(workDir.resolve("rest-credentials.properties")));
        } finally {
            first.stop();
        }

        // The operator edits the written configs; the next run (same ports) keeps the edits and runs with them.
        Path editedFiles = workDir.resolve("edited-files");
        List<String> sink = new ArrayList<>();
        for (String line : Files.readAllLines(sinkFile, StandardCharsets.UTF_8)) {
            sink.add(line.startsWith("files.dir=") ? "files.dir=" + editedFiles : line);
        }
        Files.write(sinkFile, sink, StandardCharsets.UTF_8);
        // Files already there (as after an earlier run) are kept; the new samples replace them and are shown.
        Files.createDirectories(editedFiles);
        for (String name : List.of("blocklist.rpz", "config.yaml")) {
            Files.copy(workDir.resolve("files").resolve(name), editedFiles.resolve(name));
        }
        Files.writeString(workerFile, "# my own note\n" + Files.readString(workerFile, StandardCharsets.UTF_8),
                StandardCharsets.UTF_8);

        printed.reset();
        Quickstart second = new Quickstart(new PrintStream(printed, true, StandardCharsets.UTF_8), workDir,
                Quickstart.Options.parse("--kafka-port", String.valueOf(kafkaPort),
                        "--connect-port", String.valueOf(connectPort), "--once"));
        try {
            second.run();
            String output = printed.toString(StandardCharsets.UTF_8);
            assertTrue(Files.readAllLines(sinkFile, StandardCharsets.UTF_8).contains("files.dir=" + editedFiles),
                    "the edit is still there");
            assertTrue(Files.readString(workerFile, StandardCharsets.UTF_8).startsWith("# my own note\n"),
                    "the worker config's edit is still there");
            assertTrue(output.contains(sinkFile + " (kept from an earlier run)"), output);
            assertTrue(output.contains(workerFile + " (kept from an earlier run)"), output);
            assertEquals(editedFiles, second.filesDir());
            assertPrintedBeforeStart(output, editedFiles.toString());
            // In effect: the worker delivered into the edited files.dir.
            assertTrue(Files.readString(editedFiles.resolve("config.yaml"))
                    .contains("- file: " + editedFiles.resolve("blocklist.rpz")));
            assertTrue(output.contains("2 file(s) already in " + editedFiles + " from earlier runs (kept)"), output);
            assertLandingShown(output, editedFiles, "blocklist.rpz");
            assertLandingShown(output, editedFiles, "config.yaml");
            assertTrue(output.lines().noneMatch(l -> l.startsWith("  landed ") && l.contains(".backup")),
                    "the connector's backups are not shown as deliveries:\n" + output);
            assertTrue(output.lines().anyMatch(l -> l.startsWith("  REJECTED  ")
                    && l.contains("'" + Quickstart.BROKEN_CONFIG + "'")), output);
        } finally {
            second.stop();
        }
    }

    @Test
    void aPortInUseStopsItBeforeAnythingStartsAndNamesTheOption() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            Quickstart quickstart = new Quickstart(new PrintStream(printed, true, StandardCharsets.UTF_8),
                    PROJECT.resolve("target/quickstart-it-busy"), Quickstart.Options.parse(
                            "--kafka-port", String.valueOf(busy.getLocalPort()),
                            "--connect-port", String.valueOf(FreePorts.next())));
            try {
                Quickstart.PortInUseException e = assertThrows(Quickstart.PortInUseException.class, quickstart::run);
                assertTrue(e.getMessage().contains("port " + busy.getLocalPort())
                        && e.getMessage().contains("--kafka-port PORT"), e.getMessage());
                assertFalse(printed.toString(StandardCharsets.UTF_8).contains("Starting"), "nothing started");
            } finally {
                quickstart.stop();
            }
        }
        Quickstart.Options defaults = Quickstart.Options.parse();
        assertEquals(new Quickstart.Options(Quickstart.DEFAULT_KAFKA_PORT, Quickstart.DEFAULT_CONNECT_PORT, false,
                false), defaults);
        assertTrue(Quickstart.Options.parse("--exit-after-demo").once(), "the earlier name still works");
        assertThrows(IllegalArgumentException.class, () -> Quickstart.Options.parse("--kafka-port", "x"));
        assertThrows(IllegalArgumentException.class, () -> Quickstart.Options.parse("--bogus"));
    }

    /** --help is clean text (no line of the script) and documents every option the script accepts. */
    @Test
    void helpDocumentsEveryOptionAndShowsNoScriptLines() throws Exception {
        Path script = PROJECT.resolve("bin/quickstart");
        Process process = new ProcessBuilder(script.toString(), "--help").redirectErrorStream(true).start();
        String help = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), help);
        assertTrue(help.startsWith("Usage: bin/quickstart"), help);

        Set<String> scriptLines = new LinkedHashSet<>();
        Set<String> accepted = new LinkedHashSet<>();
        Pattern option = Pattern.compile("(?<![\\w-])(--?[a-z][a-z-]*)");
        boolean inUsage = false;
        for (String line : Files.readAllLines(script, StandardCharsets.UTF_8)) {
            if (line.contains("<<'USAGE'")) {
                inUsage = true;
                scriptLines.add(line.strip());
                continue;
            }
            if (inUsage) {
                inUsage = !line.equals("USAGE");
                continue;
            }
            if (!line.isBlank()) {
                scriptLines.add(line.strip());
            }
            // The patterns of the option loop's case branches, as in "--reset|--once) ..." or "-h|--help) ...".
            if (line.matches("\\s+-[-a-z|=*]+\\).*")) {
                Matcher m = option.matcher(line.substring(0, line.indexOf(')')));
                while (m.find()) {
                    accepted.add(m.group(1));
                }
            }
        }
        for (String line : help.lines().toList()) {
            assertFalse(scriptLines.contains(line.strip()) && !line.isBlank(), "a script line in --help: " + line);
            assertFalse(line.startsWith("#") || line.contains("set -euo") || line.contains("$("), line);
        }
        assertTrue(accepted.containsAll(List.of("--kafka-port", "--connect-port", "--reset", "--once",
                "--exit-after-demo", "--no-build", "--help", "-h")), "options found in the script: " + accepted);
        for (String name : accepted) {
            assertTrue(Pattern.compile("(?m)^\\s+(-h, )?" + Pattern.quote(name) + "\\b").matcher(help).find()
                    || Pattern.compile("(?m)^\\s+" + Pattern.quote(name) + ",").matcher(help).find(),
                    name + " is documented in --help:\n" + help);
        }
    }

    private static void assertPrintedBeforeStart(String output, String text) {
        int at = output.indexOf(text);
        int start = output.indexOf("==> Starting a local KRaft broker");
        assertTrue(at >= 0 && start >= 0 && at < start, "'" + text + "' printed before the broker starts:\n" + output);
    }

    private static void assertLandingShown(String output, Path files, String name) throws Exception {
        long size = Files.size(files.resolve(name));
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(files.resolve(name))));
        assertTrue(output.lines().anyMatch(l -> l.startsWith("  landed    " + name + " ") && l.contains(" " + size
                + " bytes") && l.contains("sha256 " + sha.substring(0, 16))), name + " shown landing:\n" + output);
    }
}
