package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A systemd service unit as systemd reads the parts this project uses: each section's settings in order
 * (comments and blank lines skipped, a key may repeat), {@code Environment=} assignments with systemd's
 * quoting, and {@code ExecStart=} split into words. {@link #command} turns an ExecStart of Kafka's
 * connect-standalone.sh into the java command line that script and kafka-run-class.sh build from the
 * environment, so a test runs the worker exactly as the unit would without the distribution's scripts.
 */
final class ServiceUnit {
    static final String CONNECT_STANDALONE = "org.apache.kafka.connect.cli.ConnectStandalone";

    private final Map<String, List<Map.Entry<String, String>>> sections = new LinkedHashMap<>();

    private ServiceUnit() {
    }

    static ServiceUnit read(Path file) throws IOException {
        ServiceUnit unit = new ServiceUnit();
        String section = "";
        for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                section = line.substring(1, line.length() - 1);
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("not a setting in " + file + ": " + raw);
            }
            unit.sections.computeIfAbsent(section, s -> new ArrayList<>())
                    .add(Map.entry(line.substring(0, eq).strip(), line.substring(eq + 1).strip()));
        }
        return unit;
    }

    /** Every value of {@code key} in {@code section}, in order. */
    List<String> values(String section, String key) {
        return sections.getOrDefault(section, List.of()).stream().filter(e -> e.getKey().equals(key))
                .map(Map.Entry::getValue).toList();
    }

    /** The single value of {@code key} in {@code section}; fails if it is missing or repeated. */
    String value(String section, String key) {
        List<String> values = values(section, key);
        if (values.size() != 1) {
            throw new AssertionError("[" + section + "] " + key + "= must appear once, found " + values);
        }
        return values.get(0);
    }

    /** The environment of [Service]'s Environment= lines, later assignments replacing earlier ones. */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String value : values("Service", "Environment")) {
            for (String assignment : words(value)) {
                int eq = assignment.indexOf('=');
                if (eq <= 0) {
                    throw new AssertionError("not an assignment in Environment=" + value + ": " + assignment);
                }
                env.put(assignment.substring(0, eq), assignment.substring(eq + 1));
            }
        }
        return env;
    }

    /** ExecStart= split into words (systemd's quoting: double quotes group words). */
    List<String> execStart() {
        return words(value("Service", "ExecStart"));
    }

    /**
     * The java command line of {@code connect-standalone.sh ARGS} run with {@code env}, as Kafka 4.x's
     * bin/connect-standalone.sh and bin/kafka-run-class.sh build it: their defaults for what the environment
     * leaves unset, {@code -Dkafka.logs.dir=$LOG_DIR} before the log4j options, the class path of
     * {@code kafkaHome/libs}, and the unquoted variables split into words as the shell does. Creates
     * {@code LOG_DIR} as kafka-run-class.sh does.
     */
    static List<String> connectStandaloneCommand(Path kafkaHome, Map<String, String> env, List<String> args)
            throws IOException {
        // connect-standalone.sh
        String log4j = env.getOrDefault("KAFKA_LOG4J_OPTS", "");
        if (log4j.isEmpty()) {
            log4j = "-Dlog4j2.configurationFile=" + kafkaHome.resolve("bin/../config/connect-log4j2.yaml");
        }
        String heap = env.getOrDefault("KAFKA_HEAP_OPTS", "");
        if (heap.isEmpty()) {
            heap = "-Xms256M -Xmx2G";
        }
        // kafka-run-class.sh
        String jmx = env.getOrDefault("KAFKA_JMX_OPTS", "");
        if (jmx.isEmpty()) {
            jmx = "-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false "
                    + "-Dcom.sun.management.jmxremote.ssl=false";
        }
        if (!env.getOrDefault("JMX_PORT", "").isEmpty()) {
            jmx += " -Dcom.sun.management.jmxremote.port=" + env.get("JMX_PORT");
        }
        String logDir = env.getOrDefault("LOG_DIR", "");
        if (logDir.isEmpty()) {
            logDir = kafkaHome.resolve("bin/../logs").toString();
        }
        Files.createDirectories(Path.of(logDir));
        String performance = env.getOrDefault("KAFKA_JVM_PERFORMANCE_OPTS", "");
        if (performance.isEmpty()) {
            performance = "-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 "
                    + "-XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true";
        }
        String javaHome = env.getOrDefault("JAVA_HOME", System.getProperty("java.home"));

        List<String> command = new ArrayList<>();
        command.add(Path.of(javaHome, "bin", "java").toString());
        command.addAll(shellWords(heap));
        command.addAll(shellWords(performance));
        command.addAll(shellWords(jmx));
        command.add("-Dkafka.logs.dir=" + logDir);
        command.addAll(shellWords(log4j));
        command.add("-cp");
        command.add(kafkaHome.resolve("libs") + "/*");
        command.addAll(shellWords(env.getOrDefault("KAFKA_OPTS", "")));
        command.add(CONNECT_STANDALONE);
        command.addAll(args);
        return command;
    }

    /** An unquoted shell variable's words: split at white space. */
    private static List<String> shellWords(String value) {
        return value.isBlank() ? List.of() : List.of(value.strip().split("\\s+"));
    }

    /** systemd's word splitting: white space separates, double quotes group (and are removed). */
    static List<String> words(String value) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                inWord = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quoted) {
            throw new AssertionError("unbalanced quotes in " + value);
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
