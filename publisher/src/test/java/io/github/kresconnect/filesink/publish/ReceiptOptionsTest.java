package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class ReceiptOptionsTest {
    @Test
    void waitTakesAnOptionalNumberOfSeconds() throws Exception {
        ReceiptOptions options = ReceiptOptions.extract(List.of("--to", "r1", "--wait", "a.rpz"));
        assertTrue(options.waitEnabled());
        assertEquals(ReceiptOptions.DEFAULT_WAIT, options.waitFor());
        assertEquals(List.of("--to", "r1", "a.rpz"), options.rest());
        options = ReceiptOptions.extract(List.of("--wait", "30", "--receipts-topic", "r", "a.rpz"));
        assertEquals(Duration.ofSeconds(30), options.waitFor());
        assertEquals("r", options.receiptsTopic());
        options = ReceiptOptions.extract(List.of("--wait=5", "--wait-hosts", "3", "a.rpz"));
        assertEquals(3, options.waitHosts().getAsInt());
        assertFalse(ReceiptOptions.extract(List.of("a.rpz")).waitEnabled());
    }

    @Test
    void receiptsArePerHostUnlessSharedIsAskedFor() throws Exception {
        assertEquals(io.github.kresconnect.filesink.receipts.ReceiptChannel.PER_HOST,
                ReceiptOptions.extract(List.of("--wait", "a.rpz")).channel());
        ReceiptOptions shared = ReceiptOptions.extract(List.of("--wait", "--receipts-topic-mode", "shared", "a.rpz"));
        assertEquals(io.github.kresconnect.filesink.receipts.ReceiptChannel.SHARED, shared.channel());
        assertEquals(List.of("a.rpz"), shared.rest());
        assertThrows(PublishOptions.UsageException.class,
                () -> ReceiptOptions.extract(List.of("--receipts-topic-mode", "per-hots", "a.rpz")));
    }

    @Test
    void refusesWhatCannotBeMeant() {
        assertThrows(PublishOptions.UsageException.class, () -> ReceiptOptions.extract(List.of("--wait-hosts", "2")));
        assertThrows(PublishOptions.UsageException.class, () -> ReceiptOptions.extract(List.of("--wait=0")));
        assertThrows(PublishOptions.UsageException.class,
                () -> ReceiptOptions.extract(List.of("--wait", "--receipts-topic")));
    }

    @Test
    void zoneModeNeedsTheNumberOfHosts() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = new PublishCommand(new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
                new java.io.PrintStream(err), false).run("--bootstrap-server", "localhost:1", "--zone", "z", "--wait",
                        "a.rpz");
        assertEquals(ExitCode.USAGE.code(), code);
        assertTrue(err.toString().contains("--wait-hosts"), err.toString());
    }
}
