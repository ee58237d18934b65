package io.github.kresconnect.filesink.metrics;

import io.github.kresconnect.filesink.store.RejectedFileException;

/** Why a record was rejected, as operators count it. */
public enum RejectionReason {
    INVALID_RECORD("invalid-record", "malformed headers or value, or no recipient"),
    UNSAFE_NAME("unsafe-name", "a file name that could escape the files directory or is reserved"),
    PATH_CONFLICT("path-conflict", "something in the files directory stands in the way"),
    INVALID_CONFIG("invalid-config", "a configuration file that does not validate"),
    TOO_LARGE("too-large", "a file above the size limits"),
    INCONSISTENT_CHUNKS("inconsistent-chunks", "chunks that cannot belong to one file"),
    DIGEST_MISMATCH("digest-mismatch", "an assembled file whose length or SHA-256 differs from its headers"),
    REPLAYED_VERSION("replayed-version", "a signed file older than, or as old as, the version in place"),
    BAD_SIGNATURE("bad-signature", "unsigned while signatures are required, signed by a key not trusted while they "
            + "are required, or a signature that does not verify");

    private final String metricSuffix;
    private final String description;

    RejectionReason(String metricSuffix, String description) {
        this.metricSuffix = metricSuffix;
        this.description = description;
    }

    public String metricSuffix() {
        return metricSuffix;
    }

    public String description() {
        return description;
    }

    public static RejectionReason of(RejectedFileException.Kind kind) {
        return switch (kind) {
            case UNSAFE_NAME -> UNSAFE_NAME;
            case PATH_CONFLICT -> PATH_CONFLICT;
            case INVALID_CONFIG -> INVALID_CONFIG;
            case TOO_LARGE -> TOO_LARGE;
            case INCONSISTENT_CHUNKS -> INCONSISTENT_CHUNKS;
            case DIGEST_MISMATCH -> DIGEST_MISMATCH;
            case REPLAYED_VERSION -> REPLAYED_VERSION;
        };
    }
}
