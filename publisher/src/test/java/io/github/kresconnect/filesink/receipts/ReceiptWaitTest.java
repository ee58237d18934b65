package io.github.kresconnect.filesink.receipts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class ReceiptWaitTest {
    private static final SentTransfer ZONE = new SentTransfer("a.rpz", false, "t-zone", "aa", 4);
    private static final SentTransfer CONFIG = new SentTransfer("config.yaml", true, "t-config", "bb", 9);

    static Receipt file(String host, SentTransfer transfer, String outcome, String reason, long at) {
        return new Receipt(Receipt.KIND_FILE, host, host, transfer.file(), transfer.length(), transfer.sha256(),
                transfer.transferId(), -1, outcome, reason, reason == null ? null : "invalid-config", null, null,
                null, at, "knot-resolver", 0, at, "c", "1");
    }

    /** A reload for the config sent (CONFIG's transfer). */
    static Receipt reload(String host, String outcome, String before, String after, long at) {
        return reload(host, outcome, before, after, at, CONFIG.transferId());
    }

    /** A reload for the files of these transfers. */
    static Receipt reload(String host, String outcome, String before, String after, long at,
            String... transferIds) {
        return new Receipt(Receipt.KIND_MANAGER, host, host, null, -1, null, null, -1, outcome,
                Receipt.FAILED.equals(outcome) ? "connection refused" : null, null, "reload", before, after, at,
                null, -1, -1, "c", "1", java.util.Arrays.stream(transferIds)
                        .map(id -> new Receipt.RequestFile("config.yaml", id, -1, null)).toList());
    }

    @Test
    void waitsForEveryFileAndTheReloadOfEveryAddressedHost() {
        ReceiptWait wait = new ReceiptWait(List.of(ZONE, CONFIG), List.of("r1", "r2"), 0);
        wait.accept(file("r1", ZONE, Receipt.PUBLISHED, null, 10));
        wait.accept(file("r1", CONFIG, Receipt.PUBLISHED, null, 11));
        assertFalse(wait.done());
        wait.accept(reload("r1", Receipt.FAILED, null, null, 12));
        assertFalse(wait.done());
        wait.accept(reload("r1", Receipt.ACCEPTED, "e1", "e2", 13));
        wait.accept(file("r2", ZONE, Receipt.UNCHANGED, null, 10));
        wait.accept(file("r2", CONFIG, Receipt.REJECTED, "invalid config file 'config.yaml': JSON: bad", 11));
        wait.accept(file("r3", ZONE, Receipt.PUBLISHED, null, 10)); // not addressed
        assertTrue(wait.done());
        assertFalse(wait.allConfirmed());
        assertEquals(List.of(
                "r1  published a.rpz, config.yaml; reload accepted, running configuration changed",
                "r2  rejected config.yaml: invalid config file 'config.yaml': JSON: bad; unchanged a.rpz"),
                wait.lines());
    }

    @Test
    void aReloadReportedBeforeThePublicationCounts() {
        ReceiptWait wait = new ReceiptWait(List.of(CONFIG), List.of("r1"), 0);
        wait.accept(reload("r1", Receipt.ACCEPTED, "e1", "e1", 5));
        wait.accept(file("r1", CONFIG, Receipt.PUBLISHED, null, 10));
        assertTrue(wait.allConfirmed());
        assertEquals(List.of("r1  published config.yaml; reload accepted, running configuration unchanged (see the "
                + "manager's log)"), wait.lines());
    }

    @Test
    void onlyAReloadForTheConfigSentCounts() {
        ReceiptWait wait = new ReceiptWait(List.of(ZONE, CONFIG), List.of("r1"), 0);
        wait.accept(reload("r1", Receipt.ACCEPTED, "e0", "e1", 5, "t-earlier")); // another run's config, before
        wait.accept(file("r1", ZONE, Receipt.PUBLISHED, null, 10));
        wait.accept(file("r1", CONFIG, Receipt.PUBLISHED, null, 11));
        Receipt renewOrFiles = new Receipt(Receipt.KIND_MANAGER, "r1", "r1", null, -1, null, null, -1,
                Receipt.ACCEPTED, null, null, "reload", "e1", "e1", 12, null, -1, -1, "c", "1"); // names no files
        wait.accept(renewOrFiles);
        wait.accept(reload("r1", Receipt.ACCEPTED, "e1", "e2", 13, "t-later")); // another run's config, after
        assertFalse(wait.done(), "no reload for this run's config.yaml yet");
        assertEquals(List.of("r1  published a.rpz, config.yaml; reload: no answer"), wait.lines());
        wait.accept(reload("r2", Receipt.ACCEPTED, "e1", "e2", 14)); // a host not addressed
        wait.accept(reload("r1", Receipt.FAILED, null, null, 15));
        assertFalse(wait.done());
        assertEquals(List.of("r1  published a.rpz, config.yaml; reload failed (retrying): connection refused"),
                wait.lines());
        wait.accept(reload("r1", Receipt.ACCEPTED, "e2", "e3", 16, "t-zone-unrelated", CONFIG.transferId()));
        assertTrue(wait.allConfirmed());
        assertEquals(List.of("r1  published a.rpz, config.yaml; reload accepted, running configuration changed"),
                wait.lines());
    }

    @Test
    void aHostThatDidNotAnswerIsSaid() {
        ReceiptWait wait = new ReceiptWait(List.of(ZONE), List.of("r1", "r2"), 0);
        wait.accept(file("r1", ZONE, Receipt.PUBLISHED, null, 10));
        Receipt other = new Receipt(Receipt.KIND_FILE, "r2", "r2", "a.rpz", 4, "cc", "t-other", -1,
                Receipt.PUBLISHED, null, null, null, null, null, 10, "t", 0, 0, "c", "1");
        wait.accept(other); // another run's transfer
        assertFalse(wait.done());
        assertEquals(List.of("r1  published a.rpz", "r2  no answer"), wait.lines());
    }

    @Test
    void zoneModeCountsHosts() {
        ReceiptWait wait = new ReceiptWait(List.of(ZONE), List.of(), 2);
        wait.accept(file("x", ZONE, Receipt.PUBLISHED, null, 10));
        assertFalse(wait.done());
        assertEquals("1/2 hosts answered", wait.progress());
        assertEquals(List.of("x  published a.rpz", "1 more host(s) expected (--wait-hosts 2): no answer"),
                wait.lines());
        wait.accept(file("y", ZONE, Receipt.PUBLISHED, null, 10));
        assertTrue(wait.allConfirmed());
    }

    @Test
    void aDiscardedCopyDoesNotUndoAPublication() {
        ReceiptWait wait = new ReceiptWait(List.of(ZONE), List.of("r1"), 0);
        wait.accept(file("r1", ZONE, Receipt.PUBLISHED, null, 10));
        wait.accept(file("r1", ZONE, Receipt.DISCARDED, "superseded", 11));
        assertTrue(wait.allConfirmed());
    }
}
