package io.github.kresconnect.filesink.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * Every kind of journal operation is written with a code of its own and reads back as written: two kinds sharing a
 * code would replay one as the other.
 */
class JournalEncodingTest {
    private static final String SHA = "ab".repeat(32);

    /** One operation of every kind, with every field set apart from its default. */
    private static final List<JournalOp> ONE_OF_EACH = List.of(
            new JournalOp.Offset("files", 3, 17),
            new JournalOp.ForgetOffset("files", 3),
            new JournalOp.Begin("zones/a.rpz", 4, 2, "0".repeat(32), 10, SHA, 99),
            new JournalOp.Chunk("zones/a.rpz", 1, 5, true, 1234),
            new JournalOp.Absorb("zones/a.rpz", 2),
            new JournalOp.Rewind("zones/a.rpz", 1, 5),
            new JournalOp.Repeat("zones/a.rpz", 1),
            new JournalOp.Mark("zones/a.rpz", true, 2),
            new JournalOp.Current("zones/a.rpz", 10, SHA, "inode:1", 99),
            new JournalOp.Floor("zones/a.rpz", 99),
            new JournalOp.Revocation(7, List.of("0123456789abcdef")),
            new JournalOp.ResetFloor("zones/a.rpz", 50),
            new JournalOp.Stamp("zones/a.rpz", 4321),
            new JournalOp.NextSeq(8),
            new JournalOp.Discard("zones/a.rpz"),
            new JournalOp.Publish("zones/a.rpz", 4, 10, SHA, 99),
            new JournalOp.Placed("zones/a.rpz", 4, "inode:1"),
            new JournalOp.Dropped("zones/a.rpz", 4),
            new JournalOp.Receipt(5, 4, new byte[] {1, 2}, new byte[] {3}),
            new JournalOp.ReceiptDone(5),
            new JournalOp.Minimum("zones/a.rpz", 120),
            new JournalOp.Statement(1_764_500_000_000L, 1_764_500_000_000L, 1_764_503_600_000L));

    private static byte[] written(JournalOp op) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        JournalOp.write(op, new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    private static JournalOp read(byte[] bytes) throws Exception {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        JournalOp op = JournalOp.read(in);
        assertEquals(-1, in.read(), "the whole entry is read, nothing more");
        return op;
    }

    @Test
    void theSamplesCoverEveryKindOfOperation() {
        Set<Class<?>> kinds = Arrays.stream(JournalOp.class.getPermittedSubclasses()).collect(Collectors.toSet());
        assertEquals(kinds, ONE_OF_EACH.stream().map(Object::getClass).collect(Collectors.toSet()));
    }

    @Test
    void everyKindHasACodeOfItsOwn() throws Exception {
        Map<Byte, Class<?>> byCode = new HashMap<>();
        for (JournalOp op : ONE_OF_EACH) {
            byte code = written(op)[0];
            Class<?> before = byCode.put(code, op.getClass());
            assertEquals(null, before, "code " + code + " is written for " + op.getClass().getSimpleName()
                    + " and " + (before == null ? "" : before.getSimpleName()));
        }
        assertEquals(24, byteOf(new JournalOp.Minimum("a", 1)));
        assertEquals(25, byteOf(new JournalOp.Statement(1, 1, 2)));
    }

    private static int byteOf(JournalOp op) throws Exception {
        return written(op)[0];
    }

    @Test
    void everyOperationReadsBackAsWritten() throws Exception {
        for (JournalOp op : ONE_OF_EACH) {
            JournalOp back = read(written(op));
            if (op instanceof JournalOp.Receipt receipt) {
                JournalOp.Receipt got = (JournalOp.Receipt) back;
                assertEquals(List.of(receipt.id(), receipt.publication()), List.of(got.id(), got.publication()));
                assertArrayEquals(receipt.key(), got.key());
                assertArrayEquals(receipt.value(), got.value());
            } else {
                assertEquals(op, back);
            }
        }
    }

    @Test
    void anUnknownCodeIsRefused() {
        assertNotEquals(null, org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> read(new byte[] {26})).getMessage());
    }
}
