package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.publish.FileSender.Destination;
import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.record.FilePartReader;
import io.github.kresconnect.filesink.verify.SignatureVerifier;

/** resolver-publish keygen, and --sign: what the producer is handed, read back by the connector's own checks. */
class SigningPublishTest {
    @TempDir
    Path dir;

    private Path keygen() {
        PublisherRun run = PublisherRun.run("keygen", "--out", dir.resolve("signing").toString());
        assertEquals(0, run.exitCode(), run.err());
        return dir.resolve("signing.key");
    }

    @Test
    void keygenWritesAPrivateKeyOnlyTheOwnerCanReadAndPrintsThePublicKeyAndItsId() throws Exception {
        PublisherRun run = PublisherRun.run("keygen", "--out", dir.resolve("signing").toString());
        assertEquals(0, run.exitCode(), run.err());
        Path key = dir.resolve("signing.key");
        Path pub = dir.resolve("signing.pub");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        PublicKey publicKey = Signatures.parsePublicKeys(Files.readString(pub)).get(0);
        assertEquals(publicKey, Signatures.publicKeyOf(Signatures.parsePrivateKey(Files.readString(key))));
        String id = Signatures.keyId(publicKey);
        assertTrue(run.out().contains("Key id: " + id), run.out());
        assertTrue(run.out().contains(Files.readString(pub)), "the PEM as the setting takes it:\n" + run.out());
        assertTrue(run.out().contains("signatures.trusted.keys=" + Signatures.publicKeyOneLine(publicKey)), run.out());
        assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----\n"));

        PublisherRun again = PublisherRun.run("keygen", "--out", dir.resolve("signing").toString());
        assertEquals(ExitCode.FILE.code(), again.exitCode());
        assertTrue(again.err().contains("never overwritten"), again.err());
        assertEquals(publicKey, Signatures.parsePublicKeys(Files.readString(pub)).get(0), "the old key is kept");
        assertEquals(ExitCode.USAGE.code(), PublisherRun.run("keygen").exitCode());
    }

    @Test
    void everyTransferIsCoveredByOneSignatureForTheRunWithItsOwnProof() throws Exception {
        Path key = keygen();
        byte[] content = new byte[2500];
        new Random(1).nextBytes(content);
        Path big = Files.write(dir.resolve("big.rpz"), content);
        Path config = Files.writeString(dir.resolve("config.yaml"), "a: 1\n");
        PublishOptions options = PublishOptions.parse(List.of("--to", "r1", "--to", "r2", "--chunk-size", "1000",
                "--sign", key.toString(), big.toString(), config.toString()));
        assertEquals(Path.of(key.toString()), options.signingKey().orElseThrow());
        PublishPlan plan = PublishPlan.build(options);
        long version = 1764500000000L;
        TransferSigner signer = TransferSigner.load(key, version);
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        List<Destination> destinations = List.of(new Destination("t", "r1", 0), new Destination("t", "r2", 1));
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        new FileSender(producer, RecipientMode.HOSTNAME, destinations,
                new Progress(err, false, true, plan, destinations.size()), signer).send(plan);
        List<ProducerRecord<byte[], byte[]>> records = producer.history();
        assertEquals((3 + 1) * 2, records.size());

        Map<String, String> proofOf = new LinkedHashMap<>(); // file + recipient -> proof
        Set<String> signatures = new HashSet<>();
        SignatureVerifier verifier = new SignatureVerifier(Signatures.parsePublicKeys(
                Files.readString(dir.resolve("signing.pub"))), true);
        for (ProducerRecord<byte[], byte[]> record : records) {
            Map<String, String> headers = headers(record);
            String recipient = headers.get("hostname");
            assertEquals(signer.keyId(), headers.get("signature-key-id"));
            assertEquals(Long.toString(version), headers.get("file-version"));
            signatures.add(headers.get("signature"));
            String previous = proofOf.putIfAbsent(headers.get("file-name") + " " + recipient,
                    headers.get("signature-proof"));
            assertTrue(previous == null || previous.equals(headers.get("signature-proof")),
                    "one proof per transfer, on each of its chunks");
            // The connector, as recipient, accepts it.
            FilePartReader reader = new FilePartReader(RecipientMode.HOSTNAME, recipient, Set.of(), 8192);
            SinkRecord sink = sinkRecord(record);
            FilePart part = reader.read(sink).orElseThrow();
            assertEquals(version, verifier.check(part, reader.recipient(sink).orElseThrow()).signed().version());
        }
        assertEquals(1, signatures.size(), "the run's four transfers share one signature");
        assertEquals(1, verifier.verifications(), "verified once for all of them");
        assertEquals(List.of("0;4;", "1;4;", "2;4;", "3;4;"), proofOf.values().stream()
                .map(proof -> proof.substring(0, 4)).toList(), "file by file, recipient by recipient");
        assertEquals(4, new HashSet<>(proofOf.values()).size(), "each transfer has its own place");
        List<String> first = new ArrayList<>(headers(records.get(0)).keySet());
        List<String> expected = new ArrayList<>(ProtocolHeaders.ALL);
        expected.addAll(ProtocolHeaders.SIGNED_WITH_PROOF);
        expected.remove(ProtocolHeaders.FLEET); // the run names no fleet
        assertEquals(expected, first, "the protocol's headers, then the signature's");
    }

