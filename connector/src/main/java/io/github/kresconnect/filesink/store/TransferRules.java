package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.time.Duration;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * Which transfer a chunk belongs to, decided against the set of chunks held for its file. No I/O but the
 * comparison of a repeated chunk's bytes, which is asked for only when needed.
 *
 * <h2>With transfer ids</h2>
 * A chunk of another transfer id starts that transfer (the held one is superseded). A chunk naming the held
 * transfer must agree with it: another chunk count, length or digest, or other bytes for a chunk already held, is
 * refused and the held transfer goes on, so a stray or forged copy never discards the legitimate transfer.
 *
 * <h2>Without transfer ids (the original client's headers)</h2>
 * A sender creates a file's chunks within a short time, and Kafka may deliver them in any order. The record
 * timestamps (when the producer created each record) tell transfers apart:
 * <ol>
 * <li>a chunk of a multi-chunk file created at or before the newest chunk of the file's last finished transfer
 * (and no more than {@code gap} before it, so that another publisher's slower clock is not taken for age) is a
 * late copy of a finished transfer, such as a retrying producer's duplicates: it is set aside;</li>
 * <li>another chunk count starts a new transfer;</li>
 * <li>a chunk created more than {@code gap} after the newest held chunk starts a new transfer: the held one was
 * abandoned;</li>
 * <li>a chunk created more than {@code gap} before the oldest held chunk is a leftover of an older transfer
 * delivered late: it is set aside, the held transfer goes on;</li>
 * <li>a chunk index already held starts a new transfer, unless the record is the same one again (same bytes,
 * same timestamp): a sender creates each chunk once per transfer;</li>
 * <li>any other chunk joins the held set, in whatever order it arrives.</li>
 * </ol>
 * Records without timestamps keep the older, stricter rule: a chunk that joins a non-empty set out of order marks
 * the set ambiguous, and an ambiguous set is never published.
 */
final class TransferRules {
    enum Verdict {
        /** The chunk belongs to the held transfer (or starts one when none is held). */
        JOIN,
        /** The same chunk again: nothing changes. */
        DUPLICATE,
        /** A new transfer begins: the held one is discarded. */
        NEW_TRANSFER,
        /** Without timestamps: a re-sent transfer whose first {@code keep} chunks equal the held ones. */
        REWIND,
        /** A chunk of an older transfer than the held one: set aside, the held one goes on. */
        LEFTOVER,
        /** The record is refused; the held transfer goes on. */
        REFUSE
    }

    record Decision(Verdict verdict, String reason, int keep) {
        static Decision of(Verdict verdict, String reason) {
            return new Decision(verdict, reason, 0);
        }
    }

    /** Compares a held chunk with the arriving one. */
    @FunctionalInterface
    interface HeldBytes {
        boolean sameAs(int index) throws IOException;
    }

    private TransferRules() {
    }

    /**
     * @param finished the creation time of the newest chunk of the file's last finished transfer without an id,
     *                 or -1
     */
    static Decision decide(TransferState held, int index, int total, TransferIntegrity integrity, long timestamp,
            long finished, Duration gap, HeldBytes bytes) throws IOException {
        String transferId = integrity == null ? null : integrity.transferId();
        if (transferId == null && total > 1 && timestamp >= 0 && finished >= 0 && timestamp <= finished
                && timestamp >= finished - gap.toMillis()) {
            return Decision.of(Verdict.LEFTOVER, "chunk " + index + " was created before the newest chunk of the "
                    + "file's last finished transfer: a late copy of it");
        }
        if (held == null) {
            return Decision.of(Verdict.JOIN, null);
        }
        if (transferId != null && held.transferId != null) {
            return withIds(held, index, total, integrity, bytes);
        }
        if (transferId != null || held.transferId != null) {
            return Decision.of(Verdict.NEW_TRANSFER, transferId != null ? "transfer " + transferId
                    + " of the same file began" : "a transfer of the same file without a transfer id began");
        }
        if (total != held.total) {
            return Decision.of(Verdict.NEW_TRANSFER, "a new transfer of the same file began (" + total
                    + " chunks, the held set has " + held.total + ")");
        }
        if (timestamp >= 0 && held.hasStamps()) {
            return byTimestamps(held, index, timestamp, gap, bytes);
        }
        return withoutTimestamps(held, index, bytes);
    }

    private static Decision withIds(TransferState held, int index, int total, TransferIntegrity integrity,
            HeldBytes bytes) throws IOException {
        String id = integrity.transferId();
        if (!id.equals(held.transferId)) {
            return Decision.of(Verdict.NEW_TRANSFER, "transfer " + id + " of the same file began");
        }
        if (total != held.total || integrity.length() != held.expectedLength
                || !integrity.sha256Hex().equals(held.expectedSha256)) {
            return Decision.of(Verdict.REFUSE, "it names transfer " + id + " with " + total + " chunks, "
                    + integrity.length() + " bytes and SHA-256 " + integrity.sha256Hex() + ", but the transfer held "
                    + "has " + held.total + " chunks, " + held.expectedLength + " bytes and SHA-256 "
                    + held.expectedSha256 + "; the held transfer goes on");
        }
        if (held.has(index)) {
            return bytes.sameAs(index) ? Decision.of(Verdict.DUPLICATE, null)
                    : Decision.of(Verdict.REFUSE, "chunk " + index + " of transfer " + id
                            + " arrived again with other bytes; the chunk held is kept and the transfer goes on");
        }
        return Decision.of(Verdict.JOIN, null);
    }

    private static Decision byTimestamps(TransferState held, int index, long timestamp, Duration gap,
            HeldBytes bytes) throws IOException {
        long gapMillis = gap.toMillis();
        if (timestamp > held.newestStamp() + gapMillis) {
            return Decision.of(Verdict.NEW_TRANSFER, "chunk " + index + " was created "
                    + (timestamp - held.newestStamp()) + " ms after the newest chunk held, more than "
                    + gapMillis + " ms: the held transfer was abandoned");
        }
        if (timestamp < held.oldestStamp() - gapMillis) {
            return Decision.of(Verdict.LEFTOVER, "chunk " + index + " was created "
                    + (held.oldestStamp() - timestamp) + " ms before the oldest chunk held, more than " + gapMillis
                    + " ms: a leftover of an older transfer, delivered late");
        }
        if (held.has(index)) {
            if (held.stamp(index) == timestamp && bytes.sameAs(index)) {
                return Decision.of(Verdict.DUPLICATE, null);
            }
            return Decision.of(Verdict.NEW_TRANSFER, "chunk " + index + " arrived again, created at another time "
                    + "or with other bytes: a new transfer began");
        }
        return Decision.of(Verdict.JOIN, null);
    }

    private static Decision withoutTimestamps(TransferState held, int index, HeldBytes bytes) throws IOException {
        if (index == 1 && held.contiguous() == 0 && !held.isEmpty()) {
            // An in-order sender always begins with chunk 1, and a set that began out of order is never trusted.
            return Decision.of(Verdict.NEW_TRANSFER, "chunk 1 arrived after chunks of the file that came out of "
                    + "order: a new transfer began");
        }
        if (!held.has(index)) {
            return Decision.of(Verdict.JOIN, null);
        }
        if (bytes.sameAs(index)) {
            return Decision.of(Verdict.DUPLICATE, null);
        }
        int resent = held.resent();
        if (index <= held.contiguous() && index == resent + 1) {
            return new Decision(Verdict.REWIND, "chunk " + index + " differs from the one held: a new transfer "
                    + "began" + (resent == 0 ? "" : "; its chunks 1.." + resent + " arrived again identical and are "
                    + "kept"), resent);
        }
        return Decision.of(Verdict.NEW_TRANSFER, "chunk " + index + " arrived again with other bytes: a new "
                + "transfer began");
    }
}
