package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.SignatureThreshold;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.protocol.TrustedKey;

/** resolver-publish --cosign: the options, and co-signatures that a host's count accepts. */
class CosignTest {
    private static final KeyPair A = Signatures.generateKeyPair();
    private static final KeyPair B = Signatures.generateKeyPair();
    private static final KeyPair C = Signatures.generateKeyPair();

    @TempDir
    Path dir;

    private Path keyFile(String name, KeyPair pair) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, Signatures.privateKeyPem(pair.getPrivate()));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    @Test
    void cosignGoesWithSign() throws Exception {
        Path config = Files.writeString(dir.resolve("config.yaml"), "a: 1\n");
        PublisherRun run = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--cosign",
                keyFile("b.key", B).toString(), config.toString());
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--cosign goes with --sign"), run::toString);
    }

    @Test
    void theSameKeyTwiceIsAUsageError() throws Exception {
        Path config = Files.writeString(dir.resolve("config.yaml"), "a: 1\n");
        Path a = keyFile("a.key", A);
        PublisherRun run = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--dry-run",
                "--partitions", "1", "--sign", a.toString(), "--cosign", a.toString(), config.toString());
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("is key id " + Signatures.keyId(A.getPublic()) + ", which already signs this "
                + "run"), run::toString);
        Path unreadable = dir.resolve("missing.key");
        run = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--dry-run", "--partitions", "1",
                "--sign", a.toString(), "--cosign", unreadable.toString(), config.toString());
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--cosign: cannot read the signing key '" + unreadable + "'"), run::toString);
    }

    @Test
    void aDryRunNamesTheCoSigningKeys() throws Exception {
        Path config = Files.writeString(dir.resolve("config.yaml"), "a: 1\n");
        PublisherRun run = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--dry-run",
                "--partitions", "1", "--sign", keyFile("a.key", A).toString(), "--cosign",
                keyFile("b.key", B).toString(), "--cosign", keyFile("c.key", C).toString(), config.toString());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("Co-signed with key ids " + Signatures.keyId(B.getPublic()) + ", "
                + Signatures.keyId(C.getPublic()) + "."), run::toString);
    }

    @Test
    void everyTransferOfABatchCarriesCoSignaturesThatAHostCounts() throws Exception {
        TransferSigner signer = TransferSigner.load(keyFile("a.key", A), 1764500000000L, "prod")
                .withCosigners(List.of(keyFile("b.key", B), keyFile("c.key", C)));
        List<SignedFile> transfers = new ArrayList<>();
        for (String recipient : List.of("r1", "r2", "r3")) {
            byte[] content = ("a: " + recipient + "\n").getBytes(StandardCharsets.UTF_8);
            transfers.add(signer.transfer(RecipientMode.HOSTNAME, recipient, "config.yaml",
                    TransferIntegrity.forNewTransfer(content.length, TransferIntegrity.newSha256().digest(content)),
                    1024));
        }
        List<SignedVersion> signed = signer.sign(transfers);
        Map<String, TrustedKey> trusted = new LinkedHashMap<>();
        for (KeyPair pair : List.of(A, B, C)) {
            trusted.put(Signatures.keyId(pair.getPublic()), TrustedKey.of(pair.getPublic()));
        }
        for (int i = 0; i < transfers.size(); i++) {
            assertEquals(2, signed.get(i).cosignatures().size());
            SignatureThreshold.Tally tally = SignatureThreshold.count(transfers.get(i), signed.get(i), trusted,
                    Set.of(), List.of(".yaml"), SignatureThreshold.ED25519);
            assertTrue(tally.reaches(3), tally.describe(3));
        }
        assertEquals(signed.get(0).cosignatures(), signed.get(2).cosignatures(), "one co-signature per key per batch");
    }
}
