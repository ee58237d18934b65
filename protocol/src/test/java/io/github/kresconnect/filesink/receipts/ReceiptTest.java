package io.github.kresconnect.filesink.receipts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class ReceiptTest {
    static Receipt published(String host, String file, String transferId) {
        return new Receipt(Receipt.KIND_FILE, host, "m-" + host, file, 4, "ab".repeat(32), transferId, 17,
                Receipt.PUBLISHED, null, null, null, null, null, 1_700_000_000_000L, "knot-resolver", 2, 42,
                "sink-" + host, "1.0");
    }

    @Test
    void fileReceiptHasTheDocumentedSchema() {
        String json = published("resolver1", "a.rpz", "t1").toJsonText();
        assertEquals("{\"schema\":1,\"kind\":\"file\",\"host\":\"resolver1\",\"machine\":\"m-resolver1\","
                + "\"file\":\"a.rpz\",\"length\":4,\"sha256\":\"" + "ab".repeat(32) + "\",\"transferId\":\"t1\","
                + "\"version\":17,\"outcome\":\"published\",\"at\":\"2023-11-14T22:13:20Z\","
                + "\"atEpochMs\":1700000000000,\"topic\":\"knot-resolver\",\"partition\":2,\"offset\":42,"
                + "\"connector\":\"sink-resolver1\",\"connectorVersion\":\"1.0\"}", json);
    }

    /**
     * Text beyond ASCII is plain UTF-8 in keys and values, characters beyond the BMP included (not escaped
     * surrogates): a compacted topic keeps one key per host and file whatever wrote it; a lone surrogate, which
     * UTF-8 cannot hold, is escaped and read back as it was.
     */
    @Test
    void textIsUtf8AndReadBackAsItWas() {
        Receipt receipt = published("résolveur", "zone-\u6f22\ud83d\ude00.rpz", "t1");
        assertEquals("{\"host\":\"résolveur\",\"file\":\"zone-\u6f22\ud83d\ude00.rpz\"}",
                new String(receipt.key(), StandardCharsets.UTF_8));
        assertTrue(new String(receipt.toJson(), StandardCharsets.UTF_8).contains(
                "\"file\":\"zone-\u6f22\ud83d\ude00.rpz\""));
        assertEquals(receipt, Receipt.fromJson(receipt.toJson()));
        Receipt lone = published("resolver1", "a\ud800b.rpz", "t1");
        assertTrue(lone.toJsonText().contains("\"file\":\"a\\uD800b.rpz\""), lone.toJsonText());
        assertEquals(lone, Receipt.fromJson(lone.toJson()));
    }

    @Test
    void roundTrips() {
        Receipt receipt = published("resolver1", "zones/a.rpz", "t1");
        assertEquals(receipt, Receipt.fromJson(receipt.toJson()));
        Receipt manager = new Receipt(Receipt.KIND_MANAGER, "resolver1", "m", null, -1, null, null, -1,
                Receipt.ACCEPTED, null, null, "reload", "\"e1\"", "\"e2\"", 5, null, -1, -1, "c", "1.0");
        assertEquals(manager, Receipt.fromJson(manager.toJson()));
        assertTrue(manager.configChanged());
        assertTrue(manager.toJsonText().contains("\"configChanged\":true"));
    }

    @Test
    void aManagerReceiptNamesTheFilesItsRequestWasFor() {
        Receipt manager = new Receipt(Receipt.KIND_MANAGER, "resolver1", "m", null, -1, null, null, -1,
                Receipt.ACCEPTED, null, null, "reload", "\"e1\"", "\"e2\"", 5, null, -1, -1, "c", "1.0",
                List.of(new Receipt.RequestFile("config.yaml", "t2", 7, "bb"),
                        new Receipt.RequestFile("a.rpz", null, -1, null)));
        assertTrue(manager.toJsonText().endsWith(",\"files\":[{\"file\":\"config.yaml\",\"transferId\":\"t2\","
                + "\"version\":7,\"sha256\":\"bb\"},{\"file\":\"a.rpz\"}]}"), manager.toJsonText());
        assertEquals(manager, Receipt.fromJson(manager.toJson()));
        assertTrue(manager.covers("t2"));
        assertFalse(manager.covers("t1"));
        assertFalse(manager.covers(null));
        assertFalse(published("resolver1", "a.rpz", "t1").toJsonText().contains("files"), "absent when none");
    }

    @Test
    void keysAreHostAndFileOrHostAndManager() {
        assertEquals("{\"host\":\"resolver1\",\"file\":\"a.rpz\"}",
                new String(published("resolver1", "a.rpz", null).key(), StandardCharsets.UTF_8));
        Receipt manager = new Receipt(Receipt.KIND_MANAGER, "resolver1", "m", null, -1, null, null, -1,
                Receipt.FAILED, "refused", null, "renew", null, null, 5, null, -1, -1, "c", "1.0");
        assertEquals("{\"host\":\"resolver1\",\"manager\":true}", new String(manager.key(), StandardCharsets.UTF_8));
        assertNull(manager.configChanged());
        assertFalse(manager.toJsonText().contains("configChanged"));
    }

    @Test
    void readersIgnoreUnknownFieldsAndRefuseOtherSchemas() {
        Receipt read = Receipt.fromJson(("{\"schema\":1,\"kind\":\"file\",\"host\":\"h\",\"outcome\":\"rejected\","
                + "\"reason\":\"bad\",\"future\":{\"x\":[1,2]},\"file\":\"a\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals("bad", read.reason());
        assertEquals("a", read.file());
        assertEquals(-1, read.length());
        assertThrows(IllegalArgumentException.class, () -> Receipt.fromJson(
                "{\"schema\":2,\"kind\":\"file\",\"host\":\"h\",\"outcome\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> Receipt.fromJson("nope".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> Receipt.fromJson(
                "{\"schema\":1,\"kind\":\"file\"}".getBytes(StandardCharsets.UTF_8)));
    }
}
