package io.github.kresconnect.filesink.receipts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class FleetStatusTest {
    private static Receipt file(String host, String name, String sha, long version, String outcome, long at) {
        return file(host, name, sha, version, outcome, at, "knot-resolver");
    }

    private static Receipt file(String host, String name, String sha, long version, String outcome, long at,
            String topic) {
        return new Receipt(Receipt.KIND_FILE, host, "m-" + host, name, 4, sha, "t", version, outcome,
                Receipt.REJECTED.equals(outcome) ? "invalid" : null, null, null, null, null, at, topic, 0,
                at, "c", "1");
    }

    private static String sha(char c) {
        return String.valueOf(c).repeat(64);
    }

    @Test
    void showsCurrentFilesAndTheHostsBehind() {
        FleetStatus status = new FleetStatus();
        status.accept(file("r1", "a.rpz", sha('1'), -1, Receipt.PUBLISHED, 1_000));
        status.accept(file("r2", "a.rpz", sha('1'), -1, Receipt.PUBLISHED, 1_000));
        status.accept(file("r1", "a.rpz", sha('2'), -1, Receipt.PUBLISHED, 2_000));
        status.accept(file("r1", "a.rpz", sha('2'), -1, Receipt.UNCHANGED, 3_000));
        status.accept(file("r2", "config.yaml", null, -1, Receipt.REJECTED, 3_000));
        status.accept(ReceiptWaitTest.reload("r1", Receipt.ACCEPTED, "e1", "e2", 2_100));
        List<String> lines = status.lines(null, null);
        assertEquals(List.of(
                "r1 (m-r1): last reload accepted, running configuration changed",
                "  a.rpz  sha256 2222222222222222  changed 1970-01-01T00:00:02Z",
                "r2 (m-r2): no reload reported",
                "  a.rpz  sha256 1111111111111111  changed 1970-01-01T00:00:01Z  BEHIND",
                "  config.yaml  not held  last rejected 1970-01-01T00:00:03Z: invalid",
                "Behind the newest version:",
                "  r2 a.rpz (has 1111111111111111, newest 2222222222222222 on r1)"), lines);
        String json = status.json("r2", "a.rpz");
        assertTrue(json.contains("\"behind\" : true"), json);
        assertTrue(!json.contains("\"r1\""), json);
    }

    @Test
    void theHighestSignedVersionIsTheNewest() {
        FleetStatus status = new FleetStatus();
        status.accept(file("r1", "a.rpz", sha('2'), 200, Receipt.PUBLISHED, 1_000));
        status.accept(file("r2", "a.rpz", sha('1'), 100, Receipt.PUBLISHED, 5_000)); // later, but older version
        assertEquals("  r2 a.rpz (has 1111111111111111, newest 2222222222222222 on r1)",
                status.lines(null, null).get(status.lines(null, null).size() - 1));
        status.accept(file("r2", "a.rpz", sha('2'), 200, Receipt.PUBLISHED, 6_000));
        assertEquals("No host lags behind the newest version of a file.",
                status.lines(null, "a.rpz").get(status.lines(null, "a.rpz").size() - 1));
    }

    @Test
    void aGroupsFileIsComparedWithTheSameGroupsCopiesOnly() {
        FleetStatus status = new FleetStatus();
        status.accept(file("r1", "group.rpz", sha('1'), -1, Receipt.PUBLISHED, 1_000, "kr.group.east"));
        status.accept(file("r2", "group.rpz", sha('2'), -1, Receipt.PUBLISHED, 2_000, "kr.group.west"));
        status.accept(file("r3", "group.rpz", sha('1'), -1, Receipt.PUBLISHED, 1_500, "kr.group.east"));
        status.accept(file("r1", "all.rpz", sha('3'), -1, Receipt.PUBLISHED, 1_000, "kr.all"));
        status.accept(file("r2", "all.rpz", sha('4'), -1, Receipt.PUBLISHED, 2_000, "kr.all"));
        List<String> lines = status.lines(null, null);
        assertEquals(List.of("Behind the newest version:",
                "  r1 all.rpz (has 3333333333333333, newest 4444444444444444 on r2)"),
                lines.subList(lines.size() - 2, lines.size()), String.join("\n", lines));
        status.accept(file("r3", "group.rpz", sha('5'), -1, Receipt.PUBLISHED, 3_000, "kr.group.east"));
        assertTrue(status.lines(null, "group.rpz").contains("  r1 group.rpz (has 1111111111111111, newest "
                + "5555555555555555 on r3)"), String.join("\n", status.lines(null, "group.rpz")));
    }

    private static Receipt freshness(String host, String outcome, long sequence, List<Receipt.RequestFile> withheld) {
        return new Receipt(Receipt.KIND_FRESHNESS, host, "m-" + host, null, -1, null, null, sequence, outcome, "words",
                null, null, null, null, 4_000, null, -1, -1, "c", "1", withheld, 86_400_000);
    }

    @Test
    void showsEachHostsFreshnessAndListsTheHostsNotFresh() {
        FleetStatus status = new FleetStatus();
        status.accept(file("r1", "a.rpz", sha('1'), 100, Receipt.PUBLISHED, 1_000));
        status.accept(file("r2", "a.rpz", sha('1'), 100, Receipt.PUBLISHED, 1_000));
        status.accept(freshness("r1", Receipt.FRESH, 7, List.of()));
        status.accept(freshness("r2", Receipt.FRESH, 6, List.of()));
        status.accept(freshness("r2", Receipt.WITHHELD, 7, List.of(new Receipt.RequestFile("a.rpz", null, 200, null))));
        List<String> lines = status.lines(null, null);
        assertEquals("r1 (m-r1): no reload reported; freshness FRESH (statement 7, expires 1970-01-02T00:00:00Z)",
                lines.get(0));
        assertEquals(List.of("Not fresh:", "  r2: freshness WITHHELD (statement 7, expires 1970-01-02T00:00:00Z): "
                + "withheld a.rpz (version 200 stated)"), lines.subList(lines.size() - 2, lines.size()));
        String json = status.json("r2", null);
        assertTrue(json.contains("\"state\" : \"withheld\"") && json.contains("\"stated\" : 200"), json);
        // The receipt's own key keeps the latest freshness per host on a compacted topic.
        assertEquals("{\"host\":\"r2\",\"freshness\":true}",
                new String(freshness("r2", Receipt.FROZEN, 8, List.of()).key(), java.nio.charset.StandardCharsets.UTF_8));
        Receipt read = Receipt.fromJson(freshness("r2", Receipt.FROZEN, 8, List.of()).toJson());
        assertEquals(86_400_000, read.expiresEpochMs());
        assertTrue(read.isFreshness());
    }
}
