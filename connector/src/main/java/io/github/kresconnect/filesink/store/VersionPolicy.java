package io.github.kresconnect.filesink.store;

/**
 * Signed versions never move back: a version is checked against the floor of its file ({@link StoreState#floor}:
 * the newest signed version put in place or pending), never against the file in place alone, so neither a
 * dropped publication nor an unsigned file lowers it. This host's clock plays no part: a version is only
 * compared with other versions. A version far ahead (a stolen key's) is undone by a revocation list that revokes
 * the key and lowers the floor ({@link JournalOp.ResetFloor}).
 */
final class VersionPolicy {
    private final StoreState state;

    VersionPolicy(StoreState state) {
        this.state = state;
    }

    /**
     * A signed version older than the newest one in place or pending can never be published: it would roll the
     * resolver back.
     */
    void refuseOlder(SafeFileName name, long version) throws RejectedFileException {
        if (version == StoreState.UNVERSIONED) {
            return;
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
