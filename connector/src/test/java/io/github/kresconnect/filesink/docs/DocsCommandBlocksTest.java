package io.github.kresconnect.filesink.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.docs.DocBlocks.Block;

/**
 * Every command block of README.md and docs/*.md is run as written, or is an exception with its reason and the
 * shorter form that runs. {@link #COVERAGE} is the one table: each command block, found by an excerpt of its
 * commands, names the file that runs it and what that file must contain to show it does. A command block added
 * to the docs without an entry fails this test, and so does an entry whose block is gone.
 */
class DocsCommandBlocksTest {
    private static final String IT = "connector/src/test/java/io/github/kresconnect/filesink/docs/DocsCommandBlocksIT.java";
    private static final String SERVICE_IT = "connector/src/test/java/io/github/kresconnect/filesink/worker/ServiceInstallIT.java";
    private static final String CI = ".ci/run";

    enum Kind {
        /** Run as written by {@code DocsCommandBlocksIT}, which finds the block by the same excerpt. */
        RUN_HERE,
        /** Run as written by another test, which reads the block from the page by the marker right before it. */
        RUN_BY_MARKER,
        /** Not run as written; the reason says why, the runners run a shorter or partial form. */
        EXCEPTION
    }

    /** One command block: its excerpt, how it is covered, the files that run it with what each must contain. */
    record Coverage(String excerpt, Kind kind, Map<String, String> runners, String note) {
    }

    private static Coverage here(String excerpt, String note) {
        return new Coverage(excerpt, Kind.RUN_HERE, Map.of(IT, excerpt), note);
    }

    private static Coverage byMarker(String excerpt, String runner, String marker, String note) {
        return new Coverage(excerpt, Kind.RUN_BY_MARKER, Map.of(runner, marker), note);
    }

    private static Coverage exception(String excerpt, String reason, Map<String, String> runners) {
        return new Coverage(excerpt, Kind.EXCEPTION, runners, reason);
    }

