package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.receipts.Receipt;

/** Versions that need no agreement of clocks: above the newest a host holds, whatever this machine's clock. */
class VersionChoiceTest {
    private static Receipt file(String host, String name, long version, String outcome) {
        return new Receipt("file", host, host, name, 10, "00".repeat(32), null, version, outcome, null, null, null,
                null, null, 0, "t", 0, 0, "c", "1");
    }

    @Test
    void aClockBehindTheNewestVersionStillSignsANewerOne() throws Exception {
        List<Receipt> receipts = List.of(file("r1", "a.rpz", 2_000, "published"), file("r2", "a.rpz", 1_500,
                "published"), file("r1", "b.rpz", 9_000, "published"));
        OptionalLong newest = VersionChoice.newest(receipts, Set.of("a.rpz"));
        assertEquals(OptionalLong.of(2_000), newest, "the run's own files only");
        assertEquals(2_001, VersionChoice.choose(1_000, newest), "a slower clock than the last publisher's");
        assertEquals(2_001, VersionChoice.choose(2_000, newest), "the same millisecond as the last publication");
        assertEquals(5_000, VersionChoice.choose(5_000, newest), "a clock ahead: the clock");
        assertEquals(5_000, VersionChoice.choose(5_000, OptionalLong.empty()), "no receipt: the clock");
    }

    @Test
    void onlyVersionsAHostHoldsCount() {
        List<Receipt> receipts = List.of(file("r1", "a.rpz", 7_000, "rejected"), file("r1", "a.rpz", 6_000,
                "discarded"), file("r1", "a.rpz", 3_000, "unchanged"), file("r1", "a.rpz", -1, "published"));
        assertEquals(OptionalLong.of(3_000), VersionChoice.newest(receipts, Set.of("a.rpz")));
    }

    @Test
    void theHighestVersionLeavesNoRoomAndSaysWhatToDo() {
        PublishException e = assertThrows(PublishException.class, () -> VersionChoice.choose(1_000,
                OptionalLong.of(Long.MAX_VALUE)));
        assertTrue(e.getMessage().contains("reset-floor"), e.getMessage());
    }
}
