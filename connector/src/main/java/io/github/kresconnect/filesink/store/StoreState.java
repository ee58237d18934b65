package io.github.kresconnect.filesink.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The store's state as a state machine: everything the store knows besides the bytes of its work files, changed
 * only by {@link #apply}, which the live path (through {@link FileStore}), the commit thread's copy of what is
 * committed, and journal replay all call. No I/O.
 *
 * <h2>The recovery argument</h2>
 * <ol>
 * <li>The live path turns each record into operations, applies them here and queues them; it writes work files
 * only (a small whole file is held in memory). Nothing of it is durable or visible yet.</li>
 * <li>A round ({@link CommitPipeline}) makes every work file written since the previous round durable (data and
 * names), persists the owed reload or renew, then appends the queued operations, the offsets among them, as one
 * fsync'd journal entry: the commit point. The round applies them to its own copy of the state: the committed
 * state, from which alone offsets are handed to Kafka and snapshots are made.</li>
 * <li>Only then are completed files renamed into place (the backup first) and their directories synced; the
 * outcome, {@link JournalOp.Placed} or {@link JournalOp.Dropped}, is applied to the committed state and journaled
 * with the next round. A dropped publication's work file stays until its drop is journaled.</li>
 * <li>Opening replays the journal into a fresh state, then carries out every publication still pending: its work
 * file there, it is placed (roll forward); gone, it was placed before the crash. Work files the state does not
 * name are removed (roll back), and the journal is rewritten as a snapshot of the result.</li>
 * </ol>
 * So an effect and the offset of its record become durable together; a file at its final path is a version sent
 * whole (its data synced before the entry that publishes it); a redelivered record finds its offset applied; a
 * version floor only rises, and only with a file actually put in place; a kept receipt reports only what is
 * committed.
 */
final class StoreState {
    /** The version of a transfer or file that was not signed. */
    static final long UNVERSIONED = -1;

    /** A file the store put in place; {@code identity} is null when it is not known. */
    record PlacedFile(long size, String sha256, String identity, long version) {
        PlacedFile withIdentity(String newIdentity) {
            return new PlacedFile(size, sha256, newIdentity, version);
        }
    }

    /** A publication committed (or about to be) and not yet placed or dropped. */
    record Pending(String name, long seq, long size, String sha256, long version) {
    }

    private long nextSeq = 1;
    private final Map<SourcePartition, Long> offsets = new HashMap<>();
    private final Map<String, PlacedFile> placed = new HashMap<>();
    private final Map<String, Long> floors = new HashMap<>();
    private final Map<String, Long> stamps = new HashMap<>();
    private final Map<String, TransferState> transfers = new LinkedHashMap<>();
    private final Map<Long, Pending> pending = new LinkedHashMap<>();
    /** The same publications by name, oldest first: a name's are found without going through all of them. */
    private final Map<String, List<Pending>> pendingByName = new HashMap<>();
    private final Map<Long, KeptReceipt> receipts = new LinkedHashMap<>();
    /** The same receipts by the publication they report (none for 0): a round finds its own without the rest. */
    private final Map<Long, List<KeptReceipt>> receiptsByPublication = new HashMap<>();
    private JournalOp.Revocation revocation = new JournalOp.Revocation(UNVERSIONED, List.of());
    /** Versions freshness statements named: no signed version below them is accepted. */
    private final Map<String, Long> minimums = new HashMap<>();
    /** The newest freshness statement accepted, or null. */
    private JournalOp.Statement statement;

    /** Carries out one operation: the only way the state changes. */
    void apply(JournalOp op) {
        if (op instanceof JournalOp.Offset o) {
            offsets.put(new SourcePartition(o.topic(), o.partition()), o.next());
        } else if (op instanceof JournalOp.ForgetOffset f) {
            offsets.remove(new SourcePartition(f.topic(), f.partition()));
        } else if (op instanceof JournalOp.Begin b) {
            transfers.put(b.name(), new TransferState(b.name(), b.seq(), b.total(), b.transferId(), b.length(),
                    b.sha256(), b.version()));
            seen(b.seq());
        } else if (op instanceof JournalOp.Chunk c) {
            TransferState state = transfers.get(c.name());
            if (c.inOrder()) {
                state.appendInOrder(c.size(), c.timestamp());
            } else {
                state.stage(c.index(), c.size(), c.timestamp());
            }
        } else if (op instanceof JournalOp.Repeat r) {
            transfers.get(r.name()).duplicate(r.index());
        } else if (op instanceof JournalOp.Absorb a) {
            transfers.get(a.name()).absorb(a.index());
        } else if (op instanceof JournalOp.Rewind r) {
            transfers.put(r.name(), transfers.get(r.name()).rewound(r.keep(), r.seq()));
            seen(r.seq());
        } else if (op instanceof JournalOp.Mark m) {
            transfers.get(m.name()).mark(m.ambiguous(), m.resent());
        } else if (op instanceof JournalOp.Discard d) {
            transfers.remove(d.name());
        } else if (op instanceof JournalOp.Publish p) {
            transfers.remove(p.name());
            Pending publication = new Pending(p.name(), p.seq(), p.size(), p.sha256(), p.version());
            pending.put(p.seq(), publication);
            pendingByName.computeIfAbsent(p.name(), name -> new ArrayList<>(1)).add(publication);
            seen(p.seq());
        } else if (op instanceof JournalOp.Placed p) {
            Pending publication = takePending(p.name(), p.seq());
            if (publication != null) {
                placed.put(p.name(), new PlacedFile(publication.size(), publication.sha256(), p.identity(),
                        publication.version()));
                raiseFloor(p.name(), publication.version());
            } else if (p.identity() != null && placed.containsKey(p.name())
                    && placed.get(p.name()).identity() == null) {
                placed.put(p.name(), placed.get(p.name()).withIdentity(p.identity()));
            }
        } else if (op instanceof JournalOp.Dropped d) {
            Pending publication = takePending(d.name(), d.seq());
            if (publication != null) {
                for (KeptReceipt receipt : receiptsOf(publication.seq())) {
                    forgetReceipt(receipt.id);
                }
            }
        } else if (op instanceof JournalOp.Current c) {
            placed.put(c.name(), new PlacedFile(c.size(), c.sha256(), c.identity(), c.version()));
            raiseFloor(c.name(), c.version());
        } else if (op instanceof JournalOp.Floor f) {
            raiseFloor(f.name(), f.version());
        } else if (op instanceof JournalOp.Revocation r) {
            if (r.version() > revocation.version()) {
                revocation = r;
            }
        } else if (op instanceof JournalOp.ResetFloor r) {
            floors.computeIfPresent(r.name(), (name, floor) -> Math.min(floor, r.version()));
            minimums.computeIfPresent(r.name(), (name, minimum) -> Math.min(minimum, r.version()));
            PlacedFile file = placed.get(r.name());
            if (file != null && file.version() > r.version()) {
                placed.put(r.name(), new PlacedFile(file.size(), file.sha256(), file.identity(), r.version()));
            }
        } else if (op instanceof JournalOp.Stamp t) {
            stamps.merge(t.name(), t.millis(), Math::max);
        } else if (op instanceof JournalOp.NextSeq n) {
            nextSeq = Math.max(nextSeq, n.seq());
        } else if (op instanceof JournalOp.Receipt r) {
            forgetReceipt(r.id());
            KeptReceipt receipt = new KeptReceipt(r.id(), r.publication(), r.key(), r.value());
            receipts.put(r.id(), receipt);
            if (receipt.publication != 0) {
                receiptsByPublication.computeIfAbsent(receipt.publication, seq -> new ArrayList<>(1)).add(receipt);
            }
            seen(r.id());
        } else if (op instanceof JournalOp.ReceiptDone d) {
            forgetReceipt(d.id());
        } else if (op instanceof JournalOp.Minimum m) {
            minimums.merge(m.name(), m.version(), Math::max);
        } else if (op instanceof JournalOp.Statement t) {
            if (statement == null || t.sequence() > statement.sequence()) {
                statement = t;
            }
        }
    }

    /** The operations that rebuild this state, in an order that {@link #apply} takes. */
    List<JournalOp> snapshot() {
        List<JournalOp> ops = new ArrayList<>();
        ops.add(new JournalOp.NextSeq(nextSeq));
        offsets.forEach((partition, next) -> ops.add(new JournalOp.Offset(partition.topic(), partition.partition(),
                next)));
        placed.forEach((name, file) -> ops.add(new JournalOp.Current(name, file.size(), file.sha256(),
                file.identity(), file.version())));
        floors.forEach((name, version) -> ops.add(new JournalOp.Floor(name, version)));
        stamps.forEach((name, millis) -> ops.add(new JournalOp.Stamp(name, millis)));
        if (revocation.version() != UNVERSIONED) {
            ops.add(revocation);
        }
        minimums.forEach((name, version) -> ops.add(new JournalOp.Minimum(name, version)));
        if (statement != null) {
            ops.add(statement);
        }
        pending.values().forEach(p -> ops.add(new JournalOp.Publish(p.name(), p.seq(), p.size(), p.sha256(),
                p.version())));
        receipts.values().forEach(receipt -> ops.add(receipt.op()));
        for (TransferState state : transfers.values()) {
            ops.add(new JournalOp.Begin(state.name, state.seq, state.total, state.transferId, state.expectedLength,
                    state.expectedSha256, state.version));
            for (int index = 1; index <= state.contiguous(); index++) {
                ops.add(new JournalOp.Chunk(state.name, index, state.size(index), true, state.stamp(index)));
            }
            for (int index : state.stagedIndexes()) {
                ops.add(new JournalOp.Chunk(state.name, index, state.size(index), false, state.stamp(index)));
            }
            ops.add(new JournalOp.Mark(state.name, state.isAmbiguous(), state.resent()));
        }
        return ops;
    }

    /** A new copy, by replaying this state's snapshot: the snapshot is checked by use. */
    StoreState copy() {
        StoreState copy = new StoreState();
        snapshot().forEach(copy::apply);
        return copy;
    }

    // ---------------------------------------------------------------- reading

    /** The number the next work file, publication or receipt takes. */
    long nextSeq() {
        return nextSeq;
    }

    Long offset(SourcePartition partition) {
        return offsets.get(partition);
    }

    Map<SourcePartition, Long> offsets() {
        return Map.copyOf(offsets);
    }

    TransferState transfer(String name) {
        return transfers.get(name);
    }

    Iterable<TransferState> transfers() {
        return List.copyOf(transfers.values());
    }

    PlacedFile placed(String name) {
        return placed.get(name);
    }

    /** The newest pending publication of {@code name}, or null. */
    Pending pendingOf(String name) {
        List<Pending> ofName = pendingByName.get(name);
        return ofName == null ? null : ofName.get(ofName.size() - 1);
    }

    List<Pending> pending() {
        return List.copyOf(pending.values());
    }

    /**
     * The newest signed version of {@code name} that is or will be in place: never lowered by an unsigned file or
     * a dropped publication; {@link #UNVERSIONED} when there is none.
     */
    long floor(String name) {
        long floor = floors.getOrDefault(name, UNVERSIONED);
        for (Pending publication : pendingByName.getOrDefault(name, List.of())) {
            floor = Math.max(floor, publication.version());
        }
        return floor;
    }

    /** The newest revocation list applied: its version ({@link #UNVERSIONED} for none) and revoked key ids. */
    JournalOp.Revocation revocation() {
        return revocation;
    }

    /** The version a freshness statement named for {@code name}: none below it is accepted; else UNVERSIONED. */
    long minimum(String name) {
        return minimums.getOrDefault(name, UNVERSIONED);
    }

    /** Every stated minimum, by file name. */
    Map<String, Long> minimums() {
        return Map.copyOf(minimums);
    }

    /** The newest freshness statement accepted, or null. */
    JournalOp.Statement statement() {
        return statement;
    }

    /** The creation time of the newest chunk of the last finished transfer of {@code name} without an id, or -1. */
    long stamp(String name) {
        return stamps.getOrDefault(name, -1L);
    }

    KeptReceipt receipt(long id) {
        return receipts.get(id);
    }

    List<KeptReceipt> receipts() {
        return List.copyOf(receipts.values());
    }

    /** The kept receipts that report publication {@code seq}, oldest first. */
    List<KeptReceipt> receiptsOf(long seq) {
        return List.copyOf(receiptsByPublication.getOrDefault(seq, List.of()));
    }

    // ---------------------------------------------------------------- helpers

    private void seen(long seq) {
        nextSeq = Math.max(nextSeq, seq + 1);
    }

    private void forgetReceipt(long id) {
        KeptReceipt receipt = receipts.remove(id);
        if (receipt != null && receipt.publication != 0) {
            List<KeptReceipt> ofPublication = receiptsByPublication.get(receipt.publication);
            ofPublication.remove(receipt);
            if (ofPublication.isEmpty()) {
                receiptsByPublication.remove(receipt.publication);
            }
        }
    }

    private void raiseFloor(String name, long version) {
        if (version != UNVERSIONED) {
            floors.merge(name, version, Math::max);
        }
    }

    /** Removes and returns publication {@code seq}, or with -1 the oldest pending one of {@code name}. */
    private Pending takePending(String name, long seq) {
        Pending publication;
        if (seq >= 0) {
            publication = pending.remove(seq);
        } else {
            List<Pending> ofName = pendingByName.get(name);
            publication = ofName == null ? null : pending.remove(ofName.get(0).seq());
        }
        if (publication != null) {
            List<Pending> ofName = pendingByName.get(publication.name());
            ofName.remove(publication);
            if (ofName.isEmpty()) {
                pendingByName.remove(publication.name());
            }
        }
        return publication;
    }
}
