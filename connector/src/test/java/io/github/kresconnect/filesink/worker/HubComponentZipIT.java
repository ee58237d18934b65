package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The component zip the build produces, as the worker ITs install it: one folder named like the zip, with
 * the manifest's version the project's, and a lib/ that brings nothing the worker already provides (a second
 * Kafka or SLF4J in the plugin's class loader breaks the worker's own).
 */
class HubComponentZipIT {

    @Test
    void zipHoldsOneFolderWithManifestLibEtcAndDoc(@TempDir Path pluginPath) throws IOException {
        Path folder = HubComponent.installInto(pluginPath);
        try (Stream<Path> top = Files.list(pluginPath)) {
            assertEquals(List.of(folder.getFileName().toString()),
                    top.map(p -> p.getFileName().toString()).toList(), "one folder named like the zip");
        }

        JsonNode manifest = new ObjectMapper().readTree(folder.resolve("manifest.json").toFile());
        assertEquals(HubComponent.projectVersion(), manifest.path("version").asText(), "version from the pom");
        assertEquals(HubComponent.NAME, manifest.path("name").asText());
        assertEquals(HubComponent.OWNER, manifest.path("owner").path("username").asText());
        assertEquals("sink", manifest.path("component_types").path(0).asText());

        for (String config : List.of("worker.properties", "resolver-sink.properties", "worker-ssl-pem.properties",
                "worker-sasl-ssl.properties", "kafka-connect-resolver.service", "connect-log4j2.properties",
                "connect-log4j.properties", "jmxremote.access", "rest-jaas.conf")) {
            assertArrayEquals(Files.readAllBytes(ShippedConfig.shipped(config)),
                    Files.readAllBytes(folder.resolve("etc").resolve(config)), "etc/" + config + " as in config/");
        }
        assertArrayEquals(Files.readAllBytes(KafkaDistribution.projectDir().resolve("LICENSE")),
                Files.readAllBytes(folder.resolve("doc/LICENSE")), "doc/LICENSE");
        assertArrayEquals(Files.readAllBytes(KafkaDistribution.projectDir().resolve("README.md")),
                Files.readAllBytes(folder.resolve("doc/README.md")), "doc/README.md");
        // The pages the README links to (docs/operator.md, ...), at the same relative place.
        List<String> pages;
        try (Stream<Path> docs = Files.list(KafkaDistribution.projectDir().resolve("docs"))) {
            pages = docs.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".md")).sorted().toList();
        }
        assertTrue(pages.contains("operator.md") && pages.contains("reference.md"), pages.toString());
        try (Stream<Path> shipped = Files.list(folder.resolve("doc/docs"))) {
            assertEquals(pages, shipped.map(p -> p.getFileName().toString()).sorted().toList(), "doc/docs/");
        }
        for (String page : pages) {
            assertArrayEquals(Files.readAllBytes(KafkaDistribution.projectDir().resolve("docs").resolve(page)),
                    Files.readAllBytes(folder.resolve("doc/docs").resolve(page)), "doc/docs/" + page);
        }
        assertTrue(manifest.path("documentation_url").asText().endsWith("/docs/operator.md"),
                manifest.path("documentation_url").asText());
    }

    /**
     * The plugin's own lib/ (JNA trimmed to its Linux natives) gives the store syncfs(2) where the platform has it:
     * the store's SyncFs, loaded from the installed jars alone, finds nothing missing on Linux 5.8+ (x86-64,
     * aarch64), and names why otherwise.
     */
    @Test
    void theInstalledLibLoadsSyncfsOnLinux(@TempDir Path pluginPath) throws Exception {
        Path lib = HubComponent.installInto(pluginPath).resolve("lib");
        List<java.net.URL> urls = new ArrayList<>();
        try (Stream<Path> files = Files.list(lib)) {
            for (Path jar : files.toList()) {
                urls.add(jar.toUri().toURL());
            }
        }
        try (java.net.URLClassLoader plugin = new java.net.URLClassLoader(urls.toArray(java.net.URL[]::new),
                ClassLoader.getPlatformClassLoader())) {
            Class<?> syncFs = Class.forName("io.github.kresconnect.filesink.store.SyncFs", true, plugin);
            java.lang.reflect.Method unavailable = syncFs.getDeclaredMethod("unavailable");
            unavailable.setAccessible(true);
            Object why = unavailable.invoke(null);
            String[] version = System.getProperty("os.version").split("[.-]");
            boolean expected = System.getProperty("os.name").equals("Linux")
                    && List.of("amd64", "x86_64", "aarch64").contains(System.getProperty("os.arch"))
                    && (Integer.parseInt(version[0]) > 5
                            || Integer.parseInt(version[0]) == 5 && Integer.parseInt(version[1]) >= 8);
            assertEquals(expected, why == null, "syncfs from the plugin's lib/: " + why);
        }
    }

    @Test
    void libHoldsTheConnectorAndOnlyDependenciesTheWorkerLacks(@TempDir Path pluginPath) throws IOException {
        Path lib = HubComponent.installInto(pluginPath).resolve("lib");
        Set<String> jars = new TreeSet<>();
        try (Stream<Path> files = Files.list(lib)) {
            files.forEach(p -> jars.add(p.getFileName().toString()));
        }
        assertTrue(jars.contains(HubComponent.NAME + "-" + HubComponent.projectVersion() + ".jar"), "connector jar in " + jars);
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("snakeyaml-")), "snakeyaml in " + jars);
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("jackson-core-")), "jackson-core in " + jars);
        for (String provided : List.of("kafka-clients", "connect-api", "connect-runtime", "kafka_", "slf4j",
                "log4j", "reload4j")) {
            assertTrue(jars.stream().noneMatch(j -> j.startsWith(provided)), provided + " must not be in " + jars);
        }

        // By content too: no jar, whatever its name, carries Kafka's or SLF4J's classes.
        List<String> offending = new ArrayList<>();
        for (String jar : jars) {
            try (JarFile file = new JarFile(lib.resolve(jar).toFile())) {
                file.stream().map(e -> e.getName())
                        .filter(n -> n.endsWith(".class")
                                && (n.startsWith("org/apache/kafka/") || n.startsWith("org/slf4j/")))
                        .findFirst().ifPresent(n -> offending.add(jar + " (" + n + ")"));
            }
        }
        assertEquals(List.of(), offending, "jars bundling classes the worker provides");
    }

    /**
     * Every class that the plugin's own classes can reach, directly or through others, by the references in their
     * class files (jdeps, the JDK's class dependency analyser), is in lib/, in the JDK or in {@link #OUTSIDE_THE_ZIP}:
     * the trimmed jars (JNA's Linux part, the part of httpcore5-h2 the classic HTTP client
     * reaches) leave out only classes nothing reaches. Reflection is not followed; the worker ITs run the rest.
     */
    /**
     * Packages the plugin's classes reach that the zip does not hold: the worker's (Kafka, SLF4J), and httpclient5's
     * optional content decoders (Brotli, Commons Compress), which it uses only after finding them on the class path.
     */
    private static final List<String> OUTSIDE_THE_ZIP = List.of("org.apache.kafka.", "org.slf4j.",
            "com.aayushatharva.brotli4j.", "org.apache.commons.compress.");

    @Test
    void everyClassThePluginReachesIsInLibOrProvided(@TempDir Path pluginPath) throws Exception {
        Path lib = HubComponent.installInto(pluginPath).resolve("lib");
        List<String> jars;
        try (Stream<Path> files = Files.list(lib)) {
            jars = files.map(Path::toString).sorted().toList();
        }
        java.util.spi.ToolProvider jdeps = java.util.spi.ToolProvider.findFirst("jdeps").orElseThrow();
        List<String> args = new ArrayList<>(List.of("--multi-release", String.valueOf(Runtime.version().feature()),
                "-verbose:class", "-filter:none", "--class-path", String.join(java.io.File.pathSeparator, jars)));
        args.addAll(jars);
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int status = jdeps.run(new java.io.PrintWriter(out), new java.io.PrintWriter(err), args.toArray(String[]::new));
        assertEquals(0, status, err.toString());

        // "   from -> to   where": where is a jar of lib/, a JDK module, or "not found".
        java.util.Map<String, List<String[]>> references = new java.util.HashMap<>();
        for (String line : out.toString().lines().toList()) {
            String[] words = line.strip().split("\\s+");
            if (line.startsWith("   ") && words.length >= 4 && words[1].equals("->")) {
                references.computeIfAbsent(words[0], k -> new ArrayList<>()).add(new String[] {words[2],
                        String.join(" ", java.util.Arrays.copyOfRange(words, 3, words.length))});
            }
        }
        Set<String> roots = new TreeSet<>();
        for (String jar : jars) {
            if (Path.of(jar).getFileName().toString().startsWith(HubComponent.NAME)) {
                try (JarFile file = new JarFile(jar)) {
                    file.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/"))
                            .forEach(n -> roots.add(n.substring(0, n.length() - ".class".length()).replace('/', '.')));
                }
            }
        }
        assertTrue(roots.contains("io.github.kresconnect.filesink.ResolverFileSinkConnector"), roots.toString());
        Set<String> reached = new TreeSet<>(roots);
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(roots);
        Set<String> missing = new TreeSet<>();
        while (!todo.isEmpty()) {
            String from = todo.pop();
            for (String[] to : references.getOrDefault(from, List.of())) {
                if (to[1].equals("not found")) {
                    if (OUTSIDE_THE_ZIP.stream().noneMatch(to[0]::startsWith)) {
                        missing.add(to[0] + " (from " + from + ")");
                    }
                } else if (to[1].endsWith(".jar") && reached.add(to[0])) {
                    todo.push(to[0]);
                }
            }
        }
        assertEquals(Set.of(), missing, "classes the plugin can reach that neither lib/, the JDK nor the worker has");
        assertTrue(reached.stream().anyMatch(c -> c.startsWith("org.apache.hc.core5.http2.")),
                "the classic client reaches part of httpcore5-h2 (else drop it): " + reached.size() + " classes");

        // The trimmed httpcore5 is the one Maven resolves for the project's httpclient5 (on this test's class path),
        // and the trimmed httpcore5-h2 is named after the same version (both come from httpcore5.version).
        java.util.Properties resolved = new java.util.Properties();
        try (java.io.InputStream in = org.apache.hc.core5.http.HttpHost.class
                .getResourceAsStream("/org/apache/hc/core5/version.properties")) {
            resolved.load(in);
        }
        String version = resolved.getProperty("info.release");
        Path core = Path.of(jars.stream().filter(j -> j.endsWith("/httpcore5-" + version + "-classic.jar")).findFirst()
                .orElseThrow(() -> new AssertionError("httpcore5-" + version + "-classic.jar in " + jars)));
        java.util.Properties zipped = new java.util.Properties();
        try (JarFile file = new JarFile(core.toFile());
                java.io.InputStream in = file.getInputStream(file.getEntry("org/apache/hc/core5/version.properties"))) {
            zipped.load(in);
        }
        assertEquals(version, zipped.getProperty("info.release"), core.toString());
        assertTrue(jars.stream().anyMatch(j -> j.endsWith("/httpcore5-h2-" + version + "-classic.jar")), jars.toString());
    }
}
