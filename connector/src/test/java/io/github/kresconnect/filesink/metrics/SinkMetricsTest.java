package io.github.kresconnect.filesink.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.notify.ManagerRequest;
import io.github.kresconnect.filesink.notify.ManagerRequestListener;

class SinkMetricsTest {
    private final AtomicLong now = new AtomicLong(1_767_225_600_000L);
    private final SinkMetrics metrics = new SinkMetrics(now::get);
    private final ManagerRequestListener listener = metrics.managerRequestListener();

    private long failingSince() {
        return metrics.snapshot().get("manager-failing-since-epoch-ms");
    }

    @Test
    void managerFailingSinceIsTheFirstFailureOfAStreakAndZeroOnceAccepted() {
        assertEquals(0L, failingSince(), "fine before any request");
        listener.accepted(ManagerRequest.RENEW);
        assertEquals(0L, failingSince());

        long first = now.addAndGet(1_000);
        listener.failed(ManagerRequest.RENEW);
        assertEquals(first, failingSince());
        now.addAndGet(5_000);
        listener.failed(ManagerRequest.RELOAD);
        assertEquals(first, failingSince(), "a later failure of the same streak keeps the start");
        assertEquals(2L, metrics.snapshot().get("manager-requests-failed"));

        now.addAndGet(5_000);
        listener.accepted(ManagerRequest.RELOAD);
        assertEquals(0L, failingSince());

        long again = now.addAndGet(60_000);
        listener.failed(ManagerRequest.RELOAD);
        assertEquals(again, failingSince(), "a new streak starts anew");
    }
}
