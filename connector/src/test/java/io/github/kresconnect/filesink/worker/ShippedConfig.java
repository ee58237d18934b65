package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The example configs under config/, copied for a test run with only machine-specific values replaced
 * (paths, ports, host name). Every replaced key must already be in the shipped file, so a test cannot
 * quietly run with a setting the shipped file lacks.
 */
final class ShippedConfig {
    private ShippedConfig() {
    }

    static Path shipped(String fileName) {
        return KafkaDistribution.projectDir().resolve("config").resolve(fileName);
    }

    /** Copies {@code config/fileName} to {@code target}, replacing the values of {@code overrides}' keys. */
    static Path copy(String fileName, Path target, Map<String, String> overrides) throws IOException {
        return copy(fileName, target, overrides, Map.of());
    }

    /**
     * Like {@link #copy(String, Path, Map)}, also moving the shipped directories named by {@code directories}'
     * keys (wherever they appear in values, as in {@code ${dir:/etc/knot-resolver/kafka:client.key}}) to the
     * test's.
     */
    static Path copy(String fileName, Path target, Map<String, String> overrides, Map<String, String> directories)
            throws IOException {
        return copy(fileName, target, overrides, directories, null);
    }

    /**
     * Like {@link #copy(String, Path, Map, Map)}, also uncommenting the shipped lines {@code #PREFIX...} as the
     * operator's page says to (the receipts.producer.* lines for a secured cluster, for example); at least one
     * such line must be there.
     */
    static Path copy(String fileName, Path target, Map<String, String> overrides, Map<String, String> directories,
            String uncommentPrefix) throws IOException {
        List<String> out = new ArrayList<>();
        Set<String> replaced = new HashSet<>();
        int uncommented = 0;
        for (String shippedLine : Files.readAllLines(shipped(fileName), StandardCharsets.UTF_8)) {
            String line = shippedLine;
            if (uncommentPrefix != null && line.startsWith("#" + uncommentPrefix)) {
                line = line.substring(1);
                uncommented++;
            }
            if (!line.strip().startsWith("#")) {
                for (Map.Entry<String, String> dir : directories.entrySet()) {
                    line = line.replace(dir.getKey(), dir.getValue());
                }
            }
            String trimmed = line.strip();
            int eq = trimmed.indexOf('=');
            if (!trimmed.startsWith("#") && eq > 0) {
                String key = trimmed.substring(0, eq).strip();
                if (overrides.containsKey(key)) {
                    out.add(key + "=" + overrides.get(key));
                    replaced.add(key);
                    continue;
                }
            }
            out.add(line);
        }
        if (uncommentPrefix != null && uncommented == 0) {
            throw new IllegalArgumentException("config/" + fileName + " has no commented " + uncommentPrefix + " lines");
        }
        Set<String> missing = new HashSet<>(overrides.keySet());
        missing.removeAll(replaced);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("config/" + fileName + " does not set " + missing);
        }
        Files.createDirectories(target.getParent());
        Files.write(target, out, StandardCharsets.UTF_8);
        return target;
    }

    /**
     * A shipped worker config ({@code workerFile}) for a run in {@code dir}: this broker, REST port, plugin path
     * and offsets file, plus {@code extra} settings and moved {@code directories} (see
     * {@link #copy(String, Path, Map, Map)}); written to {@code dir/worker.properties}.
     */
    static Path worker(String workerFile, Path dir, String bootstrapServers, int restPort, Path pluginPath,
            Map<String, String> extra, Map<String, String> directories) throws IOException {
        Map<String, String> overrides = new java.util.HashMap<>(Map.of(
                "bootstrap.servers", bootstrapServers,
                "listeners", "http://127.0.0.1:" + restPort,
                "plugin.path", pluginPath.toString(),
                "offset.storage.file.filename", dir.resolve("connect.offsets").toString()));
        overrides.putAll(extra);
        return copy(workerFile, dir.resolve("worker.properties"), overrides, directories);
    }

    /**
     * Appends to {@code target} (a copy of {@code config/fileName}) settings the shipped file does not have, as
     * a test's deliberate additions. A key the shipped file already sets is refused: replace it with
     * {@link #copy(String, Path, Map)}'s overrides instead, so that no value is set twice.
     */
    static Path append(String fileName, Path target, Map<String, String> added) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("# Added for this test run (not in config/" + fileName + ")");
        for (Map.Entry<String, String> setting : added.entrySet()) {
            if (sets(fileName, setting.getKey())) {
                throw new IllegalArgumentException("config/" + fileName + " already sets " + setting.getKey());
            }
            lines.add(setting.getKey() + "=" + setting.getValue());
        }
        Files.write(target, lines, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        return target;
    }

    private static boolean sets(String fileName, String key) throws IOException {
        try {
            value(fileName, key);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A value as the shipped file sets it. */
    static String value(String fileName, String key) throws IOException {
        for (String line : Files.readAllLines(shipped(fileName), StandardCharsets.UTF_8)) {
            String trimmed = line.strip();
            int eq = trimmed.indexOf('=');
            if (!trimmed.startsWith("#") && eq > 0 && trimmed.substring(0, eq).strip().equals(key)) {
                return trimmed.substring(eq + 1).strip();
            }
        }
        throw new IllegalArgumentException("config/" + fileName + " does not set " + key);
    }

    /**
     * The receipts topic a host writes to with the shipped resolver-sink.properties (its receipts.topic and
     * receipts.topic.mode): {@code knot-resolver-receipts.host.HOST} as shipped.
     */
    static String receiptsTopicOf(String host) throws IOException {
        return io.github.kresconnect.filesink.receipts.ReceiptChannel.fromWord(value("resolver-sink.properties",
                "receipts.topic.mode")).topicFor(value("resolver-sink.properties", "receipts.topic"), host);
    }
}
