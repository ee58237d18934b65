package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.publish.PublishOptions.FileArgument;
import io.github.kresconnect.filesink.publish.PublishOptions.UsageException;

class PublishOptionsTest {

    private static PublishOptions parse(String... args) throws UsageException {
        return PublishOptions.parse(List.of(args));
    }

    @Test
    void defaultsMatchTheConnectorAndUpstream() throws Exception {
        PublishOptions options = parse("--bootstrap-server", "k:9092", "--to", "r1", "a.rpz");
        assertEquals("knot-resolver", options.topic());
        assertEquals(512 * 1024, options.chunkSize());
        assertEquals(1024L * 1024 * 1024, options.maxFileBytes());
        assertEquals(16L * 1024 * 1024, options.maxConfigBytes());
        assertEquals(8192, options.maxChunks());
        assertEquals(Set.of(".json", ".yaml", ".yml"), options.configSuffixes());
        assertEquals(Duration.ofSeconds(30), options.timeout());
        assertEquals(RecipientMode.HOSTNAME, options.recipientMode());
        assertEquals(List.of("r1"), options.recipients());
        assertEquals("k:9092", options.bootstrapServers().orElseThrow());
        assertFalse(options.dryRun());
        assertTrue(options.partition().isEmpty());
    }

    @Test
    void fileNamesAreBaseNamesOrGivenWithNameEqualsPath() throws Exception {
        PublishOptions options = parse("--to", "r1", "./dir/block.rpz", "rpz/other.rpz=../x/o.rpz", "--",
                "-odd-name");
        assertEquals(List.of(new FileArgument("block.rpz", Path.of("./dir/block.rpz")),
                new FileArgument("rpz/other.rpz", Path.of("../x/o.rpz")),
                new FileArgument("-odd-name", Path.of("-odd-name"))), options.files());
    }

    @Test
    void recipientsRepeatAndZonesSelectZoneMode() throws Exception {
        PublishOptions hosts = parse("--to", "r1", "--to=r2", "--to", "r1", "f");
        assertEquals(List.of("r1", "r2"), hosts.recipients());
        PublishOptions zones = parse("--zone", "east", "--zone", "west", "f");
        assertEquals(RecipientMode.ZONE_ID, zones.recipientMode());
        assertEquals(List.of("east", "west"), zones.recipients());
    }

    @Test
    void sizesTakeBinaryUnits() throws Exception {
        assertEquals(512 * 1024, parse("--to", "r", "--chunk-size", "512k", "f").chunkSize());
        assertEquals(1024 * 1024, parse("--to", "r", "--chunk-size=1MiB", "f").chunkSize());
        assertEquals(2L << 30, parse("--to", "r", "--max-file-bytes", "2g", "f").maxFileBytes());
        assertEquals(1000, parse("--to", "r", "--chunk-size", "1000", "f").chunkSize());
    }

    @Test
    void allOptionsAreRead() throws Exception {
        PublishOptions options = parse("-b", "a:1,b:2", "-t", "other", "--zone", "z", "--config-suffixes",
                ".conf, .toml", "--max-config-bytes", "1m", "--max-chunks", "10", "--partition", "3",
                "--partitions", "6", "--timeout", "5", "--producer-config", "client.properties", "--dry-run",
                "--quiet", "--verbose", "f");
        assertEquals("a:1,b:2", options.bootstrapServers().orElseThrow());
        assertEquals("other", options.topic());
        assertEquals(Set.of(".conf", ".toml"), options.configSuffixes());
        assertEquals(1024 * 1024, options.maxConfigBytes());
        assertEquals(10, options.maxChunks());
        assertEquals(3, options.partition().getAsInt());
        assertEquals(6, options.partitions().getAsInt());
        assertEquals(Duration.ofSeconds(5), options.timeout());
        assertEquals(Path.of("client.properties"), options.producerConfig().orElseThrow());
        assertTrue(options.dryRun() && options.quiet() && options.verbose());
    }

    @Test
    void helpNeedsNothingElse() throws Exception {
        assertTrue(parse("--help").help());
        assertTrue(parse("-h").help());
    }

    @Test
    void badArgumentsAreRefusedWithTheirName() {
        assertMessage("no recipient", "f");
        assertMessage("no file", "--to", "r");
        assertMessage("cannot be mixed", "--to", "r", "--zone", "z", "f");
        assertMessage("unknown option '--frobnicate'", "--to", "r", "--frobnicate", "f");
        assertMessage("'--topic' needs a value", "--to", "r", "f", "--topic");
        assertMessage("'--chunk-size': '12x' is not a size", "--to", "r", "--chunk-size", "12x", "f");
        assertMessage("'--chunk-size': 0 bytes is outside", "--to", "r", "--chunk-size", "0", "f");
        assertMessage("'--timeout': 'soon' is not a whole number", "--to", "r", "--timeout", "soon", "f");
        assertMessage("'--partition': -1 is outside", "--to", "r", "--partition", "-1", "f");
        assertMessage("--partition 6 is not below --partitions 6", "--to", "r", "--partition", "6",
                "--partitions", "6", "f");
        assertMessage("spaces or control characters", "--to", " r1", "f");
        assertMessage("'--dry-run' takes no value", "--to", "r", "--dry-run=yes", "f");
        assertMessage("each suffix must start with '.'", "--to", "r", "--config-suffixes", "json", "f");
        assertMessage("expected NAME=PATH", "--to", "r", "=./f");
    }

    private static void assertMessage(String expected, String... args) {
        UsageException e = assertThrows(UsageException.class, () -> parse(args));
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }

    @Test
    void thePerGroupLayoutRoutesEachRecipientToItsTopic() throws Exception {
        PublishOptions groups = parse("--layout", "per-group", "-t", "kr", "--to-group", "east", "--to-all",
                "--zone", "west", "f");
        assertEquals(io.github.kresconnect.filesink.protocol.TopicLayout.PER_GROUP, groups.layout());
        assertEquals(RecipientMode.ZONE_ID, groups.recipientMode());
        assertEquals(List.of("east", "*", "west"), groups.recipients());
        assertEquals("kr.group.east", groups.topicOf("east"));
        assertEquals("kr.all", groups.topicOf("*"));
        PublishOptions host = parse("--layout=per-group", "-t", "kr", "--to", "r1", "f");
        assertEquals("kr.host.r1", host.topicOf("r1"));
        PublishOptions single = parse("-t", "kr", "--to-all", "f");
        assertEquals("kr", single.topicOf("*"));
        assertEquals("kr", parse("-t", "kr", "--to", "r1", "f").topicOf("r1"));
    }

    @Test
    void routingMistakesAreUsageErrors() {
        UsageException mixed = assertThrows(UsageException.class, () -> parse("--to", "r1", "--to-all", "f"));
        assertTrue(mixed.getMessage().contains("cannot be mixed"), mixed.getMessage());
        UsageException layout = assertThrows(UsageException.class, () -> parse("--layout", "per-host", "--to",
                "r1", "f"));
        assertTrue(layout.getMessage().contains("expected single or per-group"), layout.getMessage());
        UsageException name = assertThrows(UsageException.class, () -> parse("--layout", "per-group", "--to",
                "r1:53", "f"));
        assertTrue(name.getMessage().contains("hostname 'r1:53' contains ':'"), name.getMessage());
        assertThrows(UsageException.class, () -> parse("--to-all=yes", "f"));
    }
}