    @Test
    void aSingleTransferIsSignedOnItsOwnWithoutAProof() throws Exception {
        Path key = keygen();
        Path file = Files.writeString(dir.resolve("a.rpz"), "x");
        PublishPlan plan = PublishPlan.build(PublishOptions.parse(List.of("--to", "r1", "--sign", key.toString(),
                file.toString())));
        TransferSigner signer = TransferSigner.load(key, 7L);
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        new FileSender(producer, RecipientMode.HOSTNAME, List.of(new Destination("t", "r1", 0)),
                new Progress(err, false, true, plan, 1), signer).send(plan);
        Map<String, String> headers = headers(producer.history().get(0));
        assertFalse(headers.containsKey("signature-proof"), headers.toString());
        FilePartReader reader = new FilePartReader(RecipientMode.HOSTNAME, "r1", Set.of(), 8192);
        SinkRecord sink = sinkRecord(producer.history().get(0));
        FilePart part = reader.read(sink).orElseThrow();
        SignedFile signed = new SignedFile("a.rpz", SignedFile.RecipientKind.HOSTNAME, "r1", part.integrity(), 7L,
                new SignedFile.Binding("", 1, part.integrity().length())); // form 2, no fleet, whole
        assertTrue(Signatures.verify(Signatures.publicKeyOf(Signatures.parsePrivateKey(Files.readString(key))),
                signed, java.util.Base64.getDecoder().decode(headers.get("signature"))),
                "the signature is over the transfer's own canonical form");
    }

    @Test
    void moreTransfersThanOneSignatureCoversAreSignedInGroups() throws Exception {
        Path key = keygen();
        List<String> args = new ArrayList<>(List.of("--to", "r1", "--to", "r2", "--sign", key.toString()));
        int files = SignatureBatch.PUBLISHER_LEAVES / 2 + 5;
        for (int i = 0; i < files; i++) {
            args.add(Files.writeString(dir.resolve(String.format("z%03d.rpz", i)), "zone " + i).toString());
        }
        PublishPlan plan = PublishPlan.build(PublishOptions.parse(args));
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        List<Destination> destinations = List.of(new Destination("t", "r1", 0), new Destination("t", "r2", 1));
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        new FileSender(producer, RecipientMode.HOSTNAME, destinations,
                new Progress(err, false, true, plan, 2), TransferSigner.load(key, 9L)).send(plan);
        assertEquals(files * 2, producer.history().size());
        Map<String, Integer> leavesBySignature = new LinkedHashMap<>();
        SignatureVerifier verifier = new SignatureVerifier(Signatures.parsePublicKeys(
                Files.readString(dir.resolve("signing.pub"))), true);
        for (ProducerRecord<byte[], byte[]> record : producer.history()) {
            Map<String, String> headers = headers(record);
            SignatureBatch.Proof proof = SignatureBatch.Proof.parse(headers.get("signature-proof"));
            leavesBySignature.merge(headers.get("signature"), 1, Integer::sum);
            assertEquals(leavesBySignature.get(headers.get("signature")) - 1, proof.index());
            FilePartReader reader = new FilePartReader(RecipientMode.HOSTNAME, headers.get("hostname"), Set.of(),
                    8192);
            SinkRecord sink = sinkRecord(record);
            verifier.check(reader.read(sink).orElseThrow(), reader.recipient(sink).orElseThrow());
        }
        assertEquals(List.of(SignatureBatch.PUBLISHER_LEAVES, 10), List.copyOf(leavesBySignature.values()),
                "whole files per group, at most " + SignatureBatch.PUBLISHER_LEAVES + " transfers per signature");
        assertEquals(2, verifier.verifications());
    }

