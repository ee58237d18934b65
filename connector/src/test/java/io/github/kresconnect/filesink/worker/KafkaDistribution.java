package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The jars of one Apache Kafka version, as a distribution's libs/ folder holds them, resolved by Maven itself
 * from the small pom under connector/src/test/kafka-dist/VERSION into target/kafka-dist/VERSION/lib. Processes run from
 * it exactly as the distribution's scripts run them: {@code java -cp 'lib/*' MAIN ARGS}.
 */
final class KafkaDistribution {
    private static final Duration RESOLVE_TIMEOUT = Duration.ofMinutes(10);

    private final String version;
    private final Path home;
    private final Path javaHome;

    private KafkaDistribution(String version, Path home, Path javaHome) {
        this.version = version;
        this.home = home;
        this.javaHome = javaHome;
    }

    /** The same distribution, its processes run by the JDK in {@code jdk}. */
    KafkaDistribution onJdk(Path jdk) {
        if (!Files.isExecutable(jdk.resolve("bin/java"))) {
            throw new IllegalArgumentException("no JDK at " + jdk);
        }
        return new KafkaDistribution(version, home, jdk);
    }

    /**
     * The JDK of a major version installed beside the default one, in /usr/lib/jvm (where these machines have
     * a Temurin 25), or named by the system property {@code jdk<major>.home}.
     */
    static Path installedJdk(int major) throws IOException {
        String configured = System.getProperty("jdk" + major + ".home", "");
        if (!configured.isBlank()) {
            return Path.of(configured);
        }
        try (java.util.stream.Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            return jdks.filter(dir -> dir.getFileName().toString().matches("(.*-)?" + major + "(-.*|\\..*)?"))
                    .filter(dir -> Files.isExecutable(dir.resolve("bin/java")))
                    .sorted().findFirst()
                    .orElseThrow(() -> new IOException("no JDK " + major + " in /usr/lib/jvm; install one there "
                            + "or name it with -Djdk" + major + ".home=..."));
        }
    }

