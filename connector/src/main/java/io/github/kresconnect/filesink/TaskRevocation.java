package io.github.kresconnect.filesink;

import java.io.IOException;

import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.metrics.RejectionReason;
import io.github.kresconnect.filesink.protocol.InvalidRevocationListException;
import io.github.kresconnect.filesink.protocol.RevocationList;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.record.FilePart;
import io.github.kresconnect.filesink.record.InvalidRecordException;
import io.github.kresconnect.filesink.store.FileStore;
import io.github.kresconnect.filesink.verify.SignatureRejectedException;
import io.github.kresconnect.filesink.verify.SignatureVerifier;

/**
 * The task's side of the revocation list: a verified list (signed by a key with role revocation) is checked whole
 * against its digest, parsed, and applied to the store (journaled with the round that commits its offset) and to
 * the verifier; the list in force when the store opens is handed to the verifier again. A list is never written to
 * the files directory.
 */
final class TaskRevocation {
    private static final Logger log = LoggerFactory.getLogger(TaskRevocation.class);

    /** How the task sets a record aside, with its reason. */
    interface Rejecter {
        void reject(SinkRecord record, RejectionReason reason, Exception e) throws IOException;
    }

    private final SignatureVerifier signatures;

    TaskRevocation(SignatureVerifier signatures) {
        this.signatures = signatures;
    }

    /** Whether the part is the revocation list rather than a file. */
    static boolean isRevocationList(FilePart part) {
        return part.fileName().equals(RevocationList.FILE_NAME);
    }

    /** The list in force in the store (its journal), once the store is open. */
    void restore(FileStore store) {
        if (store.revocationVersion() != FileStore.UNVERSIONED) {
            signatures.revoke(store.revokedKeys(), store.revocationVersion());
            log.info("Revocation list version {} in force: revoked key ids {}", store.revocationVersion(),
                    store.revokedKeys());
        }
    }

    /** Applies the list of {@code record} (already through the verifier), or rejects it with its reason. */
    void apply(SinkRecord record, FilePart part, FileStore store, Rejecter rejecter) throws IOException {
        if (part.signed() == null) {
            rejecter.reject(record, RejectionReason.BAD_SIGNATURE, new SignatureRejectedException("the revocation "
                    + "list '" + RevocationList.FILE_NAME + "' is not signed by a trusted key: it must be signed by a "
                    + "key with role revocation in signatures.trusted.keys"));
            return;
        }
        if (!part.isWholeFile() || part.content().length != part.integrity().length()
                || !part.integrity().matches(part.content().length,
                        TransferIntegrity.newSha256().digest(part.content()))) {
            rejecter.reject(record, RejectionReason.INVALID_RECORD, new InvalidRecordException("the revocation list '"
                    + RevocationList.FILE_NAME + "' must be one whole record whose content matches its "
                    + "'file-length' and 'file-sha256'"));
            return;
        }
        RevocationList list;
        try {
            list = RevocationList.parse(part.content());
        } catch (InvalidRevocationListException e) {
            rejecter.reject(record, RejectionReason.INVALID_RECORD, e);
            return;
        }
        long version = part.signed().version();
        String where = ResolverFileSinkTask.where(record);
        if (!store.applyRevocation(version, list.revokedKeys(), list.floorResets())) {
            if (version == store.revocationVersion()) {
                log.info("Revocation list version {} from {} is the one in force; nothing changed", version, where);
                return;
            }
            rejecter.reject(record, RejectionReason.REPLAYED_VERSION, new InvalidRecordException("revocation list "
                    + "version " + version + " is older than version " + store.revocationVersion() + " in force"));
            return;
        }
        signatures.revoke(list.revokedKeys(), version);
        log.warn("Revocation list version {} from {} (key id {}): revoked key ids {}, version floors lowered {}",
                version, where, part.signed().keyId(), list.revokedKeys().stream().sorted().toList(),
                list.floorResets());
    }
}
