package io.github.kresconnect.filesink.store;

import java.time.Duration;
import java.util.Set;

/** What the file store needs to know, free of any Connect type. */
public record StoreSettings(Set<String> configSuffixes, long maxFileBytes, long maxConfigBytes, Duration staleAfter) {
    public StoreSettings {
        configSuffixes = Set.copyOf(configSuffixes);
    }
}
