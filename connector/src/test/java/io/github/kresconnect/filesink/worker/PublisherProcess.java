package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The publisher as operators run it: bin/resolver-publish starting the packaged jar (built by 'mvn package')
 * in a JVM of its own, with the test's JDK as JAVA_HOME. Its output is kept under the test's directory.
 */
final class PublisherProcess {
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);

    private PublisherProcess() {
    }

    /**
     * Runs {@code resolver-publish ARGS} to its end and returns its output; fails with that output unless it
     * exits with 0 (every record acknowledged by the broker).
     */
    static String publish(Path workDir, String label, List<String> args) throws IOException, InterruptedException {
        return publish(workDir, label, args, 0);
    }

    /** As {@link #publish(Path, String, List)}, expecting exit code {@code expectedExit}. */
    static String publish(Path workDir, String label, List<String> args, int expectedExit)
            throws IOException, InterruptedException {
        Path project = KafkaDistribution.projectDir();
        try (Stream<Path> jars = Files.list(project.resolve("publisher/target"))) {
            assertTrue(jars.anyMatch(p -> p.getFileName().toString().matches("resolver-publish-.*\\.jar")),
                    "publisher/target/resolver-publish-*.jar is missing: run 'mvn verify', which packages it first");
        }
        List<String> command = new ArrayList<>();
        command.add(project.resolve("bin/resolver-publish").toString());
        command.addAll(args);
        Path log = workDir.resolve("publish-" + label + ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // The launcher prefers JAVA over JAVA_HOME: drop an inherited one so the test's JDK runs it.
        builder.environment().remove("JAVA");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // A run lasts seconds: quick start-up matters more than peak speed (as for the distribution's tools).
        builder.environment().putIfAbsent("RESOLVER_PUBLISH_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        Process process = builder.start();
        try {
            if (!process.waitFor(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("resolver-publish " + label + " did not finish within "
                        + RUN_TIMEOUT.toSeconds() + " s\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
        } finally {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(expectedExit, process.exitValue(), "resolver-publish " + label + " " + String.join(" ", args)
                + " failed:\n" + output);
        return output;
    }
}
