package io.github.kresconnect.filesink.publish;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.kresconnect.filesink.protocol.KeyFormatException;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedTransfers;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;

/**
 * {@code resolver-publish cosign --key KEYFILE --out FILE REQUEST}: where a co-signing key is kept, signs what a
 * request ({@link CosignRequest}) says a run will send, without the files and without the run's own key: it prints
 * every file with its SHA-256, recipients, version and fleet (for its keeper to compare with what they reviewed), and
 * writes the key's co-signatures ({@link DetachedCosignatures}) for the run's {@code --cosignature FILE}.
 */
final class CosignCommand {
    static final String NAME = "cosign";
    private final PrintStream out;
    private final PrintStream err;

    CosignCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) {
        Path[] key = new Path[1];
        Path[] output = new Path[1];
        Path[] request = new Path[1];
        try {
            new CommandLines("resolver-publish cosign")
                    .flag((name, value) -> {
                        throw new CommandLines.Stop();
                    }, "-h", "--help")
                    .valued((name, value) -> key[0] = Path.of(value.trim()), "--key")
                    .valued((name, value) -> output[0] = Path.of(value.trim()), "--out")
                    .positional((name, value) -> {
                        if (request[0] != null) {
                            throw new PublishOptions.UsageException("one request at a time");
                        }
                        request[0] = Path.of(value);
                    }, false)
                    .parse(args);
            if (key[0] == null || output[0] == null || request[0] == null) {
                throw new PublishOptions.UsageException("--key, --out and the request are required");
            }
        } catch (CommandLines.Stop help) {
            out.print(usage());
            return ExitCode.OK.code();
        } catch (PublishOptions.UsageException e) {
            err.println("resolver-publish cosign: " + e.getMessage());
            err.println("Run 'resolver-publish cosign --help' for usage.");
            return ExitCode.USAGE.code();
        }
        try {
            CosignRequest wanted = CosignRequest.read(request[0]);
            TransferSigner.permissionWarning(key[0]).ifPresent(err::println);
            TransferSigner signer = TransferSigner.load(key[0], wanted.version(), wanted.fleet());
            out.println("Co-signing with key id " + signer.keyId() + ": version " + wanted.version()
                    + (wanted.fleet().isEmpty() ? "" : ", fleet " + wanted.fleet()) + ", "
                    + (wanted.mode() == io.github.kresconnect.filesink.config.RecipientMode.ZONE_ID ? "zone ids "
                            : "hosts ") + String.join(", ", wanted.recipients()) + ":");
            wanted.files().forEach(f -> out.println("  " + f.name() + "  " + f.integrity().length() + " bytes  sha256 "
                    + f.integrity().sha256Hex()));
            Map<String, String> signed = new LinkedHashMap<>();
            for (List<SignedFile> group : wanted.groups(signer)) {
                List<SignedVersion> signatures = signer.sign(group);
                for (int i = 0; i < group.size(); i++) {
                    byte[] form = SignedTransfers.signedForm(group.get(i), signatures.get(i).proof());
                    signed.putIfAbsent(DetachedCosignatures.sha256Hex(form), signatures.get(i).signatureBase64());
                }
            }
            DetachedCosignatures cosignatures = new DetachedCosignatures(
                    Signatures.publicKeyOf(signer.key()), signer.keyId(), signed);
            try {
                Files.writeString(output[0], cosignatures.text(), StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                err.println("resolver-publish cosign: '" + output[0] + "' exists: it is not overwritten");
                return ExitCode.FILE.code();
            } catch (IOException e) {
                err.println("resolver-publish cosign: cannot write '" + output[0] + "': " + e.getMessage());
                return ExitCode.FILE.code();
            }
            out.println("Wrote " + signed.size() + " co-signature(s) by key id " + signer.keyId() + " to " + output[0]
                    + ": publish with --request " + request[0] + " --cosignature " + output[0]);
            return ExitCode.OK.code();
        } catch (PublishException e) {
            err.println("resolver-publish cosign: " + e.getMessage());
            return e.exitCode().code();
        } catch (KeyFormatException e) {
            err.println("resolver-publish cosign: " + e.getMessage());
            return ExitCode.USAGE.code();
        }
    }

    static String usage() {
        return """
                Usage: resolver-publish cosign --key KEYFILE --out FILE REQUEST

                Co-signs, with the Ed25519 private key KEYFILE, what REQUEST (written by resolver-publish
                --write-request) says a run will send: prints each file's name, length and SHA-256, the version,
                the fleet and the recipients, and writes the key's co-signatures to FILE (never overwritten), for
                the run's --cosignature FILE. Neither the files nor the run's own key are needed here.
                """;
    }
}
