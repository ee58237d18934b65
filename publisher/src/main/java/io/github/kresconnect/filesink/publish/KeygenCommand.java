package io.github.kresconnect.filesink.publish;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.List;

import io.github.kresconnect.filesink.protocol.ConnectorDefaults;
import io.github.kresconnect.filesink.protocol.Signatures;

/**
 * {@code resolver-publish keygen --out PREFIX}: a new Ed25519 key pair for {@code --sign}. Writes
 * {@code PREFIX.key} (the private key, PEM PKCS#8, created with mode 0600 so it is never readable by others, not
 * even for a moment) and {@code PREFIX.pub} (the public key, PEM X.509), refuses to overwrite either, and prints
 * the public key and its id in the form {@code signatures.trusted.keys} takes.
 */
final class KeygenCommand {
    static final String NAME = "keygen";

    private final PrintStream out;
    private final PrintStream err;

    KeygenCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    static String usage() {
        return """
                Usage: resolver-publish keygen --out PREFIX

                Writes a new Ed25519 signing key pair: PREFIX.key, the private key for 'resolver-publish --sign'
                (PEM, PKCS#8, mode 0600; keep it on the publishing host only), and PREFIX.pub, the public key for
                the connector's signatures.trusted.keys. Existing files are never overwritten. Prints the public
                key and its id.
                """;
    }

    int run(List<String> args) {
        String[] given = {null};
        try {
            new CommandLines("resolver-publish keygen")
                    .flag((name, value) -> {
                        throw new CommandLines.Stop();
                    }, "-h", "--help")
                    .valued((name, value) -> given[0] = value, "--out")
                    .unmatched(arguments -> "unexpected argument '" + arguments.get(0) + "'")
                    .noEndOfOptions()
                    .parse(args);
        } catch (CommandLines.Stop help) {
            out.print(usage());
            return ExitCode.OK.code();
        } catch (PublishOptions.UsageException e) {
            return usageError(e.getMessage());
        }
        String prefix = given[0];
        if (prefix == null || prefix.isBlank()) {
            return usageError("give --out PREFIX: the key pair is written to PREFIX.key and PREFIX.pub");
        }
        Path privateFile = Path.of(prefix + ".key");
        Path publicFile = Path.of(prefix + ".pub");
        for (Path file : List.of(privateFile, publicFile)) {
            if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                err.println("resolver-publish keygen: '" + file + "' exists; it is never overwritten (remove it, or "
                        + "choose another --out)");
                return ExitCode.FILE.code();
            }
        }
        KeyPair pair = Signatures.generateKeyPair();
        String publicPem = Signatures.publicKeyPem(pair.getPublic());
        String keyId = Signatures.keyId(pair.getPublic());
        try {
            writePrivate(privateFile, Signatures.privateKeyPem(pair.getPrivate()));
            Files.writeString(publicFile, publicPem, StandardCharsets.US_ASCII,
                    java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
        } catch (IOException e) {
            err.println("resolver-publish keygen: cannot write the key pair: " + e);
            return ExitCode.FILE.code();
        }
        out.println("Wrote the private key to " + privateFile + " (mode 0600) and the public key to " + publicFile
                + ".");
        out.println("Key id: " + keyId);
        out.println();
        out.println("Public key, for the connector's " + ConnectorDefaults.SIGNATURES_TRUSTED_KEYS_CONFIG
                + " (append it to the keys already trusted):");
        out.print(publicPem);
        out.println();
        out.println("On one line (a properties file or a JSON string):");
        out.println(ConnectorDefaults.SIGNATURES_TRUSTED_KEYS_CONFIG + "="
                + Signatures.publicKeyOneLine(pair.getPublic()));
        out.println();
        out.println("Sign with: resolver-publish --sign " + privateFile + " ...");
        return ExitCode.OK.code();
    }

    /** Created with mode 0600 where the file system has POSIX permissions; never replaces a file. */
    private static void writePrivate(Path file, String pem) throws IOException {
        byte[] bytes = pem.getBytes(StandardCharsets.US_ASCII);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            // The umask may have taken bits away, never added them; set exactly 0600.
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } else {
            Files.createFile(file);
        }
        try {
            Files.write(file, bytes, java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    private int usageError(String message) {
        err.println("resolver-publish keygen: " + message);
        err.println("Run 'resolver-publish keygen --help' for usage.");
        return ExitCode.USAGE.code();
    }
}
