package io.github.kresconnect.filesink.metrics;

/** Why a record was rejected, as operators count it. */
public enum RejectionReason {
    INVALID_RECORD("invalid-record", "malformed headers or value, or no recipient"),
    INVALID_FILE("invalid-file", "unsafe name, invalid config, too large or inconsistent chunks");

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
}
