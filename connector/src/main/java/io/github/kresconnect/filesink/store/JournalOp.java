package io.github.kresconnect.filesink.store;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;

/**
 * One change of the store's state, as the journal records it. {@link StoreState#apply} is the one function that
 * carries an operation out, live and in replay alike; a round writes the operations since the previous round as
 * one journal entry, and replaying every entry in order rebuilds the state.
 *
 * <p>Codes 3, 8 and 9 are the forms an earlier version wrote; they are still read, never written.
 */
sealed interface JournalOp {
    /** A receipt's key or value is far smaller; a larger one is refused when kept and when read. */
    int MAX_RECEIPT_BYTES = 1024 * 1024;
    /** The most keys one revocation names (a list of 1 MiB holds fewer). */
    int MAX_REVOKED_KEYS = 65536;

    /** Records of this partition before {@code next} are applied. */
    record Offset(String topic, int partition, long next) implements JournalOp {
    }

    /** The partition's log no longer holds what was applied (recreated or truncated): it starts afresh. */
    record ForgetOffset(String topic, int partition) implements JournalOp {
    }

    /** A new transfer of {@code name} starts; its data goes to work file {@code t<seq>.data}. */
    record Begin(String name, long seq, int total, String transferId, long length, String sha256, long version)
            implements JournalOp {
    }

    /**
     * Chunk {@code index} ({@code size} bytes, from a record created at {@code timestamp}, or -1) written:
     * appended to the data file, or staged apart.
     */
    record Chunk(String name, int index, long size, boolean inOrder, long timestamp) implements JournalOp {
    }

    /** The staged chunk {@code index} was appended to the data file and its staged copy removed. */
    record Absorb(String name, int index) implements JournalOp {
    }

    /** The first {@code keep} chunks were copied to data file {@code t<seq>.data}; the rest is dropped. */
    record Rewind(String name, int keep, long seq) implements JournalOp {
    }

    /** Chunk {@code index} arrived again with the bytes already held. */
    record Repeat(String name, int index) implements JournalOp {
    }

    /** Snapshot only: the flags of a transfer in progress. */
    record Mark(String name, boolean ambiguous, int resent) implements JournalOp {
    }

    /**
     * Snapshot only: the file at {@code name} is one the store put there, with this length, SHA-256, signed
     * version, and identity on disk (null: not known).
     */
    record Current(String name, long size, String sha256, String identity, long version) implements JournalOp {
    }

    /** Snapshot only: the newest signed version of {@code name} ever put in place. */
    record Floor(String name, long version) implements JournalOp {
    }

    /**
     * A verified revocation list of that signed version: the keys it names are refused from now on; it replaces
     * the list before.
     */
    record Revocation(long version, List<String> keyIds) implements JournalOp {
        public Revocation {
            keyIds = List.copyOf(keyIds);
        }
    }

    /**
     * A revocation list lowered the version floor of {@code name} to {@code version}: the floor, the version
     * of the file in place and a stated minimum (a revoked timestamp key's statement may have named it) become at
     * most that.
     */
    record ResetFloor(String name, long version) implements JournalOp {
    }

    /**
     * Chunks of {@code name} without a transfer id created at or before {@code millis} belong to a transfer of it
     * that is finished: a late copy of one is a leftover, never the start of a new set.
     */
    record Stamp(String name, long millis) implements JournalOp {
    }

    /** Snapshot only: the next work file number. */
    record NextSeq(long seq) implements JournalOp {
    }

    /** The transfer in progress for {@code name} is abandoned; its work files go. */
    record Discard(String name) implements JournalOp {
    }

    /** Work file {@code t<seq>.data} becomes {@code name}: the commit point of a publication. */
    record Publish(String name, long seq, long size, String sha256, long version) implements JournalOp {
    }

    /**
     * Publication {@code seq} of {@code name} is in place, its directory synced; {@code identity} is what the
     * file looked like right after (null: not known). {@code seq} is -1 in an earlier version's form: the oldest
     * publication of the name.
     */
    record Placed(String name, long seq, String identity) implements JournalOp {
    }

    /**
     * Publication {@code seq} of {@code name} could not be carried out and was dropped; the file in place stays,
     * and so does its version floor. {@code seq} is -1 in an earlier version's form.
     */
    record Dropped(String name, long seq) implements JournalOp {
    }

