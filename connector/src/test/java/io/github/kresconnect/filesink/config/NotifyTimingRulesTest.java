package io.github.kresconnect.filesink.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** notify.quiet.period.ms and notify.max.delay.ms: each at least 1, and the quiet period at most the max delay. */
class NotifyTimingRulesTest {

    private static ResolverFileSinkConfig config(String quietMs, String maxDelayMs) {
        return new ResolverFileSinkConfig(Map.of(
                ResolverFileSinkConfig.NOTIFY_QUIET_MS_CONFIG, quietMs,
                ResolverFileSinkConfig.NOTIFY_MAX_DELAY_MS_CONFIG, maxDelayMs));
    }

    private static void assertRefused(String quietMs, String maxDelayMs, String setting, String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> config(quietMs, maxDelayMs));
        assertTrue(e.getMessage().startsWith("Invalid value " + value + " for configuration " + setting + ": "),
                e.getMessage());
        assertTrue(e.getMessage().contains(ResolverFileSinkConfig.NOTIFY_QUIET_MS_CONFIG)
                && e.getMessage().contains(ResolverFileSinkConfig.NOTIFY_MAX_DELAY_MS_CONFIG),
                "names both settings: " + e.getMessage());
    }

    @Test
    void aQuietPeriodBelowOneMillisecondIsRefused() {
        assertRefused("0", "60000", ResolverFileSinkConfig.NOTIFY_QUIET_MS_CONFIG, "0");
        assertRefused("-5", "60000", ResolverFileSinkConfig.NOTIFY_QUIET_MS_CONFIG, "-5");
    }

    @Test
    void aMaxDelayBelowOneMillisecondIsRefused() {
        assertRefused("1", "0", ResolverFileSinkConfig.NOTIFY_MAX_DELAY_MS_CONFIG, "0");
        assertRefused("1", "-1", ResolverFileSinkConfig.NOTIFY_MAX_DELAY_MS_CONFIG, "-1");
    }

    @Test
    void aQuietPeriodLongerThanTheMaxDelayIsRefused() {
        assertRefused("60001", "60000", ResolverFileSinkConfig.NOTIFY_QUIET_MS_CONFIG, "60001");
        // Only the max delay set, below the default quiet period (5000).
        ConfigException e = assertThrows(ConfigException.class, () -> new ResolverFileSinkConfig(
                Map.of(ResolverFileSinkConfig.NOTIFY_MAX_DELAY_MS_CONFIG, "4999")));
        assertTrue(e.getMessage().contains("Invalid value 5000 for configuration notify.quiet.period.ms: must be "
                + "at most notify.max.delay.ms (4999 ms)"), e.getMessage());
    }

    @Test
    void theBoundariesAndTheDefaultsAreAccepted() {
        assertDoesNotThrow(() -> config("1", "1"));
        assertDoesNotThrow(() -> config("60000", "60000"));
        ResolverFileSinkConfig defaults = new ResolverFileSinkConfig(Map.of());
        assertEquals(5_000, defaults.notifyQuietPeriod().toMillis());
        assertEquals(60_000, defaults.notifyMaxDelay().toMillis());
    }

    @Test
    void theRuleNamesTheSettingToReportItOn() {
        assertEquals(Optional.empty(), ResolverFileSinkConfig.notifyTimingProblem(5_000, 60_000));
        assertEquals(ResolverFileSinkConfig.NOTIFY_QUIET_MS_CONFIG,
                ResolverFileSinkConfig.notifyTimingProblem(0, 60_000).orElseThrow().setting());
        assertEquals(ResolverFileSinkConfig.NOTIFY_MAX_DELAY_MS_CONFIG,
                ResolverFileSinkConfig.notifyTimingProblem(5_000, 0).orElseThrow().setting());
        assertEquals(ResolverFileSinkConfig.NOTIFY_QUIET_MS_CONFIG,
                ResolverFileSinkConfig.notifyTimingProblem(5_001, 5_000).orElseThrow().setting());
    }
}
