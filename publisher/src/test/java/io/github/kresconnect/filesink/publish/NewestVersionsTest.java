package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.FreshnessStatement;
import io.github.kresconnect.filesink.protocol.KeyFormatException;
import io.github.kresconnect.filesink.protocol.KeyScope;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.RevocationList;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;
import io.github.kresconnect.filesink.protocol.SignedVersion;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.protocol.TrustedKey;

/** What a statement may state: only versions a trusted key's signature vouches for, and what the last one said. */
class NewestVersionsTest {
    private final KeyPair key = Signatures.generateKeyPair();
    private final String keyId = Signatures.keyId(key.getPublic());
    private static final List<String> SUFFIXES = List.of(".json", ".yaml", ".yml");
    private final NewestVersions newest = versions("", "");

    /** Versions for hosts of {@code fleet} that trust {@link #key} with that scope ({@code ""}: every role). */
    private NewestVersions versions(String fleet, String scope) {
        try {
            return new NewestVersions(List.of(new TrustedKey(keyId, key.getPublic(), KeyScope.parse(
                    scope.isEmpty() ? "roles=data,config,revocation,timestamp" : scope))), fleet, SUFFIXES);
        } catch (KeyFormatException e) {
            throw new AssertionError(e);
        }
    }

    private ProducerRecord<byte[], byte[]> signed(String host, String file, long version, KeyPair by, String claimedId) {
        byte[] content = (file + version).getBytes(StandardCharsets.UTF_8);
        TransferIntegrity integrity = new TransferIntegrity(TransferIntegrity.newTransferId(), content.length,
                TransferIntegrity.sha256HexOf(content));
        SignedVersion signed = SignatureBatch.sign(by.getPrivate(), claimedId, List.of(new SignedFile(file,
                RecipientKind.HOSTNAME, host, integrity, version)), SignatureBatch.PUBLISHER_LEAVES).get(0);
        return FileRecords.record("t", 0, RecipientMode.HOSTNAME, host, file, 1, 1, integrity, signed, content);
    }

    private void accept(ProducerRecord<byte[], byte[]> record) {
        newest.accept(record.key(), record.value(), record.headers());
    }

