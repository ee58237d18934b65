package io.github.kresconnect.filesink.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.KeyFormatException;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.RevocationList;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.protocol.TrustedKey;
import io.github.kresconnect.filesink.publish.FileRecords;
import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.record.FilePartReader;

/**
 * The rules of keys with scopes, revocation, fleets and signed chunk geometry: each rejection with its reason, and
 * what passes, through the connector's reader on records as the publisher builds them.
 */
class KeyScopeVerifierTest {
    private static final KeyPair KEY = Signatures.generateKeyPair();
    private static final String KEY_ID = Signatures.keyId(KEY.getPublic());
    private static final long VERSION = 1764500000000L; // 2025-11-30T10:53:20Z
    private static final List<String> SUFFIXES = List.of(".json", ".yaml", ".yml");

    private final FilePartReader reader = new FilePartReader(RecipientMode.HOSTNAME, "r1", Set.of(), 100);

    private static TrustedKey key(String scope) throws KeyFormatException {
        return TrustedKey.parseAll(Signatures.publicKeyOneLine(KEY.getPublic()) + scope).get(0);
    }

    private static SignatureVerifier verifier(String scope, String fleet) throws KeyFormatException {
        return new SignatureVerifier(List.of(key(scope)), true, fleet, SUFFIXES, 16);
    }

    /** The records of one transfer of {@code content} in chunks of {@code chunkSize}, signed in form 2. */
    private static List<SinkRecord> sent(String name, String recipient, byte[] content, int chunkSize, String fleet) {
        TransferIntegrity integrity = TransferIntegrity.forNewTransfer(content.length,
                TransferIntegrity.newSha256().digest(content));
        int total = Math.max(1, (content.length + chunkSize - 1) / chunkSize);
        SignedFile file = new SignedFile(name, RecipientKind.HOSTNAME, recipient, integrity, VERSION,
                new SignedFile.Binding(fleet, total, total == 1 ? content.length : chunkSize));
        SignedVersion signed = SignatureBatch.sign(KEY.getPrivate(), KEY_ID, List.of(file), 256).get(0);
        List<SinkRecord> records = new java.util.ArrayList<>();
        for (int i = 1; i <= total; i++) {
            byte[] chunk = Arrays.copyOfRange(content, (i - 1) * chunkSize, Math.min(content.length, i * chunkSize));
            records.add(sink(FileRecords.record("t", 0, RecipientMode.HOSTNAME, recipient, name, i, total, integrity,
                    signed, total == 1 ? content : chunk)));
        }
        return records;
    }

    private static SinkRecord sent(String name, String recipient, String fleet) {
        return sent(name, recipient, "data\n".getBytes(StandardCharsets.UTF_8), 1024, fleet).get(0);
    }

    /** The record as the worker hands it to the task, its headers through Connect's default header converter. */
    static SinkRecord sink(ProducerRecord<byte[], byte[]> record) {
        SimpleHeaderConverter converter = new SimpleHeaderConverter();
        converter.configure(Map.of("converter.type", "header"));
        ConnectHeaders headers = new ConnectHeaders();
        for (Header header : record.headers()) {
            headers.add(header.key(), converter.toConnectHeader("t", header.key(), header.value()));
        }
        return new SinkRecord("t", 0, null, null, null, record.value(), 0L, null, null, headers);
    }

    private FilePart check(SignatureVerifier verifier, SinkRecord record) throws Exception {
        FilePart part = reader.read(record).orElseThrow();
        return verifier.check(part, reader.recipient(record).orElseThrow());
    }

    private String rejection(SignatureVerifier verifier, SinkRecord record) {
        return assertThrows(SignatureRejectedException.class, () -> check(verifier, record)).getMessage();
    }

    @Test
    void aKeyWithinItsScopeIsAccepted() throws Exception {
        SignatureVerifier verifier = verifier("[roles=data; recipients=r?,edge-*; files=zones/**.rpz; "
                + "not-after=2026-01-01]", "");
        assertNotNull(check(verifier, sent("zones/eu/a.rpz", "r1", "")).signed());
    }

    @Test
    void aDataKeyMayNotSignAConfigurationFile() throws Exception {
        String reason = rejection(verifier("[roles=data]", ""), sent("config.yaml", "r1", ""));
        assertTrue(reason.contains("may sign roles=data, not a configuration file"), reason);
    }

