package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;

import org.junit.jupiter.api.Test;

/** A revocation and the floors it lowered, through the journal's encoding and through a compacted snapshot. */
class RevocationStateTest {
    private static JournalOp roundTrip(JournalOp op) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        JournalOp.write(op, new DataOutputStream(bytes));
        return JournalOp.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    }

    @Test
    void theOperationsReadBackAsWritten() throws Exception {
        JournalOp revocation = new JournalOp.Revocation(7, List.of("0123456789abcdef", "fedcba9876543210"));
        assertEquals(revocation, roundTrip(revocation));
        JournalOp reset = new JournalOp.ResetFloor("zones/b.rpz", 1_700_000_000_000L);
        assertEquals(reset, roundTrip(reset));
    }

    @Test
    void aSnapshotKeepsTheRevocationAndTheLoweredFloorButNotTheOlderList() {
        StoreState state = new StoreState();
        state.apply(new JournalOp.Current("zones/b.rpz", 10, "00".repeat(32), null, 1L << 62));
        state.apply(new JournalOp.Revocation(7, List.of("0123456789abcdef")));
        state.apply(new JournalOp.ResetFloor("zones/b.rpz", 1_700_000_000_000L));
        state.apply(new JournalOp.Revocation(6, List.of())); // older: ignored
        StoreState copy = state.copy();
        assertEquals(state.revocation(), copy.revocation());
        assertEquals(new JournalOp.Revocation(7, List.of("0123456789abcdef")), copy.revocation());
        assertEquals(1_700_000_000_000L, copy.floor("zones/b.rpz"), "the floor stays lowered after compaction");
        assertEquals(1_700_000_000_000L, copy.placed("zones/b.rpz").version(), "and so does the version in place");
    }

    @Test
    void aRevocationAlsoLowersAStatedMinimumThatARevokedKeyMayHaveRaised() {
        StoreState state = new StoreState();
        state.apply(new JournalOp.Minimum("zones/b.rpz", 1L << 62));
        state.apply(new JournalOp.Minimum("zones/c.rpz", 500));
        state.apply(new JournalOp.Revocation(7, List.of("0123456789abcdef")));
        state.apply(new JournalOp.ResetFloor("zones/b.rpz", 1_700_000_000_000L));
        state.apply(new JournalOp.ResetFloor("zones/c.rpz", 1_700_000_000_000L)); // higher: the minimum stays
        StoreState copy = state.copy();
        assertEquals(1_700_000_000_000L, copy.minimum("zones/b.rpz"));
        assertEquals(500, copy.minimum("zones/c.rpz"));
    }
}
