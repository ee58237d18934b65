package io.github.kresconnect.filesink.freshness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.ConnectorDefaults;
import io.github.kresconnect.filesink.protocol.FreshnessStatement;
import io.github.kresconnect.filesink.protocol.KeyScope;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;
import io.github.kresconnect.filesink.protocol.Signatures;
import io.github.kresconnect.filesink.protocol.TrustedKey;
import io.github.kresconnect.filesink.verify.SignatureRejectedException;
import io.github.kresconnect.filesink.verify.SignatureVerifier;

/** Which keys may sign a freshness statement, and for which fleet: the key rules every signed object shares. */
class StatementReaderTest {
    private static final long ISSUED = 1_764_500_000_000L;
    private final KeyPair key = Signatures.generateKeyPair();
    private final String keyId = Signatures.keyId(key.getPublic());

    private StatementReader reader(String scope, String fleet) throws Exception {
        TrustedKey trusted = new TrustedKey(keyId, key.getPublic(), KeyScope.parse(scope));
        SignatureVerifier verifier = new SignatureVerifier(List.of(trusted), true, fleet,
                List.of(ConnectorDefaults.CONFIG_SUFFIXES_DEFAULT.split(",")), SignatureVerifier.DEFAULT_CACHE_ENTRIES);
        return new StatementReader(verifier, true, RecipientMode.HOSTNAME, "resolver1", Set.of());
    }

    private SinkRecord record(FreshnessStatement statement) {
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString(FreshnessStatement.HEADER, FreshnessStatement.HEADER_VALUE);
        headers.addString(ProtocolHeaders.SIGNATURE_KEY_ID, keyId);
        headers.addString(ProtocolHeaders.SIGNATURE, Signatures.sign(key.getPrivate(), statement.canonicalForm()));
        return new SinkRecord("files", 0, null, FreshnessStatement.RECORD_KEY.getBytes(StandardCharsets.UTF_8), null,
                statement.canonicalForm(), 7, null, null, headers);
    }

    private static FreshnessStatement statement(String fleet) {
        return new FreshnessStatement(ISSUED, ISSUED, ISSUED + 3_600_000, List.of(
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "resolver1", "zones/a.rpz", 42),
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "resolver2", "zones/b.rpz", 43)), fleet);
    }

    @Test
    void aKeyWithRoleTimestampSignsAStatementOfItsFleet() throws Exception {
        StatementReader.ForThisHost read = reader("roles=timestamp", "prod").read(record(statement("prod")), -1);
        assertEquals(Map.of("zones/a.rpz", 42L), read.versions(), "only what it says of this host");
        assertEquals("prod", read.statement().fleet());
    }

    @Test
    void aStatementSignedByADataOnlyKeyIsRefusedWithItsReason() throws Exception {
        SignatureRejectedException refused = assertThrows(SignatureRejectedException.class,
                () -> reader("roles=data", "prod").read(record(statement("prod")), -1));
        assertEquals("freshness statement " + ISSUED + ": key id " + keyId + " may sign roles=data, not a freshness "
                + "statement", refused.getMessage());
    }

    @Test
    void aKeyTrustedWithoutAScopeDoesNotSignStatements() throws Exception {
        SignatureRejectedException refused = assertThrows(SignatureRejectedException.class,
                () -> reader("", "").read(record(statement("")), -1));
        assertEquals("freshness statement " + ISSUED + ": key id " + keyId + " may sign roles=data,config, not a "
                + "freshness statement", refused.getMessage());
    }

    @Test
    void aStatementIssuedAfterItsKeysNotAfterIsRefused() throws Exception {
        SignatureRejectedException refused = assertThrows(SignatureRejectedException.class,
                () -> reader("roles=timestamp; not-after=2025-11-30T10:53:19Z", "").read(record(statement("")), -1));
        assertEquals("freshness statement " + ISSUED + ": version " + ISSUED + " is past key id " + keyId
                + "'s not-after 2025-11-30T10:53:19Z", refused.getMessage());
    }

    @Test
    void aStatementForAnotherFleetIsRefusedWithItsReason() throws Exception {
        SignatureRejectedException staging = assertThrows(SignatureRejectedException.class,
                () -> reader("roles=timestamp", "prod").read(record(statement("staging")), -1));
        assertEquals("freshness statement " + ISSUED + " is for fleet 'staging', and this host is in fleet 'prod' "
                + "(signatures.fleet): a statement is accepted only by the hosts of its fleet (resolver-publish "
                + "statement --fleet)", staging.getMessage());
        SignatureRejectedException none = assertThrows(SignatureRejectedException.class,
                () -> reader("roles=timestamp", "").read(record(statement("prod")), -1));
        assertEquals("freshness statement " + ISSUED + " is for fleet 'prod', and this host is in no fleet "
                + "(signatures.fleet is empty): a statement is accepted only by the hosts of its fleet "
                + "(resolver-publish statement --fleet)", none.getMessage());
    }
}
