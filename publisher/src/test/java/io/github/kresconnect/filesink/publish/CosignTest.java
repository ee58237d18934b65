package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    @Test
    void aDetachedCoSignatureIsMadeFromTheRequestAloneAndCheckedBeforeSending() throws Exception {
        Path config = Files.writeString(dir.resolve("config.yaml"), "a: 1\n");
        Path a = keyFile("a.key", A);
        Path request = dir.resolve("request.txt");
        PublisherRun written = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--to", "r2",
                "--sign", a.toString(), "--fleet", "prod", "--file-version", "77", "--write-request",
                request.toString(), config.toString());
        assertEquals(0, written.exitCode(), written::toString);
        assertTrue(written.out().contains("nothing was sent"), written::toString);
        CosignRequest parsed = CosignRequest.read(request);
        assertEquals(77, parsed.version());
        assertEquals(List.of("r1", "r2"), parsed.recipients());
        assertEquals(TransferIntegrity.sha256HexOf("a: 1\n".getBytes(StandardCharsets.UTF_8)),
                parsed.files().get(0).integrity().sha256Hex());

        // Where B is kept: the request alone, neither the file nor A.
        Path cosignatures = dir.resolve("b.cosig");
        PublisherRun cosigned = PublisherRun.run("cosign", "--key", keyFile("b.key", B).toString(), "--out",
                cosignatures.toString(), request.toString());
        assertEquals(0, cosigned.exitCode(), cosigned::toString);
        assertTrue(cosigned.out().contains("config.yaml  5 bytes  sha256 "
                + parsed.files().get(0).integrity().sha256Hex()), cosigned::toString);
        assertTrue(cosigned.out().contains("version 77, fleet prod, hosts r1, r2"), cosigned::toString);

        PublisherRun publish = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--to", "r2",
                "--dry-run", "--partitions", "1", "--sign", a.toString(), "--fleet", "prod", "--request",
                request.toString(), "--cosignature", cosignatures.toString(), config.toString());
        assertEquals(0, publish.exitCode(), publish::toString);
        assertTrue(publish.out().contains("Co-signed with key ids " + Signatures.keyId(B.getPublic()) + "."),
                publish::toString);

        // The same transfers, signed as the sender signs them, carry B's co-signature, which a host counts.
        TransferSigner signer = TransferSigner.load(a, 0, "prod").withDetached(parsed, List.of(cosignatures));
        Map<String, TrustedKey> trusted = new LinkedHashMap<>();
        for (KeyPair pair : List.of(A, B)) {
            trusted.put(Signatures.keyId(pair.getPublic()), TrustedKey.of(pair.getPublic()));
        }
        List<SignedFile> transfers = parsed.groups(signer).get(0);
        List<SignedVersion> signed = signer.sign(transfers);
        for (int i = 0; i < transfers.size(); i++) {
            SignatureThreshold.Tally tally = SignatureThreshold.count(transfers.get(i), signed.get(i), trusted,
                    Set.of(), List.of(".yaml"), SignatureThreshold.ED25519);
            assertTrue(tally.reaches(2), tally.describe(2));
        }
    }

    @Test
    void aDetachedCoSignatureOfAnotherRequestOrAnotherCommandLineIsRefused() throws Exception {
        Path config = Files.writeString(dir.resolve("config.yaml"), "a: 1\n");
        Path a = keyFile("a.key", A);
        Path b = keyFile("b.key", B);
        Path first = dir.resolve("first.txt");
        Path second = dir.resolve("second.txt");
        for (Path request : List.of(first, second)) { // two requests: other transfer ids
            assertEquals(0, PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--sign",
                    a.toString(), "--file-version", "77", "--write-request", request.toString(),
                    config.toString()).exitCode());
        }
        Path cosignatures = dir.resolve("second.cosig");
        assertEquals(0, PublisherRun.run("cosign", "--key", b.toString(), "--out", cosignatures.toString(),
                second.toString()).exitCode());
        PublisherRun mismatched = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--dry-run",
                "--partitions", "1", "--sign", a.toString(), "--request", first.toString(), "--cosignature",
                cosignatures.toString(), config.toString());
        assertEquals(2, mismatched.exitCode(), mismatched::toString);
        assertTrue(mismatched.err().contains("does not co-sign this run"), mismatched::toString);

        PublisherRun otherHost = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r2", "--dry-run",
                "--partitions", "1", "--sign", a.toString(), "--request", second.toString(), "--cosignature",
                cosignatures.toString(), config.toString());
        assertEquals(2, otherHost.exitCode(), otherHost::toString);
        assertTrue(otherHost.err().contains("this command sends recipients [r2], the request's [r1]"),
                otherHost::toString);

        PublisherRun bySigner = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--dry-run",
                "--partitions", "1", "--sign", b.toString(), "--request", second.toString(), "--cosignature",
                cosignatures.toString(), config.toString());
        assertEquals(2, bySigner.exitCode(), bySigner::toString);
        assertTrue(bySigner.err().contains("which already signs this run"), bySigner::toString);

        PublisherRun withoutRequest = PublisherRun.run("--bootstrap-server", "127.0.0.1:9", "--to", "r1", "--sign",
                a.toString(), "--cosignature", cosignatures.toString(), config.toString());
        assertEquals(2, withoutRequest.exitCode(), withoutRequest::toString);
        assertTrue(withoutRequest.err().contains("--cosignature goes with --request"), withoutRequest::toString);
    }

    @Test
    void aRequestIsReadOnlyInItsCanonicalForm() {
        CosignRequest request = new CosignRequest(5, "prod", RecipientMode.HOSTNAME, 1024, List.of("r1"),
                List.of(new CosignRequest.Entry("dir/a b.yaml", TransferIntegrity.forNewTransfer(3,
                        TransferIntegrity.newSha256().digest(new byte[3])))));
        assertEquals(request, CosignRequest.parse(request.text()));
        for (String bad : List.of(request.text().replace("version=5", "version=05"),
                request.text().replace("recipient=r1\n", ""), request.text() + "extra\n",
                request.text().replace("resolver-cosign-request-v1", "other"))) {
            assertThrows(IllegalArgumentException.class, () -> CosignRequest.parse(bad), bad);
        }
    }
}