    /**
     * A receipt kept until it is acknowledged: opaque bytes, journaled with the round that commits its effect.
     * {@code publication} is the work file number of the publication it reports, or 0.
     */
    record Receipt(long id, long publication, byte[] key, byte[] value) implements JournalOp {
    }

    /** The receipt {@code id} was acknowledged (or given up): it is not sent again. */
    record ReceiptDone(long id) implements JournalOp {
    }

    /**
     * A freshness statement was accepted: {@code name} must not go below {@code version} (a stated minimum, which
     * only rises); kept apart from the floor, which says what was put in place.
     */
    record Minimum(String name, long version) implements JournalOp {
    }

    /** The newest freshness statement accepted: its sequence, when it was issued and when it expires. */
    record Statement(long sequence, long issuedAt, long expiresAt) implements JournalOp {
    }

    static void write(JournalOp op, DataOutput out) throws IOException {
        if (op instanceof Offset o) {
            out.writeByte(1);
            out.writeUTF(o.topic());
            out.writeInt(o.partition());
            out.writeLong(o.next());
        } else if (op instanceof Begin b) {
            out.writeByte(2);
            out.writeUTF(b.name());
            out.writeLong(b.seq());
            out.writeInt(b.total());
            out.writeUTF(b.transferId() == null ? "" : b.transferId());
            out.writeLong(b.length());
            out.writeUTF(b.sha256() == null ? "" : b.sha256());
            out.writeLong(b.version());
        } else if (op instanceof Chunk c) {
            out.writeByte(16);
            out.writeUTF(c.name());
            out.writeInt(c.index());
            out.writeLong(c.size());
            out.writeBoolean(c.inOrder());
            out.writeLong(c.timestamp());
        } else if (op instanceof Absorb a) {
            out.writeByte(4);
            out.writeUTF(a.name());
            out.writeInt(a.index());
        } else if (op instanceof Rewind r) {
            out.writeByte(5);
            out.writeUTF(r.name());
            out.writeInt(r.keep());
            out.writeLong(r.seq());
        } else if (op instanceof Discard d) {
            out.writeByte(6);
            out.writeUTF(d.name());
        } else if (op instanceof Publish p) {
            out.writeByte(7);
            out.writeUTF(p.name());
            out.writeLong(p.seq());
            out.writeLong(p.size());
            out.writeUTF(p.sha256());
            out.writeLong(p.version());
        } else if (op instanceof Placed p) {
            out.writeByte(17);
            out.writeUTF(p.name());
            out.writeLong(p.seq());
            out.writeUTF(p.identity() == null ? "" : p.identity());
        } else if (op instanceof Dropped d) {
            out.writeByte(18);
            out.writeUTF(d.name());
            out.writeLong(d.seq());
        } else if (op instanceof Repeat r) {
            out.writeByte(10);
            out.writeUTF(r.name());
            out.writeInt(r.index());
        } else if (op instanceof Mark m) {
            out.writeByte(11);
            out.writeUTF(m.name());
            out.writeBoolean(m.ambiguous());
            out.writeInt(m.resent());
        } else if (op instanceof Current c) {
            out.writeByte(12);
            out.writeUTF(c.name());
            out.writeLong(c.size());
            out.writeUTF(c.sha256());
            out.writeUTF(c.identity() == null ? "" : c.identity());
            out.writeLong(c.version());
        } else if (op instanceof NextSeq n) {
            out.writeByte(13);
            out.writeLong(n.seq());
        } else if (op instanceof Receipt r) {
            out.writeByte(14);
            out.writeLong(r.id());
            out.writeLong(r.publication());
            writeBytes(r.key(), out);
            writeBytes(r.value(), out);
        } else if (op instanceof ReceiptDone d) {
            out.writeByte(15);
            out.writeLong(d.id());
        } else if (op instanceof Floor f) {
            out.writeByte(19);
            out.writeUTF(f.name());
            out.writeLong(f.version());
        } else if (op instanceof ForgetOffset f) {
            out.writeByte(20);
            out.writeUTF(f.topic());
            out.writeInt(f.partition());
        } else if (op instanceof Revocation r) {
            out.writeByte(22);
            out.writeLong(r.version());
            out.writeInt(r.keyIds().size());
            for (String id : r.keyIds()) {
                out.writeUTF(id);
            }
        } else if (op instanceof ResetFloor f) {
            out.writeByte(23);
            out.writeUTF(f.name());
            out.writeLong(f.version());
        } else if (op instanceof Stamp t) {
            out.writeByte(21);
            out.writeUTF(t.name());
            out.writeLong(t.millis());
        } else if (op instanceof Minimum m) {
            out.writeByte(24);
            out.writeUTF(m.name());
            out.writeLong(m.version());
        } else if (op instanceof Statement t) {
            out.writeByte(25);
            out.writeLong(t.sequence());
            out.writeLong(t.issuedAt());
            out.writeLong(t.expiresAt());
        }
    }