    @Test
    void onlyVersionsATrustedKeysSignatureVouchesForAreStated() {
        accept(signed("r1", "a.rpz", 100, key, keyId));
        accept(signed("r1", "a.rpz", 300, key, keyId));
        accept(signed("r1", "a.rpz", 200, key, keyId)); // older: not stated
        accept(signed("r1", "a.rpz", 9_000, Signatures.generateKeyPair(), keyId)); // forged under the trusted id
        KeyPair other = Signatures.generateKeyPair();
        accept(signed("r2", "b.rpz", 500, other, Signatures.keyId(other.getPublic()))); // a key not trusted
        FreshnessStatement statement = newest.statement(1_000, Duration.ofSeconds(60));
        assertEquals(List.of(new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 300)),
                statement.entries());
        assertEquals(1, newest.unverified());
        assertEquals(61_000, statement.expiresAt());
    }

    @Test
    void thePreviousStatementIsCarriedForwardAndItsSequenceExceeded() {
        FreshnessStatement previous = new FreshnessStatement(5_000, 4_000, 9_000, List.of(
                new FreshnessStatement.Entry(RecipientKind.ZONE_ID, "dc-east", "gone.rpz", 40),
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 50)));
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(FreshnessStatement.HEADER, "1".getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE_KEY_ID, keyId.getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE, Signatures.sign(key.getPrivate(),
                previous.canonicalForm()).getBytes(StandardCharsets.UTF_8)));
        newest.accept(null, previous.canonicalForm(), headers);
        accept(signed("r1", "a.rpz", 60, key, keyId));
        FreshnessStatement next = newest.statement(1_000, Duration.ofSeconds(60)); // a clock behind the last one
        assertEquals(5_001, next.sequence());
        assertTrue(next.entries().contains(new FreshnessStatement.Entry(RecipientKind.ZONE_ID, "dc-east", "gone.rpz",
                40)), next.toString());
        assertTrue(next.entries().contains(new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 60)),
                next.toString());
    }

    /** A transfer signed in form 2 for {@code fleet}, as resolver-publish --fleet signs it. */
    private ProducerRecord<byte[], byte[]> signedFor(String fleet, String host, String file, long version) {
        byte[] content = (file + version).getBytes(StandardCharsets.UTF_8);
        TransferIntegrity integrity = new TransferIntegrity(TransferIntegrity.newTransferId(), content.length,
                TransferIntegrity.sha256HexOf(content));
        SignedVersion signed = SignatureBatch.sign(key.getPrivate(), keyId, List.of(new SignedFile(file,
                RecipientKind.HOSTNAME, host, integrity, version, new SignedFile.Binding(fleet, 1, content.length))),
                SignatureBatch.PUBLISHER_LEAVES).get(0);
        return FileRecords.record("t", 0, RecipientMode.HOSTNAME, host, file, 1, 1, integrity, signed, content);
    }

    @Test
    void onlyRecordsAHostOfTheFleetAcceptsAreStated() {
        NewestVersions prod = versions("prod", "");
        java.util.function.Consumer<ProducerRecord<byte[], byte[]>> take = r -> prod.accept(r.key(), r.value(),
                r.headers());
        take.accept(signedFor("prod", "r1", "a.rpz", 100));
        take.accept(signedFor("staging", "r1", "a.rpz", 900)); // another fleet: its hosts' version, not prod's
        take.accept(signed("r1", "a.rpz", 800, key, keyId)); // form 1: a host with a fleet id refuses it
        ProducerRecord<byte[], byte[]> regrouped = signedFor("prod", "r2", "b.rpz", 700);
        regrouped.headers().add(new RecordHeader(ProtocolHeaders.TOTAL_CHUNKS, "2".getBytes(StandardCharsets.UTF_8)));
        regrouped.headers().add(new RecordHeader(ProtocolHeaders.CHUNK_INDEX, "1".getBytes(StandardCharsets.UTF_8)));
        take.accept(regrouped); // chunk count changed: no chunk size fits
        FreshnessStatement statement = prod.statement(1_000, Duration.ofSeconds(60));
        assertEquals(List.of(new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 100)),
                statement.entries());
        assertEquals("prod", statement.fleet());
        assertEquals(3, prod.otherForm());
        assertEquals(0, prod.unverified());
    }

    @Test
    void aStatementOfAnotherFleetIsNotCarriedForward() {
        NewestVersions prod = versions("prod", "");
        FreshnessStatement staging = new FreshnessStatement(5_000, 4_000, 9_000, List.of(
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 50)), "staging");
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(FreshnessStatement.HEADER, "1".getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE_KEY_ID, keyId.getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE, Signatures.sign(key.getPrivate(),
                staging.canonicalForm()).getBytes(StandardCharsets.UTF_8)));
        prod.accept(null, staging.canonicalForm(), headers);
        assertEquals(null, prod.previous());
        assertEquals(List.of(), prod.statement(1_000, Duration.ofSeconds(60)).entries());
    }

    @Test
    void theRevocationListIsNotStated() {
        accept(signed("r1", io.github.kresconnect.filesink.protocol.RevocationList.FILE_NAME, 100, key, keyId));
        accept(signed("r1", "a.rpz", 200, key, keyId));
        assertEquals(List.of(new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 200)),
                newest.statement(1_000, Duration.ofSeconds(60)).entries(),
                "a host never holds the revocation list: stated, it would be reported withheld for ever");
    }

    @Test
    void aRecordOutsideItsKeysScopeIsNotStated() {
        NewestVersions scoped = versions("", "roles=data; recipients=r1,r2; files=*.rpz; not-after=1970-01-01T00:00:10Z");
        java.util.function.Consumer<ProducerRecord<byte[], byte[]>> take = r -> scoped.accept(r.key(), r.value(),
                r.headers());
        take.accept(signed("r1", "a.rpz", 100, key, keyId)); // within the scope
        take.accept(signed("r1", "config.yaml", 200, key, keyId)); // a configuration file: the key lacks role config
        take.accept(signed("r3", "a.rpz", 300, key, keyId)); // a recipient outside the key's recipients
        take.accept(signed("r2", "b.txt", 400, key, keyId)); // a file outside its patterns
        take.accept(signed("r2", "b.rpz", 10_001, key, keyId)); // a version past its not-after
        take.accept(signed("r1", "a.rpz", 20_000, key, keyId)); // past not-after too: a.rpz stays at 100
        FreshnessStatement statement = scoped.statement(1_000, Duration.ofSeconds(60));
        assertEquals(List.of(new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 100)),
                statement.entries(), "a host refuses every other record, so stating it would block the file there");
        assertEquals(5, scoped.outOfScope());
        assertEquals(0, scoped.unverified());
    }

    @Test
    void aStatementByAKeyWithoutRoleTimestampIsNotCarriedForward() {
        NewestVersions dataOnly = versions("", "roles=data");
        FreshnessStatement earlier = new FreshnessStatement(5_000, 4_000, 9_000, List.of(
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 50)));
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(FreshnessStatement.HEADER, "1".getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE_KEY_ID, keyId.getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE, Signatures.sign(key.getPrivate(),
                earlier.canonicalForm()).getBytes(StandardCharsets.UTF_8)));
        dataOnly.accept(null, earlier.canonicalForm(), headers);
        assertEquals(null, dataOnly.previous(), "hosts refuse a statement by a key without role timestamp");
        assertEquals(1, dataOnly.outOfScope());
    }

    /** A revocation list for {@code host}, of that version, signed by {@code by}. */
    private ProducerRecord<byte[], byte[]> revocationList(String host, long version, KeyPair by, Set<String>
            revoked, Map<String, Long> resets) {
        byte[] content = new RevocationList(revoked, resets).toBytes();
        TransferIntegrity integrity = new TransferIntegrity(TransferIntegrity.newTransferId(), content.length,
                TransferIntegrity.sha256HexOf(content));
        SignedVersion signed = SignatureBatch.sign(by.getPrivate(), Signatures.keyId(by.getPublic()), List.of(
                new SignedFile(RevocationList.FILE_NAME, RecipientKind.HOSTNAME, host, integrity, version)),
                SignatureBatch.PUBLISHER_LEAVES).get(0);
        return FileRecords.record("t", 0, RecipientMode.HOSTNAME, host, RevocationList.FILE_NAME, 1, 1, integrity,
                signed, content);
    }

    private final KeyPair thief = Signatures.generateKeyPair();
    private final String thiefId = Signatures.keyId(thief.getPublic());
    private final KeyPair revoker = Signatures.generateKeyPair();

    /** Versions trusting {@link #key} (data), {@link #thief} (data) and {@link #revoker} with {@code revokerScope}. */
    private NewestVersions withRevoker(String revokerScope) {
        try {
            return new NewestVersions(List.of(new TrustedKey(keyId, key.getPublic(), KeyScope.parse("roles=data")),
                    new TrustedKey(thiefId, thief.getPublic(), KeyScope.parse("roles=data")),
                    new TrustedKey(Signatures.keyId(revoker.getPublic()), revoker.getPublic(),
                            KeyScope.parse(revokerScope))), "", SUFFIXES);
        } catch (KeyFormatException e) {
            throw new AssertionError(e);
        }
    }

    private static void take(NewestVersions versions, ProducerRecord<byte[], byte[]> record) {
        versions.accept(record.key(), record.value(), record.headers());
    }

    @Test
    void aVersionByARevokedKeyIsNotStated() {
        NewestVersions versions = withRevoker("roles=revocation");
        take(versions, signed("r1", "a.rpz", 100, key, keyId));
        take(versions, signed("r1", "a.rpz", 9_000, thief, thiefId)); // the stolen key, far ahead
        take(versions, signed("r2", "a.rpz", 9_000, thief, thiefId)); // r2 has no list: its hosts accept it
        take(versions, revocationList("r1", 10, revoker, Set.of(thiefId), Map.of()));
        take(versions, signed("r1", "b.rpz", 9_500, thief, thiefId)); // after the list, too
        assertEquals(Set.of(new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 100),
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r2", "a.rpz", 9_000)),
                Set.copyOf(versions.statement(1_000, Duration.ofSeconds(60)).entries()),
                "r1's hosts refuse every record by the revoked key: stated, its version would block a.rpz there");
    }

    @Test
    void aListByAKeyWithoutRoleRevocationIsIgnored() {
        NewestVersions versions = withRevoker("roles=data,config,timestamp");
        take(versions, signed("r1", "a.rpz", 9_000, thief, thiefId));
        take(versions, revocationList("r1", 10, revoker, Set.of(thiefId), Map.of()));
        assertEquals(List.of(new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 9_000)),
                versions.statement(1_000, Duration.ofSeconds(60)).entries(), "hosts refuse that list");
        assertEquals(1, versions.outOfScope());
    }

    @Test
    void anOlderListDoesNotReplaceANewerOne() {
        NewestVersions versions = withRevoker("roles=revocation");
        take(versions, signed("r1", "a.rpz", 100, key, keyId));
        take(versions, signed("r1", "a.rpz", 9_000, thief, thiefId));
        take(versions, revocationList("r1", 20, revoker, Set.of(thiefId), Map.of()));
        take(versions, revocationList("r1", 10, revoker, Set.of(), Map.of())); // replayed, lifts it
        assertEquals(List.of(new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 100)),
                versions.statement(1_000, Duration.ofSeconds(60)).entries(),
                "hosts refuse a list older than the one in force, so the key stays revoked");
    }

    @Test
    void aResetFloorLowersAVersionCarriedForward() {
        NewestVersions versions = withRevoker("roles=revocation,timestamp");
        FreshnessStatement earlier = new FreshnessStatement(5_000, 4_000, 9_000, List.of(
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 9_000_000L),
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "b.rpz", 70),
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r2", "a.rpz", 9_000_000L)));
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(FreshnessStatement.HEADER, "1".getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE_KEY_ID, Signatures.keyId(revoker.getPublic())
                .getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE, Signatures.sign(revoker.getPrivate(),
                earlier.canonicalForm()).getBytes(StandardCharsets.UTF_8)));
        versions.accept(null, earlier.canonicalForm(), headers);
        assertEquals(earlier, versions.previous(), "out of scope " + versions.outOfScope() + ", unverified "
                + versions.unverified() + ", other form " + versions.otherForm());
        take(versions, revocationList("r1", 10, revoker, Set.of(thiefId), Map.of("a.rpz", 50L,
                "b.rpz", 90L)));
        assertEquals(Set.of(new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 50),
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "b.rpz", 70),
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r2", "a.rpz", 9_000_000L)),
                Set.copyOf(versions.statement(1_000, Duration.ofSeconds(60)).entries()),
                "r1's floor of a.rpz is lowered to 50 (b.rpz's is already below 90); r2 received no list");
    }

    private static void statementBy(NewestVersions versions, KeyPair by, FreshnessStatement statement) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(FreshnessStatement.HEADER, "1".getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE_KEY_ID, Signatures.keyId(by.getPublic())
                .getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(ProtocolHeaders.SIGNATURE, Signatures.sign(by.getPrivate(),
                statement.canonicalForm()).getBytes(StandardCharsets.UTF_8)));
        versions.accept(null, statement.canonicalForm(), headers);
    }

    @Test
    void aStatementByARevokedKeyIsNotCarriedForwardForTheRecipientsOfTheList() {
        KeyPair stolenTimestamp = Signatures.generateKeyPair();
        String stolenId = Signatures.keyId(stolenTimestamp.getPublic());
        NewestVersions versions;
        try {
            versions = new NewestVersions(List.of(new TrustedKey(keyId, key.getPublic(), KeyScope.parse(
                    "roles=timestamp")), new TrustedKey(stolenId, stolenTimestamp.getPublic(), KeyScope.parse(
                    "roles=timestamp")), new TrustedKey(Signatures.keyId(revoker.getPublic()), revoker.getPublic(),
                    KeyScope.parse("roles=revocation"))), "", SUFFIXES);
        } catch (KeyFormatException e) {
            throw new AssertionError(e);
        }
        statementBy(versions, key, new FreshnessStatement(5_000, 4_000, 9_000, List.of(
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 40),
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r2", "a.rpz", 40))));
        statementBy(versions, stolenTimestamp, new FreshnessStatement(6_000, 5_000, 9_000, List.of(
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 8_000_000),
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r2", "a.rpz", 8_000_000))));
        take(versions, revocationList("r1", 10, revoker, Set.of(stolenId), Map.of()));
        FreshnessStatement next = versions.statement(1_000, Duration.ofSeconds(60));
        assertEquals(Set.of(new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a.rpz", 40),
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r2", "a.rpz", 8_000_000)),
                Set.copyOf(next.entries()), "r1's hosts refuse the revoked key's statement and hold the one before");
        assertEquals(6_001, next.sequence(), "the sequence still passes every statement a host may have seen");
    }
}