    @Test
    void aConfigKeyMayNotSignADataFile() throws Exception {
        String reason = rejection(verifier("[roles=config]", ""), sent("a.rpz", "r1", ""));
        assertTrue(reason.contains("may sign roles=config, not a data file"), reason);
    }

    @Test
    void aKeyMayNotSignForARecipientOutsideItsScope() throws Exception {
        String reason = rejection(verifier("[recipients=edge-*]", ""), sent("a.rpz", "r1", ""));
        assertTrue(reason.contains("may sign for recipients [edge-*], not for hostname 'r1'"), reason);
    }

    @Test
    void aKeyMayNotSignAFileNameOutsideItsScope() throws Exception {
        String reason = rejection(verifier("[files=zones/*.rpz]", ""), sent("zones/eu/a.rpz", "r1", ""));
        assertTrue(reason.contains("may sign files [zones/*.rpz], not 'zones/eu/a.rpz'"), reason);
    }

    @Test
    void aVersionPastTheKeysNotAfterIsRejectedWhateverThisHostsClockSays() throws Exception {
        String reason = rejection(verifier("[not-after=2025-11-30]", ""), sent("a.rpz", "r1", ""));
        assertTrue(reason.contains("is past key id " + KEY_ID + "'s not-after 2025-11-30T00:00:00Z"), reason);
        assertNotNull(check(verifier("[not-after=2025-11-30T10:53:20Z]", ""), sent("a.rpz", "r1", "")).signed(),
                "up to the instant itself");
    }

    @Test
    void aRevokedKeyIsRejectedEvenWhenSignaturesAreNotRequired() throws Exception {
        SignatureVerifier verifier = new SignatureVerifier(List.of(key("")), false, "", SUFFIXES, 16);
        SinkRecord record = sent("a.rpz", "r1", "");
        assertNotNull(check(verifier, record).signed(), "verified, and remembered");
        verifier.revoke(Set.of(KEY_ID), 7);
        String reason = rejection(verifier, record);
        assertEquals("signed by key id " + KEY_ID + ", which the revocation list of version 7 revokes", reason);
        verifier.revoke(Set.of(), 8);
        assertNotNull(check(verifier, record).signed(), "a newer list that no longer names it");
    }

    @Test
    void onlyARevocationKeySignsTheRevocationList() throws Exception {
        byte[] list = new RevocationList(Set.of(KEY_ID), Map.of()).toBytes();
        SinkRecord record = sent(RevocationList.FILE_NAME, "r1", list, 1024, "").get(0);
        String reason = rejection(verifier("", ""), record);
        assertTrue(reason.contains("may sign roles=data,config, not the revocation list"), reason);
        assertNotNull(check(verifier("[roles=revocation]", ""), record).signed());
    }

    @Test
    void aRecordOfAnotherFleetIsRejectedWithBothFleets() throws Exception {
        String reason = rejection(verifier("", "production"), sent("a.rpz", "r1", "staging"));
        assertEquals("signed for fleet 'staging', and this host is in fleet 'production' (signatures.fleet)", reason);
        reason = rejection(verifier("", ""), sent("a.rpz", "r1", "staging"));
        assertEquals("signed for fleet 'staging', and this host is in no fleet (signatures.fleet is empty)", reason);
        reason = rejection(verifier("", "production"), sent("a.rpz", "r1", ""));
        assertEquals("signed without a fleet id, and this host is in fleet 'production' (signatures.fleet)", reason);
        assertNotNull(check(verifier("", "production"), sent("a.rpz", "r1", "production")).signed());
    }

    @Test
    void aFleetHeaderChangedInFlightDoesNotVerify() throws Exception {
        SinkRecord staging = sent("a.rpz", "r1", "staging");
        staging.headers().remove(ProtocolHeaders.FLEET).addString(ProtocolHeaders.FLEET, "production");
        String reason = rejection(verifier("", "production"), staging);
        assertTrue(reason.contains("does not match"), reason);
    }