    static JournalOp read(DataInput in) throws IOException {
        int code = in.readByte();
        return switch (code) {
            case 1 -> new Offset(in.readUTF(), in.readInt(), in.readLong());
            case 2 -> {
                String name = in.readUTF();
                long seq = in.readLong();
                int total = in.readInt();
                String id = in.readUTF();
                long length = in.readLong();
                String sha = in.readUTF();
                long version = in.readLong();
                yield new Begin(name, seq, total, id.isEmpty() ? null : id, length, sha.isEmpty() ? null : sha,
                        version);
            }
            case 3 -> new Chunk(in.readUTF(), in.readInt(), in.readLong(), in.readBoolean(), -1);
            case 16 -> new Chunk(in.readUTF(), in.readInt(), in.readLong(), in.readBoolean(), in.readLong());
            case 4 -> new Absorb(in.readUTF(), in.readInt());
            case 5 -> new Rewind(in.readUTF(), in.readInt(), in.readLong());
            case 6 -> new Discard(in.readUTF());
            case 7 -> new Publish(in.readUTF(), in.readLong(), in.readLong(), in.readUTF(), in.readLong());
            case 8 -> new Placed(in.readUTF(), -1, emptyAsNull(in.readUTF()));
            case 17 -> new Placed(in.readUTF(), in.readLong(), emptyAsNull(in.readUTF()));
            case 9 -> new Dropped(in.readUTF(), -1);
            case 18 -> new Dropped(in.readUTF(), in.readLong());
            case 10 -> new Repeat(in.readUTF(), in.readInt());
            case 11 -> new Mark(in.readUTF(), in.readBoolean(), in.readInt());
            case 12 -> {
                String name = in.readUTF();
                long size = in.readLong();
                String sha = in.readUTF();
                String identity = in.readUTF();
                long version = in.readLong();
                yield new Current(name, size, sha, emptyAsNull(identity), version);
            }
            case 13 -> new NextSeq(in.readLong());
            case 14 -> new Receipt(in.readLong(), in.readLong(), readBytes(in), readBytes(in));
            case 15 -> new ReceiptDone(in.readLong());
            case 19 -> new Floor(in.readUTF(), in.readLong());
            case 20 -> new ForgetOffset(in.readUTF(), in.readInt());
            case 21 -> new Stamp(in.readUTF(), in.readLong());
            case 22 -> {
                long version = in.readLong();
                int count = in.readInt();
                if (count < 0 || count > MAX_REVOKED_KEYS) {
                    throw new IOException("a revocation of " + count + " keys");
                }
                List<String> ids = new java.util.ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    ids.add(in.readUTF());
                }
                yield new Revocation(version, ids);
            }
            case 23 -> new ResetFloor(in.readUTF(), in.readLong());
            case 24 -> new Minimum(in.readUTF(), in.readLong());
            case 25 -> new Statement(in.readLong(), in.readLong(), in.readLong());
            default -> throw new IOException("unknown journal operation " + code);
        };
    }

    private static String emptyAsNull(String text) {
        return text.isEmpty() ? null : text;
    }

    /** The same bound as {@link #readBytes}: nothing is written that could not be read back. */
    private static void writeBytes(byte[] bytes, DataOutput out) throws IOException {
        if (bytes.length > MAX_RECEIPT_BYTES) {
            throw new IOException("a receipt of " + bytes.length + " bytes is over the journal's limit of "
                    + MAX_RECEIPT_BYTES);
        }
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_RECEIPT_BYTES) {
            throw new IOException("a journaled receipt of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }
}
