package io.github.kresconnect.filesink.store;

/**
 * The input can never become a file as sent (unsafe name, a path that can never be written, invalid config,
 * too large, inconsistent chunks, a digest that does not match). Whatever its transfer had staged is
 * discarded; the files already in place are untouched.
 */
public final class RejectedFileException extends Exception {

    /** Why, as operators count it. */
    public enum Kind {
        /** The name could escape the files directory or collide with the store's own names. */
        UNSAFE_NAME,
        /** Something already in the files directory stands in the way (a link, a file where a directory goes). */
        PATH_CONFLICT,
        /** A configuration file that does not parse, or whose top level is not a mapping. */
        INVALID_CONFIG,
        /** Above file.max.bytes or config.file.max.bytes. */
        TOO_LARGE,
        /** Chunks that cannot belong to one file (one transfer's chunk repeated with other bytes). */
        INCONSISTENT_CHUNKS,
        /** The assembled file's length or SHA-256 differs from what the transfer's headers announced. */
        DIGEST_MISMATCH,
        /** A signed version that is not newer than the one in place, with other content: a replay or rollback. */
        REPLAYED_VERSION
    }

    private final Kind kind;

    public RejectedFileException(Kind kind, String reason) {
        super(reason);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
