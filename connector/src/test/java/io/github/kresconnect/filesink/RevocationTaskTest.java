package io.github.kresconnect.filesink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.notify.ChangeNotifier;
import io.github.kresconnect.filesink.protocol.RevocationList;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/** The task applies a revocation list: every way a list is refused, with its reason, and what a list changes. */
class RevocationTaskTest {
    private static final KeyPair PUBLISHER = Signatures.generateKeyPair();
    private static final KeyPair REVOKER = Signatures.generateKeyPair();
    private static final String PUBLISHER_ID = Signatures.keyId(PUBLISHER.getPublic());

    @TempDir
    Path dir;

    private final RecordingSinkTaskContext context = new RecordingSinkTaskContext();
    private ResolverFileSinkTask task;
    private long offset;

    private void start() {
        Map<String, String> props = new HashMap<>(Map.of("files.dir", dir.toString(), "resolver.hostname", "r1",
                "errors.tolerance", "all", "name", "revocation-task-test", "signatures.required", "true",
                "signatures.trusted.keys", Signatures.publicKeyOneLine(PUBLISHER.getPublic())
                        + Signatures.publicKeyOneLine(REVOKER.getPublic()) + "[roles=revocation]"));
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

    /** A whole file signed in form 2 by {@code signer} at {@code version}, its bytes as {@code carried}. */
    private SinkRecord record(String name, byte[] content, byte[] carried, KeyPair signer, long version) {
        TransferIntegrity integrity = TransferIntegrity.forNewTransfer(content.length,
                TransferIntegrity.newSha256().digest(content));
        SignedVersion signed = SignatureBatch.sign(signer.getPrivate(), Signatures.keyId(signer.getPublic()),
                List.of(new SignedFile(name, RecipientKind.HOSTNAME, "r1", integrity, version,
                        new SignedFile.Binding("", 1, content.length))), 1).get(0);
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("hostname", "r1");
        headers.addString("file-name", name);
        headers.addString("transfer-id", integrity.transferId());
        headers.addString("file-length", Long.toString(integrity.length()));
        headers.addString("file-sha256", integrity.sha256Hex());
        headers.addString("signature-key-id", signed.keyId());
        headers.addString("file-version", Long.toString(version));
        headers.addString("signature", signed.signatureBase64());
        headers.addString("signature-form", "2");
        return new SinkRecord("knot-resolver", 0, Schema.STRING_SCHEMA, name, Schema.BYTES_SCHEMA, carried, offset++,
                null, null, headers);
    }

    private SinkRecord file(String name, String content, KeyPair signer, long version) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        return record(name, bytes, bytes, signer, version);
    }

    private SinkRecord list(RevocationList list, KeyPair signer, long version) {
        byte[] bytes = list.toBytes();
        return record(RevocationList.FILE_NAME, bytes, bytes, signer, version);
    }

    private String lastReason() {
        return context.reasons.get(context.reasons.size() - 1).getMessage();
    }

    @Test
    void aListRevokesLowersAFloorAndIsNeverAFileInPlace() throws Exception {
        start();
        task.put(List.of(file("a.rpz", "far ahead", PUBLISHER, 1L << 62)));
        task.preCommit(Map.of());
        task.put(List.of(list(new RevocationList(Set.of(PUBLISHER_ID), Map.of("a.rpz", 5L)), REVOKER, 10)));
        task.put(List.of(file("a.rpz", "after", PUBLISHER, 6)));
        task.preCommit(Map.of());
        assertEquals("signed by key id " + PUBLISHER_ID + ", which the revocation list of version 10 revokes",
                lastReason());
        assertEquals("far ahead", Files.readString(dir.resolve("a.rpz")));
        assertFalse(Files.exists(dir.resolve(RevocationList.FILE_NAME)));

        // A newer list that no longer names the key: the floor it lowered lets version 6 in.
        task.put(List.of(list(new RevocationList(Set.of(), Map.of()), REVOKER, 11),
                file("a.rpz", "after", PUBLISHER, 6)));
        task.preCommit(Map.of());
        assertEquals("after", Files.readString(dir.resolve("a.rpz")));
        assertEquals(1, context.reported.size(), "only the revoked key's record was rejected");
    }

    @Test
    void everyBadListIsRejectedWithItsReasonAndChangesNothing() throws Exception {
        start();
        List<String> reasons = new java.util.ArrayList<>();
        task.put(List.of(list(new RevocationList(Set.of(), Map.of()), PUBLISHER, 20))); // not a revocation key
        reasons.add(lastReason());
        task.put(List.of(list(new RevocationList(Set.of(PUBLISHER_ID), Map.of()), REVOKER, 10)));
        byte[] good = new RevocationList(Set.of(), Map.of()).toBytes();
        List<SinkRecord> bad = List.of(
                record(RevocationList.FILE_NAME, "not a list\n".getBytes(StandardCharsets.UTF_8),
                        "not a list\n".getBytes(StandardCharsets.UTF_8), REVOKER, 21),
                record(RevocationList.FILE_NAME, good, "resolver-revocations-v2\n".getBytes(StandardCharsets.UTF_8),
                        REVOKER, 22),
                list(new RevocationList(Set.of(), Map.of()), REVOKER, 9));
        for (SinkRecord record : bad) {
            task.put(List.of(record));
            reasons.add(lastReason());
        }
        assertTrue(reasons.get(0).contains("may sign roles=data,config, not the revocation list"), reasons.get(0));
        assertTrue(reasons.get(1).startsWith("revocation list, line 1: expected the first line"), reasons.get(1));
        assertTrue(reasons.get(2).contains("whose content matches its 'file-length' and 'file-sha256'"),
                reasons.get(2));
        assertEquals("revocation list version 9 is older than version 10 in force", reasons.get(3));
        task.put(List.of(file("b.rpz", "x", PUBLISHER, 30)));
        assertTrue(lastReason().contains("which the revocation list of version 10 revokes"), lastReason());
        task.put(List.of(list(new RevocationList(Set.of(PUBLISHER_ID), Map.of()), REVOKER, 10)));
        assertEquals(5, context.reported.size(), "the same list again changes nothing and is not rejected");
    }
}
