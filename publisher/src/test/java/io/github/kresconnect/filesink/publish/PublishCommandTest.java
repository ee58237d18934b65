package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command without a broker: help, argument and configuration errors, and an offline dry run. */
class PublishCommandTest {
    @TempDir
    Path dir;

    @Test
    void helpShowsExamplesAndEveryExitCode() {
        PublisherRun run = PublisherRun.run("--help");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("Examples:"), run::toString);
        for (ExitCode code : ExitCode.values()) {
            assertTrue(run.out().contains("  " + code.code() + "  " + code.meaning()), code::name);
        }
    }

    @Test
    void badArgumentsExitWithTheUsageCode() {
        PublisherRun run = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "somefile");
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("no recipient") && run.err().contains("--help"), run::toString);
    }

    @Test
    void incompleteSaslSettingsExitWithTheProducerConfigCode() throws Exception {
        Path file = Files.writeString(dir.resolve("a.rpz"), "x");
        Path client = Files.writeString(dir.resolve("client.properties"),
                "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n");
        PublisherRun run = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--producer-config",
                client.toString(), file.toString());
        assertEquals(3, run.exitCode(), run::toString);
        assertTrue(run.err().contains("sasl.jaas.config is missing"), run::toString);
    }

    @Test
    void unreadableFileExitsWithTheFileCodeBeforeAnyBrokerIsAsked() {
        PublisherRun run = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1",
                dir.resolve("missing.rpz").toString());
        assertEquals(4, run.exitCode(), run::toString);
        assertTrue(run.err().contains("missing.rpz' does not exist"), run::toString);
    }

    @Test
    void aFileNameTheConnectorWouldRejectExitsWithTheInvalidFileCodeBeforeAnyBrokerIsAsked() throws Exception {
        Path file = Files.writeString(dir.resolve("a.rpz"), "x");
        PublisherRun run = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1",
                "zones/a.rpz.backup=" + file);
        assertEquals(9, run.exitCode(), run::toString);
        assertTrue(run.err().contains("file name 'zones/a.rpz.backup' would be rejected by the connector: component "
                + "'a.rpz.backup' ends with the reserved suffix '.backup'"), run::toString);
        assertTrue(!run.err().contains("broker"), run::toString);

        PublisherRun dryRun = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--dry-run",
                "--partitions", "1", "../a.rpz=" + file);
        assertEquals(9, dryRun.exitCode(), dryRun::toString);
        assertTrue(dryRun.err().contains("it has a '..' component"), dryRun::toString);
    }

    @Test
    void dryRunWithAPartitionCountPrintsThePlanWithoutABroker() throws Exception {
        Path config = Files.writeString(dir.resolve("config.yaml"), "a: 1\n");
        Path zone = Files.write(dir.resolve("block.rpz"), new byte[2500]);
        PublisherRun run = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--to", "r2",
                "--dry-run", "--partitions", "6", "--chunk-size", "1000", config.toString(),
                "rpz/block.rpz=" + zone);
        assertEquals(0, run.exitCode(), run::toString);
        String out = run.out();
        assertTrue(out.contains("r1 -> partition " + RecipientPartitioner.partition("r1", 6)), out);
        assertTrue(out.contains("r2 -> partition " + RecipientPartitioner.partition("r2", 6)), out);
        assertTrue(out.indexOf("1. rpz/block.rpz") < out.indexOf("2. config.yaml"), out);
        assertTrue(out.contains("2500 bytes") && out.contains("3 chunks"), out);
        assertTrue(out.contains("Records: 8 (4 per recipient)"), out);
    }

    @Test
    void anInvalidConfigIsRefusedBeforeAnyBrokerIsAskedAlsoInADryRun() throws Exception {
        Path zone = Files.writeString(dir.resolve("block.rpz"), "x");
        Path config = Files.writeString(dir.resolve("config.json"), "{\"a\":1,\"a\":2}");
        for (boolean dryRun : new boolean[] {false, true}) {
            // Port 9 (discard) on the loopback: nothing answers; a broker contacted would mean a wait and exit 5.
            PublisherRun run = dryRun
                    ? PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--dry-run", zone.toString(),
                            config.toString())
                    : PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", zone.toString(),
                            config.toString());
            assertEquals(9, run.exitCode(), run::toString);
            assertTrue(run.err().contains("'" + config + "' would be rejected by the connector: invalid config file "
                    + "'config.json': JSON: Duplicate field 'a' at line 1, column 11"), run::toString);
            assertTrue(run.err().contains("nothing was sent"), run::toString);
            assertTrue(!run.err().contains("broker"), run::toString);
            assertTrue(!run.out().contains("Files, in sending order"), "no plan is printed: " + run);
        }
    }

    @Test
    void aBootstrapServerThatIsNotHostAndPortIsABadArgument() throws Exception {
        Path file = Files.writeString(dir.resolve("a.rpz"), "x");
        PublisherRun run = PublisherRun.run("--bootstrap-server", "kafka1", "--to", "r1", file.toString());
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--bootstrap-server 'kafka1' is not a list of HOST:PORT"), run::toString);

        Path client = Files.writeString(dir.resolve("client.properties"), "bootstrap.servers=kafka1\n");
        PublisherRun fromFile = PublisherRun.run("--producer-config", client.toString(), "--to", "r1",
                file.toString());
        assertEquals(3, fromFile.exitCode(), fromFile::toString);
        assertTrue(fromFile.err().contains("bootstrap.servers 'kafka1' is not a list of HOST:PORT"), fromFile::toString);
    }

    @Test
    void anUnresolvableBrokerHostIsABrokerProblemNotAProducerConfigProblem() throws Exception {
        Path file = Files.writeString(dir.resolve("a.rpz"), "x");
        for (String extra : new String[] {"--timeout=30", "--dry-run"}) {
            long start = System.nanoTime();
            PublisherRun run = PublisherRun.run("--bootstrap-server", "no-such-host.invalid:9092", "--to", "r1",
                    extra, file.toString());
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertEquals(ExitCode.BROKER_UNREACHABLE.code(), run.exitCode(), run::toString);
            assertTrue(run.err().contains("cannot resolve the broker host name 'no-such-host.invalid' "
                    + "(no-such-host.invalid:9092)"), run::toString);
            assertTrue(!run.err().contains("producer configuration"), run::toString);
            assertTrue(seconds < 10, "a name that does not resolve needs no waiting; took " + seconds + " s");
        }
    }
}
