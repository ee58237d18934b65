package io.github.kresconnect.filesink.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void doublesUpToTheMaximumAndStartsOverAfterASuccess() {
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(5));
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            waits.add(backoff.next().toMillis());
        }
        assertEquals(List.of(500L, 1000L, 2000L, 4000L, 5000L, 5000L), waits);
        backoff.reset();
        assertEquals(500L, backoff.next().toMillis());
    }

    @Test
    void manyFailuresInARowStayAtTheMaximum() {
        Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofDays(365));
        assertEquals(1L << 30, backoff.waitAfter(31));
        assertEquals(1L << 30, backoff.waitAfter(Integer.MAX_VALUE));
        Backoff huge = new Backoff(Duration.ofMillis(Long.MAX_VALUE / 2), Duration.ofMillis(Long.MAX_VALUE));
        assertEquals(Long.MAX_VALUE, huge.waitAfter(3), "shifted past the sign bit: the maximum");
    }

    @Test
    void jitterTakesOffAtMostItsShare() {
        Backoff none = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.2, () -> 0.0);
        Backoff most = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.2, () -> 0.999_999);
        for (int n = 1; n <= 10; n++) {
            long base = Math.min(60_000, 1000L << (n - 1));
            assertEquals(base, none.waitAfter(n));
            assertTrue(most.waitAfter(n) > base * 0.8 - 1 && most.waitAfter(n) < base, "failure " + n);
        }
        assertEquals(1, new Backoff(Duration.ZERO, Duration.ZERO).next().toMillis(), "never a busy loop");
        assertEquals(1000, new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).next().toMillis(),
                "a first wait above the maximum waits the maximum");
    }

    @Test
    void refusesWhatIsNotABackoff() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(-1), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), 1.0, () -> 0));
    }
}