    @Test
    void form1RecordsAreAcceptedOnlyByAHostWithoutAFleet() throws Exception {
        byte[] content = "data\n".getBytes(StandardCharsets.UTF_8);
        TransferIntegrity integrity = TransferIntegrity.forNewTransfer(content.length,
                TransferIntegrity.newSha256().digest(content));
        SignedVersion form1 = SignatureBatch.sign(KEY.getPrivate(), KEY_ID, List.of(new SignedFile("a.rpz",
                RecipientKind.HOSTNAME, "r1", integrity, VERSION)), 256).get(0);
        SinkRecord record = sink(FileRecords.record("t", 0, RecipientMode.HOSTNAME, "r1", "a.rpz", 1, 1, integrity,
                form1, content));
        assertEquals(SignedVersion.FORM_1, check(verifier("", ""), record).signed().form());
        String reason = rejection(verifier("", "production"), record);
        assertTrue(reason.startsWith("signed in form 1, without a fleet id, and this host is in fleet 'production'"),
                reason);
        SinkRecord downgraded = sent("a.rpz", "r1", "");
        downgraded.headers().remove(ProtocolHeaders.SIGNATURE_FORM);
        reason = rejection(verifier("", ""), downgraded);
        assertTrue(reason.contains("does not match") && reason.contains("(form 1)"),
                "a form 2 signature read as form 1 does not verify: " + reason);
    }

    @Test
    void aChunkWithAnotherTotalChunksOrLengthIsRejectedAndTheTransfersOwnChunksStillPass() throws Exception {
        byte[] content = new byte[2500];
        new java.util.Random(3).nextBytes(content);
        List<SinkRecord> chunks = sent("big.rpz", "r1", content, 1000, "");
        SignatureVerifier verifier = verifier("", "");

        SinkRecord moreChunks = chunks.get(1).newRecord("t", 0, null, null, null, chunks.get(1).value(), 0L,
                chunks.get(1).headers().duplicate());
        moreChunks.headers().remove(ProtocolHeaders.TOTAL_CHUNKS).addString(ProtocolHeaders.TOTAL_CHUNKS, "5");
        String reason = rejection(verifier, moreChunks);
        assertTrue(reason.startsWith("chunk 2 of 5 holds 1000 bytes, which no chunk size gives"), reason);

        SinkRecord shorter = chunks.get(0).newRecord("t", 0, null, null, null, Arrays.copyOf(content, 400), 0L,
                chunks.get(0).headers().duplicate());
        reason = rejection(verifier, shorter);
        assertTrue(reason.startsWith("chunk 1 of 3 holds 400 bytes, which no chunk size gives for a file of 2500 "
                + "bytes in 3 chunks"), reason);

        SinkRecord resized = chunks.get(2).newRecord("t", 0, null, null, null, Arrays.copyOf(content, 700), 0L,
                chunks.get(2).headers().duplicate()); // a last chunk of 700: chunks of 900 would fit the length
        reason = rejection(verifier, resized);
        assertTrue(reason.contains("does not match") && reason.contains("3 chunks of 900 bytes"), reason);

        for (SinkRecord chunk : chunks) {
            assertNotNull(check(verifier, chunk).signed(), "the transfer's own chunks still verify");
        }
    }

    @Test
    void aStatementKeyIsFoundOnlyWithItsRoleUnrevokedAndInItsLifetime() throws Exception {
        SignatureVerifier verifier = verifier("[roles=timestamp; not-after=2025-11-30T10:53:20Z]", "");
        assertEquals(KEY_ID, verifier.keyFor(KEY_ID, io.github.kresconnect.filesink.protocol.KeyRole.TIMESTAMP,
                VERSION).id());
        assertEquals("key id " + KEY_ID + " may sign roles=timestamp, not the revocation list", assertThrows(
                SignatureRejectedException.class, () -> verifier.keyFor(KEY_ID,
                        io.github.kresconnect.filesink.protocol.KeyRole.REVOCATION, VERSION)).getMessage());
        assertTrue(assertThrows(SignatureRejectedException.class, () -> verifier.keyFor(KEY_ID,
                io.github.kresconnect.filesink.protocol.KeyRole.TIMESTAMP, VERSION + 1)).getMessage()
                .contains("is past key id"));
        verifier.revoke(Set.of(KEY_ID), 3);
        assertTrue(assertThrows(SignatureRejectedException.class, () -> verifier.keyFor(KEY_ID,
                io.github.kresconnect.filesink.protocol.KeyRole.TIMESTAMP, VERSION)).getMessage().contains("revokes"));
        assertTrue(assertThrows(SignatureRejectedException.class, () -> verifier.keyFor("0123456789abcdef",
                io.github.kresconnect.filesink.protocol.KeyRole.TIMESTAMP, VERSION)).getMessage()
                .contains("not in signatures.trusted.keys"));
    }
}
