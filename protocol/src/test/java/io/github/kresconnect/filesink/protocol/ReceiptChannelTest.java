package io.github.kresconnect.filesink.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.receipts.ReceiptChannel;

class ReceiptChannelTest {
    @Test
    void eachHostHasItsOwnTopicAndATopicNamesItsOwner() {
        assertEquals("knot-resolver-receipts.host.r1", ReceiptChannel.PER_HOST.topicFor("knot-resolver-receipts", "r1"));
        assertEquals("knot-resolver-receipts", ReceiptChannel.SHARED.topicFor("knot-resolver-receipts", "r1"));
        assertEquals(Optional.of("r1.example"), ReceiptChannel.hostOf("knot-resolver-receipts",
                "knot-resolver-receipts.host.r1.example"));
        assertEquals(Optional.empty(), ReceiptChannel.hostOf("knot-resolver-receipts", "knot-resolver-receipts"));
        assertEquals(Optional.empty(), ReceiptChannel.hostOf("knot-resolver-receipts", "other.host.r1"));
        assertThrows(IllegalArgumentException.class, () -> ReceiptChannel.PER_HOST.topicFor("r", "bad host"));
        assertEquals(ReceiptChannel.PER_HOST, ReceiptChannel.fromWord(" Per-Host "));
    }
}
