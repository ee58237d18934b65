package io.github.kresconnect.filesink.freshness;

import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.sink.SinkRecord;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.FileNames;
import io.github.kresconnect.filesink.protocol.FreshnessStatement;
import io.github.kresconnect.filesink.protocol.InvalidFileNameException;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.KeyRole;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.record.InvalidRecordException;
import io.github.kresconnect.filesink.record.RecordHeaders;
import io.github.kresconnect.filesink.verify.SignatureRejectedException;
import io.github.kresconnect.filesink.verify.SignatureVerifier;

/**
 * Reads a freshness statement record ({@link FreshnessStatement}): checks its key and signature, then keeps what it
 * states about this host's recipients (its host name, its zone ids, as recipient.mode selects them). A statement
 * costs one Ed25519 verification; a copy already verified (the publisher writes one per partition) costs a
 * comparison of its sequence.
 *
 * <p>The key is one of signatures.trusted.keys whose scope allows role {@code timestamp}, not revoked by the
 * revocation list in force, and whose not-after the statement's issue time is not past
 * ({@link SignatureVerifier#keyFor}: the same key rules as every other signed object). The statement must name this
 * host's fleet ({@code signatures.fleet}): one signed for another fleet (say staging, trusting the same key) is
 * rejected with its reason, as a file signed for another fleet is.
 */
public final class StatementReader {
    private final SignatureVerifier signatures;
    private final boolean required;
    private final RecipientMode mode;
    private final String hostname;
    private final Set<String> zoneIds;

    /** What a statement says of this host: its header fields and the newest version of each of its files. */
    public record ForThisHost(FreshnessStatement statement, Map<String, Long> versions) {
    }

    /** A statement this host cannot check (no key of it is trusted) while signatures are not required. */
    public static final class Unverifiable extends Exception {
        Unverifiable(String reason) {
            super(reason);
        }
    }

    public StatementReader(SignatureVerifier signatures, boolean required, RecipientMode mode, String hostname,
            Set<String> zoneIds) {
        this.signatures = signatures;
        this.required = required;
        this.mode = mode;
        this.hostname = hostname;
        this.zoneIds = Set.copyOf(zoneIds);
    }

    /** Whether the record is a statement rather than a file part. */
    public static boolean isStatement(SinkRecord record) {
        return record.headers().lastWithName(FreshnessStatement.HEADER) != null;
    }

    /**
     * The statement, verified, with what it says of this host.
     *
     * @throws InvalidRecordException when it is malformed
     * @throws SignatureRejectedException when its signature does not verify, or its key is not trusted while
     *         signatures are required
     * @param known the sequence of the newest statement accepted (-1: none): a statement not newer is not
     *        verified, and null is returned
     * @throws Unverifiable when its key is not trusted and signatures are not required: it is ignored
     */
    public ForThisHost read(SinkRecord record, long known) throws InvalidRecordException, SignatureRejectedException,
            Unverifiable {
        Headers headers = record.headers();
        RecordHeaders.checkAtMostOnce(headers, List.of(FreshnessStatement.HEADER, ProtocolHeaders.SIGNATURE_KEY_ID,
                ProtocolHeaders.SIGNATURE));
        String marker = RecordHeaders.text(headers, FreshnessStatement.HEADER).orElse("");
        if (!FreshnessStatement.HEADER_VALUE.equals(marker)) {
            throw new InvalidRecordException("header '" + FreshnessStatement.HEADER + "' is "
                    + FileNames.quote(marker) + ", not " + FreshnessStatement.HEADER_VALUE
                    + " (the statement format this connector reads)");
        }
        Optional<String> keyId = RecordHeaders.text(headers, ProtocolHeaders.SIGNATURE_KEY_ID);
        Optional<String> signature = RecordHeaders.text(headers, ProtocolHeaders.SIGNATURE);
        if (keyId.isEmpty() || signature.isEmpty()) {
            throw new SignatureRejectedException("a freshness statement without headers '"
                    + ProtocolHeaders.SIGNATURE_KEY_ID + "' and '" + ProtocolHeaders.SIGNATURE + "' is never accepted");
        }
        if (!signatures.trustedKeyIds().contains(keyId.get())) {
            String reason = "freshness statement signed by key id " + FileNames.quote(keyId.get())
                    + ", which is not in signatures.trusted.keys " + signatures.trustedKeyIds();
            if (required) {
                throw new SignatureRejectedException(reason + ", and signatures.required=true");
            }
            throw new Unverifiable(reason + "; ignored");
        }
        byte[] value = value(record);
        FreshnessStatement statement;
        try {
            statement = FreshnessStatement.parse(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidRecordException("not a freshness statement: " + e.getMessage());
        }
        if (statement.sequence() <= known) {
            return null; // a copy, or older: nothing to verify, it changes nothing
        }
        PublicKey key;
        try {
            key = signatures.keyFor(keyId.get(), KeyRole.TIMESTAMP, statement.issuedAt()).key();
        } catch (SignatureRejectedException e) {
            throw new SignatureRejectedException("freshness statement " + statement.sequence() + ": "
                    + e.getMessage());
        }
        if (!statement.fleet().equals(signatures.fleet())) {
            throw new SignatureRejectedException("freshness statement " + statement.sequence() + " is "
                    + (statement.fleet().isEmpty() ? "for no fleet" : "for fleet " + FileNames.quote(statement.fleet()))
                    + ", and this host is " + (signatures.fleet().isEmpty() ? "in no fleet (signatures.fleet is empty)"
                            : "in fleet " + FileNames.quote(signatures.fleet()) + " (signatures.fleet)")
                    + ": a statement is accepted only by the hosts of its fleet (resolver-publish statement --fleet)");
        }
        if (!statement.verifies(key, signature.get())) {
            throw new SignatureRejectedException("the signature of freshness statement " + statement.sequence()
                    + " by key id " + keyId.get() + " does not match its content: it was changed after it was signed, "
                    + "or signed by another key");
        }
        Map<String, Long> versions = new HashMap<>();
        for (FreshnessStatement.Entry entry : statement.entries()) {
            if (forThisHost(entry)) {
                try {
                    FileNames.check(entry.file());
                } catch (InvalidFileNameException e) {
                    throw new InvalidRecordException("freshness statement " + statement.sequence() + " names "
                            + FileNames.quote(entry.file()) + ": " + e.getMessage());
                }
                versions.merge(entry.file(), entry.version(), Math::max);
            }
        }
        return new ForThisHost(statement, versions);
    }

    private boolean forThisHost(FreshnessStatement.Entry entry) {
        return entry.kind() == SignedFile.RecipientKind.HOSTNAME ? mode.usesHostname()
                && entry.recipient().equals(hostname)
                : mode.usesZoneId() && zoneIds.contains(entry.recipient());
    }

    private static byte[] value(SinkRecord record) throws InvalidRecordException {
        Object value = record.value();
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        if (value instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return bytes;
        }
        throw new InvalidRecordException("a freshness statement record has no value");
    }
}
