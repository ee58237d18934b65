package io.github.kresconnect.filesink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.notify.ChangeNotifier;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/** The task verifies signatures before the store: what is rejected never changes the files in place. */
class SignedDeliveryTaskTest {
    private static final KeyPair TRUSTED = Signatures.generateKeyPair();
    private static final KeyPair OTHER = Signatures.generateKeyPair();

    @TempDir
    Path dir;

    private final RecordingSinkTaskContext context = new RecordingSinkTaskContext();
    private ResolverFileSinkTask task;
    private long offset;

    private void start(Map<String, String> extra) {
        Map<String, String> props = new HashMap<>(Map.of("files.dir", dir.toString(), "resolver.hostname", "r1",
                "errors.tolerance", "all", "name", "signed-task-test"));
        props.putAll(extra);
        task = new ResolverFileSinkTask((config, listener) -> ChangeNotifier.none(),
                new io.github.kresconnect.filesink.store.MutableClock());
        task.initialize(context);
        task.start(props);
    }

    @AfterEach
    void stop() {
        if (task != null) {
            task.stop();
        }
    }

    private static Map<String, String> requiring(KeyPair... trusted) {
        StringBuilder keys = new StringBuilder();
        for (KeyPair pair : trusted) {
            keys.append(Signatures.publicKeyPem(pair.getPublic()));
        }
        return Map.of("signatures.required", "true", "signatures.trusted.keys", keys.toString());
    }

