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
}