    /**
     * The project's top directory, above the modules: the connector module's tests run there (its Surefire and
     * Failsafe set the working directory), and so do bin/benchmark and bin/quickstart.
     */
    static Path projectDir() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath();
    }

    /** Whether an earlier run resolved the jars of {@code version} (then {@link #resolve} downloads nothing). */
    static boolean isResolved(String version) {
        Path pom = projectDir().resolve("connector/src/test/kafka-dist").resolve(version).resolve("pom.xml");
        Path complete = projectDir().resolve("target/kafka-dist").resolve(version).resolve(".complete");
        try {
            // A pom changed since (a jar added) is resolved again.
            return Files.exists(complete) && !Files.getLastModifiedTime(pom).toInstant()
                    .isAfter(Files.getLastModifiedTime(complete).toInstant());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The distribution of {@code version}, resolving its jars first unless an earlier run did. Failsafe runs the
     * integration tests in several JVMs at once, all resolving into the same target/kafka-dist: one resolves at a
     * time (a lock on a file there, held across processes), into a folder of its own that is renamed to lib/ only
     * once complete, so no process ever runs from a half-copied lib/.
     */
    static synchronized KafkaDistribution resolve(String version) throws IOException, InterruptedException {
        Path pom = projectDir().resolve("connector/src/test/kafka-dist").resolve(version).resolve("pom.xml");
        if (!Files.isRegularFile(pom)) {
            throw new IllegalArgumentException("No distribution pom for Kafka " + version + " at " + pom);
        }
        Path home = projectDir().resolve("target/kafka-dist").resolve(version);
        Path complete = home.resolve(".complete");
        if (!isResolved(version)) {
            Files.createDirectories(home);
            try (FileChannel lockFile = FileChannel.open(home.getParent().resolve(".resolve.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = lockFile.lock()) {
                if (!isResolved(version)) { // another process may have resolved it while this one waited
                    Path partial = home.resolve("lib.partial");
                    RealWorkerScenario.deleteRecursively(partial);
                    List<String> command = maven("-f", pom.toString(), "dependency:copy-dependencies",
                            "-DoutputDirectory=" + partial);
                    LoggedProcess.run("resolving Kafka " + version, command, home, home.resolve("resolve.log"),
                            RESOLVE_TIMEOUT);
                    Files.deleteIfExists(complete);
                    RealWorkerScenario.deleteRecursively(home.resolve("lib")); // no jar left of an earlier pom
                    Files.move(partial, home.resolve("lib"), StandardCopyOption.ATOMIC_MOVE);
                    Files.writeString(complete, pom + "\n", StandardCharsets.UTF_8);
                }
            }
        }
        return new KafkaDistribution(version, home, Path.of(System.getProperty("java.home")));
    }

    /**
     * Copies Kafka's own artifact {@code artifactId} of this version (one jar, without its dependencies, which the
     * worker has) from Maven into {@code dir}, unless it is there already; returns the jar.
     */
    Path copyArtifact(String artifactId, Path dir) throws IOException, InterruptedException {
        Path jar = dir.resolve(artifactId + "-" + version + ".jar");
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        Files.createDirectories(dir);
        List<String> command = maven("dependency:copy", "-Dartifact=org.apache.kafka:" + artifactId + ":" + version,
                "-DoutputDirectory=" + dir);
        LoggedProcess.run("resolving " + artifactId + " " + version, command, dir, home.resolve(artifactId + ".log"),
                RESOLVE_TIMEOUT);
        if (!Files.isRegularFile(jar)) {
            throw new IOException("resolving " + artifactId + " " + version + " left no " + jar);
        }
        return jar;
    }

    /** A quiet batch Maven command with {@code args}, on the local repository this JVM's Maven uses. */
    private static List<String> maven(String... args) {
        List<String> command = new ArrayList<>(List.of(mavenExecutable(), "-B", "-q"));
        command.addAll(List.of(args));
        String repoLocal = System.getProperty("maven.repo.local", "");
        if (!repoLocal.isBlank()) {
            command.add("-Dmaven.repo.local=" + repoLocal);
        }
        return command;
    }

    private static String mavenExecutable() {
        String mavenHome = System.getProperty("maven.home", "");
        if (!mavenHome.isBlank()) {
            Path mvn = Path.of(mavenHome, "bin", "mvn");
            if (Files.isExecutable(mvn)) {
                return mvn.toString();
            }
        }
        return "mvn";
    }

    String version() {
        return version;
    }

    /** The jars, as the distribution's libs/ folder holds them. */
    Path libDir() {
        return home.resolve("lib");
    }

    int majorVersion() {
        return Integer.parseInt(version.substring(0, version.indexOf('.')));
    }

    /** Kafka 4 logs through log4j 2; Kafka 3 through log4j 1 (reload4j). */
    boolean logsThroughLog4j2() {
        return majorVersion() >= 4;
    }

    /**
     * The command line of one of this distribution's programs, as kafka-run-class.sh builds it, logging to
     * standard output (which {@link LoggedProcess} keeps in a file).
     */
    List<String> javaCommand(Path workDir, String maxHeap, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaHome.resolve("bin/java").toString());
        command.add("-Xmx" + maxHeap);
        // Short-lived test processes: quick start-up matters more than peak speed on a 2-core machine.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-Djava.awt.headless=true");
        command.add(loggingOption(workDir));
        command.add("-cp");
        command.add(home.resolve("lib") + "/*");
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    /**
     * The distribution's bin/ scripts that the docs' commands name, as Kafka 4's bin/ holds them: each runs one
     * main class through kafka-run-class.sh, which puts libs/ on the class path and logs warnings to standard
     * error. Written under the distribution's own folder; put it on PATH to run a documented command as written.
     */
    Path binDir() throws IOException {
        if (majorVersion() < 4) {
            throw new IllegalStateException("bin/ scripts are written for Kafka 4 distributions, not " + this);
        }
        Path bin = Files.createDirectories(home.resolve("bin-" + javaHome.getFileName()));
        Path toolsLog = bin.resolve("tools-log4j2.properties");
        writeAtomically(toolsLog, String.join("\n",
                "status = warn",
                "appender.stderr.type = Console",
                "appender.stderr.name = STDERR",
                "appender.stderr.target = SYSTEM_ERR",
                "appender.stderr.layout.type = PatternLayout",
                "appender.stderr.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = WARN",
                "rootLogger.appenderRef.stderr.ref = STDERR",
                ""), false);
        writeAtomically(bin.resolve("kafka-run-class.sh"), String.join("\n",
                "#!/bin/sh",
                "exec '" + javaHome.resolve("bin/java") + "' -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \\",
                "    -Dlog4j2.configurationFile='" + toolsLog + "' -cp '" + libDir() + "/*' \"$@\"",
                ""), true);
        for (Map.Entry<String, String> tool : TOOLS.entrySet()) {
            writeAtomically(bin.resolve(tool.getKey()), String.join("\n",
                    "#!/bin/sh",
                    "exec \"$(dirname \"$0\")/kafka-run-class.sh\" " + tool.getValue() + " \"$@\"",
                    ""), true);
        }
        return bin;
    }

    /** Kafka 4's bin/ scripts and the main class each runs. */
    private static final Map<String, String> TOOLS = Map.of(
            "kafka-acls.sh", "org.apache.kafka.tools.AclCommand",
            "kafka-topics.sh", "org.apache.kafka.tools.TopicCommand",
            "kafka-configs.sh", "kafka.admin.ConfigCommand",
            "kafka-console-consumer.sh", "org.apache.kafka.tools.consumer.ConsoleConsumer",
            "kafka-console-producer.sh", "org.apache.kafka.tools.ConsoleProducer",
            "kafka-storage.sh", "kafka.tools.StorageTool");

    /**
     * Writes {@code text} to {@code file} through a temporary file renamed over it: another test JVM writing the
     * same bin/ folder, or running a script from it, sees the old file or the new one, never a half-written one.
     */
    private static void writeAtomically(Path file, String text, boolean executable) throws IOException {
        Path temporary = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
        try {
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(temporary, java.nio.file.attribute.PosixFilePermissions.fromString(
                    executable ? "rwxr-xr-x" : "rw-r--r--"));
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private String loggingOption(Path workDir) throws IOException {
        return writeLoggingConfig(workDir, "DEBUG");
    }

    /**
     * Writes the logging configuration of a process in {@code workDir}: everything at INFO to standard output, the
     * connector at {@code connectorLevel}; returns the JVM option that points at it.
     */
    String writeLoggingConfig(Path workDir, String connectorLevel) throws IOException {
        return writeLoggingConfig(workDir, connectorLevel, Map.of());
    }

    /** {@link #writeLoggingConfig(Path, String)} with these loggers at these levels besides. */
    String writeLoggingConfig(Path workDir, String connectorLevel, Map<String, String> levels) throws IOException {
        List<String> more = new ArrayList<>();
        int n = 0;
        for (Map.Entry<String, String> level : new TreeMap<>(levels).entrySet()) {
            n++;
            more.add(logsThroughLog4j2() ? "logger.more" + n + ".name = " + level.getKey() : "log4j.logger."
                    + level.getKey() + "=" + level.getValue());
            if (logsThroughLog4j2()) {
                more.add("logger.more" + n + ".level = " + level.getValue());
            }
        }
        if (logsThroughLog4j2()) {
            Path config = workDir.resolve("log4j2.properties");
            Files.writeString(config, String.join("\n",
                    "status = warn",
                    "appender.console.type = Console",
                    "appender.console.name = STDOUT",
                    "appender.console.layout.type = PatternLayout",
                    "appender.console.layout.pattern = [%d] %p %m (%c)%n",
                    "rootLogger.level = INFO",
                    "rootLogger.appenderRef.stdout.ref = STDOUT",
                    "logger.connector.name = io.github.kresconnect",
                    "logger.connector.level = " + connectorLevel,
                    String.join("\n", more),
                    ""), StandardCharsets.UTF_8);
            return "-Dlog4j2.configurationFile=" + config;
        }
        Path config = workDir.resolve("log4j.properties");
        Files.writeString(config, String.join("\n",
                "log4j.rootLogger=INFO, stdout",
                "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
                "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
                "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
                "log4j.logger.io.github.kresconnect=" + connectorLevel,
                String.join("\n", more),
                ""), StandardCharsets.UTF_8);
        return "-Dlog4j.configuration=" + config.toUri();
    }

    @Override
    public String toString() {
        String jdk = javaHome.equals(Path.of(System.getProperty("java.home"))) ? "" : " on " + javaHome.getFileName();
        return "Kafka " + version + jdk;
    }
}
