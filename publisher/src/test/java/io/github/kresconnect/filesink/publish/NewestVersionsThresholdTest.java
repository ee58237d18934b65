package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.CoSignature;
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

/**
 * The statement issuer with --config-threshold: a configuration file's version is stated only when as many distinct
 * keys signed it as the hosts need, so one stolen configuration key cannot raise the hosts' floor of it.
 */
class NewestVersionsThresholdTest {
    private static final List<String> SUFFIXES = List.of(".json", ".yaml", ".yml");
    private final KeyPair c1 = Signatures.generateKeyPair();
    private final KeyPair c2 = Signatures.generateKeyPair();
    private final KeyPair data = Signatures.generateKeyPair();
    private final KeyPair revoker = Signatures.generateKeyPair();

    private static String id(KeyPair pair) {
        return Signatures.keyId(pair.getPublic());
    }

    private NewestVersions versions(int threshold) {
        try {
            return new NewestVersions(List.of(
                    new TrustedKey(id(c1), c1.getPublic(), KeyScope.parse("roles=config")),
                    new TrustedKey(id(c2), c2.getPublic(), KeyScope.parse("roles=config")),
                    new TrustedKey(id(data), data.getPublic(), KeyScope.parse("roles=data")),
                    new TrustedKey(id(revoker), revoker.getPublic(), KeyScope.parse("roles=revocation"))), "",
                    SUFFIXES, threshold);
        } catch (KeyFormatException e) {
            throw new AssertionError(e);
        }
    }

    /** A whole file for {@code host}, signed by {@code by} and co-signed by {@code cosigners}. */
    private static ProducerRecord<byte[], byte[]> signed(String host, String file, long version, byte[] content,
            KeyPair by, KeyPair... cosigners) {
        TransferIntegrity integrity = new TransferIntegrity(TransferIntegrity.newTransferId(), content.length,
                TransferIntegrity.sha256HexOf(content));
        SignedFile signedFile = new SignedFile(file, RecipientKind.HOSTNAME, host, integrity, version);
        SignedVersion signed = SignatureBatch.sign(by.getPrivate(), id(by), List.of(signedFile),
                SignatureBatch.PUBLISHER_LEAVES).get(0);
        List<CoSignature> cosignatures = new ArrayList<>();
        for (KeyPair cosigner : cosigners) {
            cosignatures.add(CoSignature.sign(cosigner.getPrivate(), id(cosigner), signedFile.canonicalForm()));
        }
        return FileRecords.record("t", 0, RecipientMode.HOSTNAME, host, file, 1, 1, integrity,
                signed.withCosignatures(cosignatures), content);
    }

    private static ProducerRecord<byte[], byte[]> signed(String host, String file, long version, KeyPair by,
            KeyPair... cosigners) {
        return signed(host, file, version, (file + version).getBytes(StandardCharsets.UTF_8), by, cosigners);
    }

    private static void take(NewestVersions versions, ProducerRecord<byte[], byte[]> record) {
        versions.accept(record.key(), record.value(), record.headers());
    }

    private static Set<FreshnessStatement.Entry> stated(NewestVersions versions) {
        return Set.copyOf(versions.statement(1_000, Duration.ofSeconds(60)).entries());
    }

    private static FreshnessStatement.Entry entry(String host, String file, long version) {
        return new FreshnessStatement.Entry(RecipientKind.HOSTNAME, host, file, version);
    }

    @Test
    void aConfigurationFileSignedByOneKeyOfTwoIsNotStated() {
        NewestVersions versions = versions(2);
        take(versions, signed("r1", "config.yaml", 100, c1, c2));
        take(versions, signed("r1", "config.yaml", 9_000, c1)); // one stolen key, far ahead
        take(versions, signed("r1", "a.rpz", 50, data)); // a data file needs one key
        assertEquals(Set.of(entry("r1", "config.yaml", 100), entry("r1", "a.rpz", 50)), stated(versions),
                "stated, version 9000 would block config.yaml on hosts that refuse it");
        assertEquals(1, versions.belowThreshold());
    }

    @Test
    void withThresholdOneTheSignatureAloneCountsAsBefore() {
        NewestVersions versions = versions(1);
        take(versions, signed("r1", "config.yaml", 9_000, c1));
        assertEquals(Set.of(entry("r1", "config.yaml", 9_000)), stated(versions));
    }

    @Test
    void coSignersOutOfScopeOrRepeatedDoNotCount() {
        NewestVersions versions = versions(2);
        take(versions, signed("r1", "config.yaml", 100, c1, c1)); // the same key twice
        take(versions, signed("r1", "config.yaml", 200, c1, data)); // a data key co-signs
        assertEquals(Set.of(), stated(versions));
        assertEquals(2, versions.belowThreshold());
    }

    @Test
    void aRevokedCoSignerLeavesTheVersionShortOfSigners() {
        NewestVersions versions = versions(2);
        take(versions, signed("r1", "config.yaml", 100, c1, c2));
        take(versions, signed("r2", "config.yaml", 100, c1, c2));
        byte[] list = new RevocationList(Set.of(id(c2)), Map.of()).toBytes();
        take(versions, signed("r1", RevocationList.FILE_NAME, 10, list, revoker));
        assertEquals(Set.of(entry("r2", "config.yaml", 100)), stated(versions),
                "r1's hosts no longer count c2: the version is short of signers there");
    }

    @Test
    void aMalformedCoSignatureIsRefusedAsByTheHosts() {
        NewestVersions versions = versions(2);
        ProducerRecord<byte[], byte[]> record = signed("r1", "config.yaml", 100, c1, c2);
        record.headers().add(new RecordHeader(ProtocolHeaders.COSIGNATURE, "junk".getBytes(StandardCharsets.UTF_8)));
        take(versions, record);
        assertEquals(Set.of(), stated(versions));
        assertEquals(1, versions.unverified());
    }
}
