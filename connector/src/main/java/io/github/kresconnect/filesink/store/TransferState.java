package io.github.kresconnect.filesink.store;

import java.util.Arrays;
import java.util.TreeMap;

/**
 * What is known of one transfer of a file in progress, without any I/O: which chunks arrived, where the
 * in-order ones end in the transfer's data file, which arrived out of order and wait apart, and whether the
 * set can still be trusted. The live store and journal replay drive it through the same methods, so a
 * replayed state is the state the store had.
 *
 * <p>Chunks {@code 1..contiguous} are in the data file, in order. A chunk arriving out of order is staged apart
 * and appended once the chunks before it are in. Each chunk's record timestamp is kept, so that
 * {@link TransferRules} can tell a chunk of this transfer from one of another. Only records without timestamps
 * fall back to the older rule: without a transfer id, a chunk that joins a non-empty set out of order could
 * belong to another transfer, so the set is marked ambiguous and never published.
 */
final class TransferState {
    final String name;
    final long seq;
    final int total;
    final String transferId;
    final long expectedLength;
    final String expectedSha256;
    /** The signed version of the transfer, or {@link FileStore#UNVERSIONED}. */
    final long version;

    /** ends[i]: length of the data file once chunks 1..i are in it. */
    private final long[] ends;
    /** stamps[i]: the record timestamp of chunk i, or -1 (none, or not held). */
    private final long[] stamps;
    private long oldestStamp = Long.MAX_VALUE;
    private long newestStamp = Long.MIN_VALUE;
    private int contiguous;
    private final TreeMap<Integer, Long> staged = new TreeMap<>();
    private boolean ambiguous;
    /** Leading chunks delivered again with identical bytes since the set last grew (a re-sent transfer). */
    private int resent;

    TransferState(String name, long seq, int total, String transferId, long expectedLength, String expectedSha256,
            long version) {
        this.name = name;
        this.seq = seq;
        this.total = total;
        this.transferId = transferId;
        this.expectedLength = expectedLength;
        this.expectedSha256 = expectedSha256;
        this.version = version;
        this.ends = new long[total + 1];
        this.stamps = new long[total + 1];
        Arrays.fill(stamps, -1);
    }

    /** A copy under a new data file that keeps only the first {@code keep} in-order chunks. */
    TransferState rewound(int keep, long newSeq) {
        TransferState copy = new TransferState(name, newSeq, total, transferId, expectedLength, expectedSha256,
                version);
        System.arraycopy(ends, 0, copy.ends, 0, keep + 1);
        for (int index = 1; index <= keep; index++) {
            copy.stamp(index, stamps[index]);
        }
        copy.contiguous = keep;
        return copy;
    }

    boolean sameTransfer(int otherTotal, String otherTransferId) {
        return total == otherTotal && (transferId == null ? otherTransferId == null : transferId.equals(otherTransferId));
    }

    boolean has(int index) {
        return index <= contiguous || staged.containsKey(index);
    }

    boolean isInOrderNext(int index) {
        return index == contiguous + 1;
    }

    boolean isEmpty() {
        return contiguous == 0 && staged.isEmpty();
    }

    boolean isComplete() {
        return contiguous == total;
    }

    boolean isAmbiguous() {
        return ambiguous;
    }

    int contiguous() {
        return contiguous;
    }

    int resent() {
        return resent;
    }

    long dataLength() {
        return ends[contiguous];
    }

    long bytesHeld() {
        long sum = dataLength();
        for (long size : staged.values()) {
            sum += size;
        }
        return sum;
    }

    /** Start of an in-order chunk in the data file. */
    long start(int index) {
        return ends[index - 1];
    }

    /** Size of a chunk that is present (in order or staged). */
    long size(int index) {
        return index <= contiguous ? ends[index] - ends[index - 1] : staged.get(index);
    }

    boolean isStaged(int index) {
        return staged.containsKey(index);
    }

    Iterable<Integer> stagedIndexes() {
        return staged.keySet();
    }

    /** The staged chunk that can be appended next, or -1. */
    int absorbable() {
        return staged.containsKey(contiguous + 1) ? contiguous + 1 : -1;
    }

    void appendInOrder(long size, long timestamp) {
        ends[contiguous + 1] = ends[contiguous] + size;
        contiguous++;
        stamp(contiguous, timestamp);
        resent = 0;
    }

    void stage(int index, long size, long timestamp) {
        if (transferId == null && !isEmpty() && timestamp < 0) {
            ambiguous = true;
        }
        staged.put(index, size);
        stamp(index, timestamp);
        resent = 0;
    }

    private void stamp(int index, long timestamp) {
        stamps[index] = timestamp;
        if (timestamp >= 0) {
            oldestStamp = Math.min(oldestStamp, timestamp);
            newestStamp = Math.max(newestStamp, timestamp);
        }
    }

    /** The record timestamp of held chunk {@code index}, or -1. */
    long stamp(int index) {
        return stamps[index];
    }

    /** True when some held chunk has a timestamp. */
    boolean hasStamps() {
        return newestStamp >= 0;
    }

    long oldestStamp() {
        return oldestStamp;
    }

    long newestStamp() {
        return newestStamp;
    }

    void absorb(int index) {
        Long size = staged.remove(index);
        if (size == null || index != contiguous + 1) {
            throw new IllegalStateException("chunk " + index + " cannot be absorbed into " + Arrays.toString(ends));
        }
        ends[contiguous + 1] = ends[contiguous] + size;
        contiguous++;
    }

    /** Restores flags from a snapshot. */
    void mark(boolean ambiguousFlag, int resentCount) {
        this.ambiguous = ambiguousFlag;
        this.resent = resentCount;
    }

    /** An identical chunk {@code index} arrived again. */
    void duplicate(int index) {
        if (index <= contiguous && index == resent + 1) {
            resent = index;
        }
    }
}
