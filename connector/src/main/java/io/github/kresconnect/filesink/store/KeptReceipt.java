package io.github.kresconnect.filesink.store;

/**
 * A receipt the store keeps until it is acknowledged: opaque key and value bytes (the store does not read
 * them), journaled in the same entry as the effect it reports, so that it survives a crash with that effect.
 * {@link FileStore#acknowledge} forgets it; a store opened after a crash returns the ones not acknowledged from
 * {@link FileStore#keptReceipts()}. Compared by identity: a receipt kept by an earlier opening of the store is
 * not this opening's, even with the same number.
 */
public final class KeptReceipt {
    final long id;
    /** The work file number of the publication it reports, or 0. */
    final long publication;
    private final byte[] key;
    private final byte[] value;

    KeptReceipt(long id, long publication, byte[] key, byte[] value) {
        this.id = id;
        this.publication = publication;
        this.key = key;
        this.value = value;
    }

    public byte[] key() {
        return key.clone();
    }

    public byte[] value() {
        return value.clone();
    }

    JournalOp.Receipt op() {
        return new JournalOp.Receipt(id, publication, key, value);
    }

    @Override
    public String toString() {
        return "receipt " + id;
    }
}
