package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The HTTP Basic credentials of a worker whose config names Kafka's BasicAuthSecurityRestExtension, set up as the
 * install steps do: the shipped rest-jaas.conf pointing at a credentials file {@code admin=PASSWORD} of mode 0600.
 */
record RestCredentials(String user, String password, Path jaasFile) {
    static final String EXTENSION = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension";
    static final String SHIPPED_CREDENTIALS = "/etc/kafka-connect/rest-credentials.properties";

    /**
     * When {@code workerProperties} turns the extension on: the credentials in the directory of that file
     * (rest-credentials.properties, kept if present, else written with a fresh password) and the shipped JAAS file
     * pointing at them (rest-jaas.conf). Empty when the worker needs none.
     */
    static Optional<RestCredentials> forWorker(Path workerProperties) throws IOException {
        if (!Files.readString(workerProperties, StandardCharsets.UTF_8).lines()
                .anyMatch(l -> l.startsWith("rest.extension.classes=") && l.contains(EXTENSION))) {
            return Optional.empty();
        }
        Path dir = workerProperties.toAbsolutePath().getParent();
        Path credentials = dir.resolve("rest-credentials.properties");
        if (!Files.exists(credentials)) {
            byte[] secret = new byte[16];
            new SecureRandom().nextBytes(secret);
            Files.writeString(credentials, "admin=" + HexFormat.of().formatHex(secret) + "\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
        }
        Path jaas = dir.resolve("rest-jaas.conf");
        Files.writeString(jaas, Files.readString(ShippedConfig.shipped("rest-jaas.conf"), StandardCharsets.UTF_8)
                .replace(SHIPPED_CREDENTIALS, credentials.toString()), StandardCharsets.UTF_8);
        return Optional.of(read(credentials, jaas));
    }

    /** The first {@code user=password} line of a credentials file. */
    static RestCredentials read(Path credentials, Path jaasFile) throws IOException {
        String line = Files.readAllLines(credentials, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst()
                .orElseThrow(() -> new IOException(credentials + " holds no credentials"));
        int eq = line.indexOf('=');
        return new RestCredentials(line.substring(0, eq).strip(), line.substring(eq + 1).strip(), jaasFile);
    }

    /** The JVM option that makes the extension read {@link #jaasFile}. */
    String jvmOption() {
        return "-Djava.security.auth.login.config=" + jaasFile;
    }

    /** The value of an Authorization header. */
    String authorization() {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    HttpRequest.Builder apply(HttpRequest.Builder request) {
        return request.header("Authorization", authorization());
    }

    /** As curl takes them ({@code -u}). */
    String curlUser() {
        return user + ":" + password;
    }
}