    static final List<Coverage> COVERAGE = List.of(
            // README.md
            exception("bin/quickstart     # build", "bin/quickstart as written builds, binds ports 9092 and 8083 and "
                    + "runs until Ctrl-C. QuickstartIT runs the program it starts (Quickstart) with --once on free "
                    + "ports, twice, and bin/quickstart --help; .ci/run runs the second line, mvn -B verify, exactly",
                    linked(Map.entry("connector/src/test/java/io/github/kresconnect/filesink/worker/QuickstartIT.java",
                            "Quickstart.Options.parse"), Map.entry(CI, "\nmvn -B verify\n"))),
            // docs/operator.md
            here("ls connector/target/components/packages/", "its mvn -B package line is the build of the mvn -B verify run "
                    + "that runs DocsCommandBlocksIT (not started again from inside it); the ls output is compared"),
            byMarker("BOOTSTRAP=kafka1.example.net:9092", SERVICE_IT, "<!-- service-install:site -->",
                    "read, then replaced as a whole by the test's broker and Kafka version (siteValues())"),
            byMarker("ZIP=$(ls kresconnect-kafka-connect-resolver-files-*.zip)", SERVICE_IT,
                    "<!-- service-install:start -->", "run by bash, absolute paths under the test's root, stand-ins "
                    + "for curl, install -o/-g, chown and systemctl (standIns())"),
            byMarker("systemctl status kafka-connect-resolver", SERVICE_IT, "<!-- service-check:start -->",
                    "run by bash against the installed worker; systemctl and journalctl are stand-ins"),
            byMarker("kafka-topics.sh --bootstrap-server kafka1.example.net:9092 --create --topic knot-resolver ",
                    SERVICE_IT, "<!-- topics:start -->", "each line's topic, partitions and --config values created "
                    + "through the Admin API, with 1 replica on the test's one broker; the loop over the fleet's hosts "
                    + "(a site value) for this host"),
            byMarker("for topic in knot-resolver.all knot-resolver.group.dc-east knot-resolver.group.dns64",
                    "connector/src/test/java/io/github/kresconnect/filesink/worker/TopicLayoutMigrationIT.java",
                    "<!-- layout-topics:start -->", "its topic names checked against the naming rule, and its "
                    + "partitions and --config values used for the test's own groups and hosts (Admin API, 1 replica)"),
                        exception("journalctl -u kafka-connect-resolver -p warning", "needs systemd's journal. ServiceInstallIT "
                    + "checks what the filters select in the worker's standard output as the unit runs it: the "
                    + "syslog priority of each line and the Published and Rejected record lines",
                    Map.of(SERVICE_IT, "startsWith(\"<3>ERROR \")")),
            byMarker("java -jar jmxterm-uber.jar", SERVICE_IT, "<!-- jmx-example -->", "run by bash on the installed "
                    + "worker with jmxterm 1.0.4's uber jar (copied by the build), the JMX port and the host's "
                    + "connector name its own (onThisHost()); every attribute's value read from jmxterm's output"),
            exception("kcat -C -b kafka1.example.net:9092 -t knot-resolver-dlq", "kcat is not part of the build or "
                    + "of a Kafka distribution. The block after it (Kafka's console consumer) is run as written by "
                    + "ServiceInstallIT, which also reads the dead letter queue with a Kafka consumer",
                    Map.of(SERVICE_IT, "awaitDeadLetter")),
            byMarker("kafka-console-consumer.sh --bootstrap-server kafka1.example.net:9092 --topic knot-resolver-dlq",
                    SERVICE_IT, "<!-- dlq-console -->", "run by bash with the distribution's kafka-console-consumer.sh "
                    + "against the installed host's broker (onThisHost()); the rejected record's headers checked"),
            here("resolver-publish --bootstrap-server kafka1.example.net:9092 --to resolver1 config.yaml=./config.yaml",
                    "against an embedded broker, the host name replaced"),
            // docs/publisher.md
            here("bin/resolver-publish --bootstrap-server kafka1:9092 --zone dc-east --dry-run --partitions 6 *.rpz",
                    "the whole block, against an embedded broker (kafka1 replaced, /etc under a temporary root, "
                    + "client-ssl.properties a PLAINTEXT stand-in)"),
            here("bin/resolver-publish --bootstrap-server kafka1:9092 --layout per-group --to-all block.rpz",
                    "the whole block, against an embedded broker with the three topics; each record is read back "
                    + "from the topic its recipient names"),
                        here("resolver-publish --bootstrap-server kafka1:9092 --to resolver1 block.rpz x.tmp=./x.rpz ./config.json",
                    "exit 9, and its output compared with the block's, line by line"),
            exception("--to resolver1 --to resolver2 --to resolver3 --wait 120", "needs three resolver hosts answering "
                    + "on the receipts topic. ReceiptsFleetIT runs the same form with two real workers (r1, r2) and "
                    + "--wait 60, and the output shown is from its run",
                    Map.of("connector/src/test/java/io/github/kresconnect/filesink/worker/ReceiptsFleetIT.java",
                            "\"--wait\", \"60\"")),
            here("resolver-publish statement --bootstrap-server kafka1:9092 --topic knot-resolver", "against an "
                    + "embedded broker, the key made first by the security page's keygen block, both under a "
                    + "temporary root; exit 0 and a statement sent to each of the topic's 6 partitions"),
            here("resolver-publish status --bootstrap-server kafka1:9092", "against an embedded broker with an empty "
                    + "receipts topic (exit 0); the output shown is ReceiptsFleetIT's, which runs status on its fleet"),
            // docs/security.md
            here("resolver-publish keygen --out /etc/resolver-publish/signing", "under a temporary root; its output "
                    + "compared with the block after it, the key and its id aside"),
            byMarker("--cosign /etc/resolver-publish/config2.key",
                    "connector/src/test/java/io/github/kresconnect/filesink/worker/ConfigThresholdKafka4IT.java",
                    "<!-- config-cosign -->", "run by the packaged publisher, only the broker, the two key files and "
                    + "the file's path replaced (documentedCommand()), against a real worker with "
                    + "signatures.config.threshold=2: the file lands and the manager reloads"),
            byMarker("--operation Read --operation Describe --group connect-resolver-file-sink-resolver1",
                    "connector/src/test/java/io/github/kresconnect/filesink/worker/TopicAclsIT.java", "<!-- topic-acls -->",
                    "run by bash with the distribution's kafka-acls.sh against a broker with an authorizer, the broker's "
                    + "address replaced (siteValues()); a shipped SASL_SSL worker as User:resolver1 then delivers, its "
                    + "receipt in its own topic is read by --wait as User:publisher, and it is refused without the "
                    + "block's first line"),
            byMarker("kafka-configs.sh --bootstrap-server kafka1.example.net:9092 --command-config admin.properties",
                    "connector/src/test/java/io/github/kresconnect/filesink/worker/TopicAclsIT.java", "<!-- scram-user -->",
                    "run by bash with the distribution's kafka-configs.sh as the admin of a broker with an authorizer, "
                    + "the broker's address replaced and $PASSWORD set (onThisSite(), siteValues()); the worker "
                    + "then authenticates as that user"),
            byMarker("--resource-pattern-type prefixed --topic knot-resolver.",
                    "connector/src/test/java/io/github/kresconnect/filesink/worker/PerGroupAclsIT.java",
                    "<!-- per-group-acls -->", "run by bash with the distribution's kafka-acls.sh against a broker with "
                    + "an authorizer (TopicAclsIT.runBlock), with the host's other lines of the Topic ACLs block; a "
                    + "shipped SASL_SSL worker as User:resolver1 in the per-group layout then delivers its files and "
                    + "cannot read another host's topic"),
            byMarker("--allow-principal User:resolver1 --operation Write --operation Describe --topic knot-resolver-receipts",
                    "connector/src/test/java/io/github/kresconnect/filesink/worker/PerHostReceiptsIT.java",
                    "<!-- receipts-shared-acls -->", "run by bash with the distribution's kafka-acls.sh against a broker "
                    + "with an authorizer, after the Topic ACLs block (run there for resolver1 and resolver2, which "
                    + "are refused each other's receipts topic); a receipt resolver1 then forges for r3 in the shared "
                    + "topic is believed by --wait --receipts-topic-mode shared, as it is not from its own topic"),
            // docs/guarantees.md
            exception("mvn -B test -Dtest='PowerCutCampaignTest,FileStoreCrashTest",
                    "a selection of the unit tests; .ci/run's mvn -B verify runs them all", Map.of(CI, "\nmvn -B verify\n")),
            // docs/development.md
            exception("-Dit.test=WorkerKillCampaignIT -Dkill.campaign.kills=200", "200 kills take about 35 minutes and "
                    + "several GB. mvn -B verify (.ci/run) runs the same campaign with 12 kills",
                    Map.of("connector/src/test/java/io/github/kresconnect/filesink/worker/WorkerKillCampaignIT.java",
                            "Integer.getInteger(\"kill.campaign.kills\", 12)", CI, "\nmvn -B verify\n")),
            exception("-Dit.test='io.github.kresconnect.filesink.worker.*IT'",
                    "a selection of the integration tests; .ci/run's mvn -B verify runs them all",
                    Map.of(CI, "\nmvn -B verify\n")),
            // docs/performance.md
            exception("bin/benchmark            # the full benchmark", "the full benchmark takes several minutes and "
                    + "its targets depend on the machine. .ci/run runs the block's second line after the build, with "
                    + "--no-build", Map.of(CI, "\nbin/benchmark --short --no-build\n")),
            exception("io.github.kresconnect.filesink.store.AssemblyBenchmark", "a program, not a test: 1 GiB through "
                    + "the store, its arguments optional. LargeFileAssemblyTest, a unit test, assembles 256 MiB in a "
                    + "bounded heap", Map.of("connector/src/test/java/io/github/kresconnect/filesink/store/LargeFileAssemblyTest.java",
                            "assemblesA256MiBFileByteIdenticalWithoutHoldingItInMemory")),
            exception("bin/benchmark --signed=5 --only=1,2", "minutes per invocation; the figures are the ones "
                    + "measured. .ci/run runs the same program unsigned (--short); SignedDeliveryKafka4IT delivers "
                    + "signed files through a real worker", Map.of(CI, "\nbin/benchmark --short --no-build\n",
                            "connector/src/test/java/io/github/kresconnect/filesink/worker/SignedDeliveryKafka4IT.java",
                            "class SignedDeliveryKafka4IT")));

