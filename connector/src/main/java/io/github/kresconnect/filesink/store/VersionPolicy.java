package io.github.kresconnect.filesink.store;

import java.time.Clock;
import java.time.Duration;

/**
 * Signed versions never move back: a version is checked against the floor of its file ({@link StoreState#floor}:
 * the newest signed version put in place or pending), never against the file in place alone, so neither a
 * dropped publication nor an unsigned file lowers it.
 */
final class VersionPolicy {
    /** How far a signed version may be ahead of this host's clock. */
    static final long MAX_VERSION_AHEAD_MS = 24L * 60 * 60 * 1000;

    private final StoreState state;
    private final Clock clock;

    VersionPolicy(StoreState state, Clock clock) {
        this.state = state;
        this.clock = clock;
    }

    /**
     * A signed version older than the newest one in place or pending can never be published: it would roll the
     * resolver back. A version far ahead of this host's clock is a condition of the host (or of the publisher's
     * clock), not a fault of the record: delivery pauses until the clocks agree.
     */
    void refuseOlder(SafeFileName name, long version) throws RejectedFileException, HostConditionException {
        if (version == StoreState.UNVERSIONED) {
            return;
        }
        long now = clock.millis();
        if (version > now + MAX_VERSION_AHEAD_MS) {
            throw new HostConditionException("version " + version + " of " + name + " is "
                    + Duration.ofMillis(version - now).toHours() + " h ahead of this host's clock (" + now + " ms; "
                    + "versions are publication times in milliseconds): this host's clock, or the publisher's, is "
                    + "wrong. Delivery pauses and retries; nothing is skipped. Check NTP on both");
        }
        long floor = state.floor(name.value());
        if (version < floor) {
            throw new RejectedFileException(RejectedFileException.Kind.REPLAYED_VERSION, "replayed or older version: "
                    + name + " version " + version + " is older than version " + floor + " in place");
        }
        long minimum = state.minimum(name.value());
        if (version < minimum) {
            throw new RejectedFileException(RejectedFileException.Kind.REPLAYED_VERSION, "replayed or older version: "
                    + name + " version " + version + " is older than version " + minimum + ", which a signed "
                    + "freshness statement names as the newest");
        }
    }

    /** The same signed version again is harmless only with the same content as the file of that version. */
    void refuseNotNewer(SafeFileName name, long version, String sha256) throws RejectedFileException {
        long floor = state.floor(name.value());
        if (version == StoreState.UNVERSIONED || version > floor) {
            return;
        }
        StoreState.Pending pending = state.pendingOf(name.value());
        StoreState.PlacedFile placed = state.placed(name.value());
        boolean sameFile = pending != null ? pending.version() == version && pending.sha256().equals(sha256)
                : placed != null && placed.version() == version && placed.sha256().equals(sha256);
        if (version < floor || !sameFile) {
            throw new RejectedFileException(RejectedFileException.Kind.REPLAYED_VERSION, "replayed or older version: "
                    + name + " version " + version + " is not newer than version " + floor + " in place, and its "
                    + "content differs");
        }
    }
}
