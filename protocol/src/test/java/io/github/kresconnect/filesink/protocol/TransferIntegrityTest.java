package io.github.kresconnect.filesink.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class TransferIntegrityTest {
    private static final String ID = "0123456789abcdef0123456789abcdef";
    /** SHA-256 of "test". */
    private static final String TEST_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    @Test
    void freshIdsAre128RandomBitsInLowercaseHex() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = TransferIntegrity.newTransferId();
            assertTrue(ProtocolHeaders.isTransferId(id), id);
            ids.add(id);
        }
        assertEquals(1000, ids.size());
    }

    @Test
    void eachNewDigestStartsFromNothingWhateverAnotherOneWasFed() {
        java.security.MessageDigest fed = TransferIntegrity.newSha256();
        fed.update("other bytes".getBytes(StandardCharsets.US_ASCII));
        java.security.MessageDigest fresh = TransferIntegrity.newSha256();
        assertNotSame(fed, fresh);
        assertEquals(TEST_SHA256, java.util.HexFormat.of().formatHex(
                fresh.digest("test".getBytes(StandardCharsets.US_ASCII))));
        assertNotEquals(TEST_SHA256, java.util.HexFormat.of().formatHex(
                fed.digest("test".getBytes(StandardCharsets.US_ASCII))), "the first digest kept what it was fed");
    }

    @Test
    void aNewTransferCarriesTheDigestInLowercaseHex() {
        byte[] digest = TransferIntegrity.newSha256().digest("test".getBytes(StandardCharsets.US_ASCII));
        TransferIntegrity first = TransferIntegrity.forNewTransfer(4, digest);
        TransferIntegrity second = TransferIntegrity.forNewTransfer(4, digest);
        assertEquals(TEST_SHA256, first.sha256Hex());
        assertEquals(4, first.length());
        assertNotEquals(first.transferId(), second.transferId());
        assertTrue(first.matches(4, digest));
        assertFalse(first.matches(5, digest));
        digest[0] ^= 1;
        assertFalse(first.matches(4, digest));
    }

    @Test
    void theConstructorChecksEveryComponent() {
        new TransferIntegrity(ID, 0, TEST_SHA256);
        assertThrows(IllegalArgumentException.class, () -> new TransferIntegrity(ID.toUpperCase(), 0, TEST_SHA256));
        assertThrows(IllegalArgumentException.class, () -> new TransferIntegrity(ID + "0", 0, TEST_SHA256));
        assertThrows(IllegalArgumentException.class, () -> new TransferIntegrity(null, 0, TEST_SHA256));
        assertThrows(IllegalArgumentException.class, () -> new TransferIntegrity(ID, -1, TEST_SHA256));
        assertThrows(IllegalArgumentException.class, () -> new TransferIntegrity(ID, 0, TEST_SHA256.substring(2)));
        assertThrows(IllegalArgumentException.class, () -> new TransferIntegrity(ID, 0, TEST_SHA256.toUpperCase()));
        assertThrows(IllegalArgumentException.class, () -> new TransferIntegrity(ID, 0, null));
        assertThrows(IllegalArgumentException.class, () -> TransferIntegrity.sha256Hex(new byte[31]));
    }
}
