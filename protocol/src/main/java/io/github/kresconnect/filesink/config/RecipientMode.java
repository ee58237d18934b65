package io.github.kresconnect.filesink.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How a record names the resolver it is for. */
public enum RecipientMode {
    /** The 'hostname' header equals this resolver's host name (the original protocol). */
    HOSTNAME("hostname"),
    /** The record key equals one of this resolver's zone ids (later upstream variant). */
    ZONE_ID("zone-id"),
    /** Either of the above. */
    HOSTNAME_OR_ZONE_ID("hostname-or-zone-id");

    private final String configValue;

    RecipientMode(String configValue) {
        this.configValue = configValue;
    }

    public String configValue() {
        return configValue;
    }

    public boolean usesHostname() {
        return this != ZONE_ID;
    }

    public boolean usesZoneId() {
        return this != HOSTNAME;
    }

    public static RecipientMode fromConfigValue(String value) {
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        for (RecipientMode mode : values()) {
            if (mode.configValue.equals(wanted)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown recipient mode '" + value + "', expected one of " + allValues());
    }

    public static String allValues() {
        return Arrays.stream(values()).map(RecipientMode::configValue).collect(Collectors.joining(", "));
    }
}
