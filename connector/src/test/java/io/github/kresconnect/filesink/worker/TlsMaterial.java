package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * Keys and certificates for a TLS test, made with the JDK's keytool: a broker certificate for 127.0.0.1 and a
 * client certificate, each self-signed and trusted by the other side. The client's side is written as the PEM
 * files upstream's resolver config names (key-file, cert-file, ca-file): client.key (PKCS#8), client.crt,
 * ca.crt.
 */
final class TlsMaterial {
    static final String PASSWORD = "test-only-password";

    final Path brokerKeystore;
    /** The certificates the broker trusts: the client's. */
    final Path brokerTruststore;
    /** The directory of client.key, client.crt and ca.crt. */
    final Path clientPemDir;

    private TlsMaterial(Path brokerKeystore, Path brokerTruststore, Path clientPemDir) {
        this.brokerKeystore = brokerKeystore;
        this.brokerTruststore = brokerTruststore;
        this.clientPemDir = clientPemDir;
    }

    static TlsMaterial create(Path dir) throws IOException, InterruptedException, GeneralSecurityException {
        Files.createDirectories(dir);
        Path broker = keypair(dir, "broker", "CN=broker", "SAN=ip:127.0.0.1,dns:localhost");
        Path client = keypair(dir, "client", "CN=resolver1", null);
        Path pemDir = Files.createDirectories(dir.resolve("client-pem"));

        KeyStore clientStore = load(client);
        Key key = clientStore.getKey("client", PASSWORD.toCharArray());
        Files.writeString(pemDir.resolve("client.key"), pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
        Files.writeString(pemDir.resolve("client.crt"), pem("CERTIFICATE",
                clientStore.getCertificate("client").getEncoded()), StandardCharsets.US_ASCII);
        Certificate brokerCert = load(broker).getCertificate("broker");
        Files.writeString(pemDir.resolve("ca.crt"), pem("CERTIFICATE", brokerCert.getEncoded()),
                StandardCharsets.US_ASCII);
        return new TlsMaterial(broker, pemDir.resolve("client.crt"), pemDir);
    }

    private static Path keypair(Path dir, String alias, String dname, String san)
            throws IOException, InterruptedException {
        Path keystore = dir.resolve(alias + ".p12");
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", dname, "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD));
        if (san != null) {
            command.add("-ext");
            command.add(san);
        }
        LoggedProcess.run("keytool " + alias, command, dir, dir.resolve("keytool-" + alias + ".log"),
                Duration.ofMinutes(1));
        return keystore;
    }

    private static KeyStore load(Path keystore) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
