package io.github.kresconnect.filesink.freshness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.store.FileStore.StatementSeen;

class FreshnessMonitorTest {
    private final List<FreshnessMonitor.Change> changes = new ArrayList<>();
    private final int[] metric = {-1, -1};
    private final Map<String, Long> held = new HashMap<>();

    private FreshnessMonitor monitor(long grace, boolean required) {
        return new FreshnessMonitor(grace, required, (state, withheld) -> {
            metric[0] = state;
            metric[1] = withheld;
        }, changes::add);
    }

    private long held(String file) {
        return held.getOrDefault(file, -1L);
    }

    @Test
    void aFileOlderThanStatedIsWithheldAfterTheGraceAndFreshOnceItArrives() {
        FreshnessMonitor monitor = monitor(1000, false);
        held.put("a.rpz", 5L);
        monitor.accepted(new StatementSeen(1, 0, 100_000), Map.of("a.rpz", 7L, "b.rpz", 3L), this::held, 0);
        assertEquals(FreshnessMonitor.State.FRESH, monitor.evaluate(500).orElseThrow().state()); // within grace
        assertEquals(500, monitor.millisUntilDue(500)); // the grace ends before the expiry
        FreshnessMonitor.Change withheld = monitor.evaluate(1000).orElseThrow();
        assertEquals(FreshnessMonitor.State.WITHHELD, withheld.state());
        assertEquals(List.of(new FreshnessMonitor.Withheld("a.rpz", 7, 5), new FreshnessMonitor.Withheld("b.rpz", 3,
                -1)), withheld.withheld());
        assertEquals(2, metric[0]);
        assertEquals(2, metric[1]);
        assertEquals(Optional.empty(), monitor.evaluate(2000)); // one report per change
        monitor.published("a.rpz", 7);
        monitor.published("b.rpz", 3);
        assertEquals(FreshnessMonitor.State.FRESH, monitor.evaluate(2001).orElseThrow().state());
        assertEquals(3, changes.size());
    }

    @Test
    void aStatementPastItsExpiryIsAFreezeUntilANewerOneArrives() {
        FreshnessMonitor monitor = monitor(0, false);
        monitor.accepted(new StatementSeen(1, 0, 1000), Map.of(), this::held, 0);
        assertEquals(FreshnessMonitor.State.FRESH, monitor.evaluate(999).orElseThrow().state());
        assertEquals(1, monitor.millisUntilDue(999));
        FreshnessMonitor.Change frozen = monitor.evaluate(1000).orElseThrow();
        assertEquals(FreshnessMonitor.State.FROZEN, frozen.state());
        assertTrue(frozen.description().contains("expired"), frozen.description());
        assertEquals(Optional.empty(), monitor.evaluate(5000));
        monitor.accepted(new StatementSeen(2, 4000, 9000), Map.of(), this::held, 5000);
        assertEquals(FreshnessMonitor.State.FRESH, monitor.evaluate(5000).orElseThrow().state());
    }

    @Test
    void noStatementIsNoneOrAFreezeWhenStatementsAreRequired() {
        assertEquals(FreshnessMonitor.State.NONE, monitor(0, false).evaluate(0).orElseThrow().state());
        assertEquals(FreshnessMonitor.State.FROZEN, monitor(0, true).evaluate(0).orElseThrow().state());
    }

    @Test
    void aRestoredStoreComparesItsStatedVersionsAgain() {
        FreshnessMonitor monitor = monitor(0, false);
        monitor.restore(Optional.of(new StatementSeen(4, 0, 10_000)), Map.of("a.rpz", 9L), this::held, 0);
        assertEquals(FreshnessMonitor.State.WITHHELD, monitor.evaluate(1).orElseThrow().state());
    }
}