    /** A whole file, signed by {@code signer} for {@code signedFor} (null: unsigned). */
    private SinkRecord record(String name, String content, KeyPair signer, String signedFor, long version) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        TransferIntegrity integrity = TransferIntegrity.forNewTransfer(bytes.length,
                TransferIntegrity.newSha256().digest(bytes));
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("hostname", "r1");
        headers.addString("file-name", name);
        headers.addString("transfer-id", integrity.transferId());
        headers.addString("file-length", Long.toString(integrity.length()));
        headers.addString("file-sha256", integrity.sha256Hex());
        if (signer != null) {
            headers.addString("signature-key-id", Signatures.keyId(signer.getPublic()));
            headers.addString("file-version", Long.toString(version));
            headers.addString("signature", Signatures.sign(signer.getPrivate(),
                    new SignedFile(name, RecipientKind.HOSTNAME, signedFor, integrity, version)));
        }
        return new SinkRecord("knot-resolver", 0, Schema.STRING_SCHEMA, name, Schema.BYTES_SCHEMA, bytes, offset++,
                null, null, headers);
    }

    @Test
    void signedFilesLandAndEveryBadOneIsRejectedWithItsReasonLeavingTheFileInPlace() throws Exception {
        start(requiring(TRUSTED));
        task.put(List.of(record("a.rpz", "v1", TRUSTED, "r1", 1)));
        task.preCommit(Map.of());
        assertEquals("v1", Files.readString(dir.resolve("a.rpz")));

        SinkRecord unsigned = record("a.rpz", "unsigned", null, null, 0);
        SinkRecord unknown = record("a.rpz", "other key", OTHER, "r1", 2);
        SinkRecord wrongRecipient = record("a.rpz", "for r2", TRUSTED, "r2", 2);
        task.put(List.of(unsigned, unknown, wrongRecipient));
        task.preCommit(Map.of());
        assertEquals("v1", Files.readString(dir.resolve("a.rpz")));
        assertEquals(List.of(unsigned, unknown, wrongRecipient), context.reported);
        Map<String, Long> metrics = task.metrics().snapshot();
        assertEquals(3L, metrics.get("records-rejected-bad-signature"));
        assertEquals(1L, metrics.get("files-published"));
    }

    @Test
    void withoutRequiringUnsignedUpstreamRecordsStillLandButABadTrustedSignatureDoesNot() throws Exception {
        start(Map.of("signatures.trusted.keys", Signatures.publicKeyOneLine(TRUSTED.getPublic())));
        SinkRecord upstream = new SinkRecord("knot-resolver", 0, Schema.STRING_SCHEMA, "u.rpz", Schema.BYTES_SCHEMA,
                "upstream".getBytes(StandardCharsets.UTF_8), offset++, null, null,
                new ConnectHeaders().addString("hostname", "r1"));
        SinkRecord signed = record("a.rpz", "signed", TRUSTED, "r1", 1);
        SinkRecord bad = record("b.rpz", "tampered", TRUSTED, "r2", 1);
        task.put(List.of(upstream, signed, bad,
                record("c.rpz", "unknown key", OTHER, "r1", 1)));
        task.preCommit(Map.of());
        assertEquals("upstream", Files.readString(dir.resolve("u.rpz")));
        assertEquals("signed", Files.readString(dir.resolve("a.rpz")));
        assertEquals("unknown key", Files.readString(dir.resolve("c.rpz")));
        assertFalse(Files.exists(dir.resolve("b.rpz")));
        assertEquals(List.of(bad), context.reported);
    }

    @Test
    void underToleranceNoneABadSignatureStopsTheTaskWithTheReason() {
        start(new HashMap<>(requiring(TRUSTED)) {
            {
                put("errors.tolerance", "none");
            }
        });
        Exception stopped = assertThrows(org.apache.kafka.connect.errors.ConnectException.class,
                () -> task.put(List.of(record("a.rpz", "x", OTHER, "r1", 1))));
        assertTrue(stopped.getMessage().contains("not in signatures.trusted.keys"), stopped.getMessage());
    }

    @Test
    void requiringSignaturesWithoutATrustedKeyOrWithAnUnreadableKeyIsAConfigurationError() {
        ConfigException none = assertThrows(ConfigException.class, () -> new io.github.kresconnect.filesink.config
                .ResolverFileSinkConfig(Map.of("signatures.required", "true")));
        assertTrue(none.getMessage().contains("needs at least one key in signatures.trusted.keys"), none.getMessage());
        ConfigException garbage = assertThrows(ConfigException.class, () -> new io.github.kresconnect.filesink.config
                .ResolverFileSinkConfig(Map.of("signatures.trusted.keys", "-----BEGIN PUBLIC KEY-----AAAA"
                        + "-----END PUBLIC KEY-----")));
        assertTrue(garbage.getMessage().contains("signatures.trusted.keys: public key 1 is not an Ed25519 public key"),
                garbage.getMessage());

        Map<String, String> props = new HashMap<>(Map.of("files.dir", dir.toString(), "signatures.required", "true"));
        var values = new ResolverFileSinkConnector().validate(props).configValues();
        var required = values.stream().filter(v -> v.name().equals("signatures.required")).findFirst().orElseThrow();
        assertEquals(1, required.errorMessages().size(), required.errorMessages().toString());
        props.put("signatures.trusted.keys", "junk");
        values = new ResolverFileSinkConnector().validate(props).configValues();
        var keys = values.stream().filter(v -> v.name().equals("signatures.trusted.keys")).findFirst().orElseThrow();
        assertTrue(keys.errorMessages().get(0).contains("expected only PEM public keys"), keys.errorMessages().toString());
    }

    @Test
    void trustedKeysAreReadThroughAConfigProvider() throws Exception {
        Path pem = Files.writeString(dir.resolve("trusted-keys.pem"), Signatures.publicKeyPem(TRUSTED.getPublic())
                + Signatures.publicKeyPem(OTHER.getPublic()));
        var provider = new org.apache.kafka.common.config.provider.DirectoryConfigProvider();
        provider.configure(Map.of());
        var transformer = new org.apache.kafka.common.config.ConfigTransformer(Map.of("dir", provider));
        Map<String, String> resolved = transformer.transform(Map.of("files.dir", dir.toString(),
                "signatures.required", "true", "signatures.trusted.keys", "${dir:" + dir + ":trusted-keys.pem}")).data();
        var config = new io.github.kresconnect.filesink.config.ResolverFileSinkConfig(resolved);
        assertEquals(List.of(TRUSTED.getPublic(), OTHER.getPublic()), config.signaturesTrustedKeys().stream()
                .map(io.github.kresconnect.filesink.protocol.TrustedKey::key).toList());
        assertFalse(pem.toString().isEmpty());
    }
}
