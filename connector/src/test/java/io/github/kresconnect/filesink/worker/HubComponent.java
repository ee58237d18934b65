package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import io.github.kresconnect.filesink.Version;

/** The Confluent Hub component zip that `mvn package` builds, and a plugin directory made from it. */
final class HubComponent {
    static final String OWNER = "kresconnect";
    static final String NAME = "kafka-connect-resolver-files";

    private HubComponent() {
    }

    /** The project's version, as the build filtered it into the connector's resources. */
    static String projectVersion() {
        return Version.get();
    }

    static String folderName() {
        return OWNER + "-" + NAME + "-" + projectVersion();
    }

    static Path zip() {
        Path zip = KafkaDistribution.projectDir().resolve("connector/target/components/packages").resolve(folderName() + ".zip");
        if (!Files.isRegularFile(zip)) {
            throw new IllegalStateException("The component zip " + zip + " is missing: run `mvn verify`, which "
                    + "builds it in the package phase before the integration tests");
        }
        return zip;
    }

    /** Unzips the component into {@code pluginPath}, as an operator installs it; returns its folder. */
    static Path installInto(Path pluginPath) throws IOException {
        Files.createDirectories(pluginPath);
        Path root = pluginPath.toRealPath();
        try (InputStream in = Files.newInputStream(zip()); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                Path target = root.resolve(entry.getName()).normalize();
                if (!target.startsWith(root)) {
                    throw new IOException("zip entry escapes the plugin directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return root.resolve(folderName());
    }
}