    @SafeVarargs
    private static Map<String, String> linked(Map.Entry<String, String>... entries) {
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : entries) {
            map.put(e.getKey(), e.getValue());
        }
        return map;
    }

    @Test
    void everyBlockSaysWhatItIs() {
        List<String> untagged = new ArrayList<>();
        for (Block block : DocBlocks.all()) {
            if (!DocBlocks.COMMAND_KINDS.contains(block.info()) && !DocBlocks.TEXT_KINDS.contains(block.info())) {
                untagged.add(block + " " + block.lines().stream().findFirst().orElse(""));
            }
        }
        assertEquals(List.of(), untagged, "every fence needs an info string: sh, shell or console for commands; "
                + DocBlocks.TEXT_KINDS + " for the rest");
    }

    @Test
    void textBlocksHoldNoShellPrompt() {
        for (Block block : DocBlocks.all()) {
            if (!block.isCommand()) {
                assertTrue(block.lines().stream().noneMatch(l -> l.startsWith("$ ")),
                        block + " has a '$ ' prompt: a command is shown, tag it console");
            }
        }
    }

    @Test
    void everyCommandBlockIsCovered() throws IOException {
        Map<Block, Coverage> covered = new LinkedHashMap<>();
        for (Coverage coverage : COVERAGE) {
            Block block = DocBlocks.command(coverage.excerpt());
            Coverage before = covered.put(block, coverage);
            assertTrue(before == null, block + " is covered twice: " + before + " and " + coverage);
            assertFalse(coverage.note().isBlank(), coverage.excerpt());
            for (Map.Entry<String, String> runner : coverage.runners().entrySet()) {
                String source = Files.readString(DocBlocks.project().resolve(runner.getKey()), StandardCharsets.UTF_8);
                assertTrue(source.contains(runner.getValue()), runner.getKey() + " should contain '" + runner.getValue()
                        + "' to run " + block);
            }
            switch (coverage.kind()) {
                case RUN_HERE -> assertEquals(Set.of(IT), coverage.runners().keySet());
                case RUN_BY_MARKER -> {
                    String marker = coverage.runners().values().iterator().next();
                    assertEquals(marker, block.lineBefore(), "the runner reads " + block + " by the marker right "
                            + "before it");
                }
                case EXCEPTION -> assertTrue(coverage.note().length() > 40, "an exception says why: " + coverage);
            }
        }
        List<String> uncovered = new ArrayList<>();
        for (Block block : DocBlocks.all()) {
            if (block.isCommand() && !covered.containsKey(block)) {
                uncovered.add(block + ": " + block.commands().get(0));
            }
        }
        assertEquals(List.of(), uncovered, "command blocks that no test runs: run them in DocsCommandBlocksIT, or name "
                + "the test that runs them in DocsCommandBlocksTest.COVERAGE (with the reason if not as written)");
    }

    @Test
    void exceptionsStayFew() {
        long exceptions = COVERAGE.stream().filter(c -> c.kind() == Kind.EXCEPTION).count();
        long commandBlocks = DocBlocks.all().stream().filter(Block::isCommand).count();
        assertEquals(commandBlocks, COVERAGE.size());
        assertTrue(exceptions <= 10, exceptions + " of " + commandBlocks + " command blocks are not run as written");
    }

    /** CI runs exactly the README's test command, and the short benchmarks. */
    @Test
    void ciRunsTheReadmesTestCommand() throws IOException {
        Block twoCommands = DocBlocks.command("bin/quickstart     # build");
        assertEquals("README.md", twoCommands.file());
        List<String> commands = twoCommands.commands().stream().map(l -> l.replaceAll("\\s+#.*$", "")).toList();
        assertEquals(List.of("bin/quickstart", "mvn -B verify"), commands);
        List<String> ci = Files.readAllLines(DocBlocks.project().resolve(CI), StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#") && !l.startsWith("set ") && !l.startsWith("cd ")
                        && !l.endsWith(" -version") && !l.equals("mvn -v"))
                .toList();
        assertEquals(List.of(commands.get(1), "bin/benchmark --short --no-build",
                "bin/benchmark --fleet --short --no-build", "bin/benchmark --reader --short --no-build"), ci);
    }

    /** Every relative link of the README and the pages leads to a file and, with an anchor, to a heading there. */
    @Test
    void linksLeadSomewhere() throws IOException {
        Pattern link = Pattern.compile("\\]\\(([^)\\s]+)\\)");
        List<String> broken = new ArrayList<>();
        for (String document : DocBlocks.documents()) {
            String text = withoutBlocks(Files.readString(DocBlocks.project().resolve(document), StandardCharsets.UTF_8));
            Matcher m = link.matcher(text);
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("[a-z]+:.*")) {
                    continue;
                }
                String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                Path base = DocBlocks.project().resolve(document).getParent();
                Path resolved = file.isEmpty() ? DocBlocks.project().resolve(document) : base.resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(document + ": " + target + " (no such file)");
                } else if (anchor != null && !anchors(resolved).contains(anchor)) {
                    broken.add(document + ": " + target + " (no such heading)");
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    private static Set<String> anchors(Path markdown) throws IOException {
        Set<String> anchors = new HashSet<>();
        for (String line : withoutBlocks(Files.readString(markdown, StandardCharsets.UTF_8)).lines().toList()) {
            Matcher heading = Pattern.compile("^#{1,6} (.*)$").matcher(line);
            if (heading.matches()) {
                anchors.add(heading.group(1).strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}_\\- ]", "")
                        .replace(' ', '-'));
            }
        }
        return anchors;
    }

    private static String withoutBlocks(String text) {
        StringBuilder out = new StringBuilder();
        boolean inBlock = false;
        for (String line : text.lines().toList()) {
            if (line.strip().startsWith("```")) {
                inBlock = !inBlock;
                continue;
            }
            if (!inBlock) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }
}