    @Test
    void aRunWithoutSignCarriesNoSignatureHeaders() throws Exception {
        Path file = Files.writeString(dir.resolve("a.rpz"), "x");
        PublishOptions options = PublishOptions.parse(List.of("--to", "r1", file.toString()));
        assertTrue(options.signingKey().isEmpty());
        PublishPlan plan = PublishPlan.build(options);
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        new FileSender(producer, RecipientMode.HOSTNAME, List.of(new Destination("t", "r1", 0)),
                new Progress(err, false, true, plan, 1)).send(plan);
        assertEquals(ProtocolHeaders.ALL.size() - 2, headers(producer.history().get(0)).size());
        assertTrue(headers(producer.history().get(0)).keySet().stream().noneMatch(ProtocolHeaders.SIGNED::contains));
    }

    @Test
    void anUnreadableOrInvalidSigningKeyIsAUsageErrorBeforeAnythingIsSent() throws Exception {
        Path file = Files.writeString(dir.resolve("a.rpz"), "x");
        PublisherRun missing = PublisherRun.run("--bootstrap-server", "127.0.0.1:1", "--to", "r1", "--sign",
                dir.resolve("nope.key").toString(), "--dry-run", "--partitions", "3", file.toString());
        assertEquals(ExitCode.USAGE.code(), missing.exitCode());
        assertTrue(missing.err().contains("--sign: cannot read the signing key"), missing.err());
        Path pub = Files.writeString(dir.resolve("x.pub"), Signatures.publicKeyPem(Signatures.generateKeyPair()
                .getPublic()));
        PublisherRun wrong = PublisherRun.run("--bootstrap-server", "127.0.0.1:1", "--to", "r1", "--sign",
                pub.toString(), "--dry-run", "--partitions", "3", file.toString());
        assertEquals(ExitCode.USAGE.code(), wrong.exitCode());
        assertTrue(wrong.err().contains("expected a PEM private key"), wrong.err());

        Path key = keygen();
        PublisherRun dry = PublisherRun.run("--bootstrap-server", "127.0.0.1:1", "--to", "r1", "--sign",
                key.toString(), "--dry-run", "--partitions", "3", file.toString());
        assertEquals(0, dry.exitCode(), dry.err());
        assertTrue(dry.out().contains("Signed with key id " + TransferSigner.load(key, 0).keyId()), dry.out());
        assertTrue(dry.err().isEmpty(), dry.err());

        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        PublisherRun readable = PublisherRun.run("--bootstrap-server", "127.0.0.1:1", "--to", "r1", "--sign",
                key.toString(), "--dry-run", "--partitions", "3", file.toString());
        assertEquals(0, readable.exitCode(), readable.err());
        assertTrue(readable.err().contains("is accessible by others than its owner (rw-r--r--)"), readable.err());
    }

    @Test
    void zoneAddressedRecordsAreSignedForTheirZone() throws Exception {
        Path key = keygen();
        Path file = Files.writeString(dir.resolve("a.rpz"), "zone");
        PublishOptions options = PublishOptions.parse(List.of("--zone", "dc-east", "--sign", key.toString(),
                file.toString()));
        PublishPlan plan = PublishPlan.build(options);
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        new FileSender(producer, RecipientMode.ZONE_ID, List.of(new Destination("t", "dc-east", 0)),
                new Progress(err, false, true, plan, 1), TransferSigner.load(key, 42)).send(plan);
        SinkRecord sink = sinkRecord(producer.history().get(0));
        SignatureVerifier verifier = new SignatureVerifier(Signatures.parsePublicKeys(
                Files.readString(dir.resolve("signing.pub"))), true);
        FilePartReader zoneReader = new FilePartReader(RecipientMode.ZONE_ID, "ignored", Set.of("dc-east"), 8192);
        FilePart part = zoneReader.read(sink).orElseThrow();
        assertEquals(42, verifier.check(part, zoneReader.recipient(sink).orElseThrow()).signed().version());
    }

    private static Map<String, String> headers(ProducerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    private static SinkRecord sinkRecord(ProducerRecord<byte[], byte[]> record) {
        StringConverter converter = new StringConverter();
        converter.configure(Map.of("converter.type", "header"));
        ConnectHeaders headers = new ConnectHeaders();
        for (Header header : record.headers()) {
            headers.add(header.key(), converter.toConnectHeader(record.topic(), header.key(), header.value()));
        }
        return new SinkRecord(record.topic(), record.partition(), null, record.key(), null, record.value(), 0L,
                null, null, headers);
    }
}
