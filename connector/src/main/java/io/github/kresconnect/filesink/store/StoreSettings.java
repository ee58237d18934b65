package io.github.kresconnect.filesink.store;

import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;

/**
 * What the file store needs to know, free of any Connect type. {@code newFileMode} is the mode of a file that
 * did not exist before; a replaced file keeps its predecessor's mode (and group, where the worker may set it).
 */
public record StoreSettings(Set<String> configSuffixes, long maxFileBytes, long maxConfigBytes, Duration staleAfter,
        Set<PosixFilePermission> newFileMode, Duration transferGap) {

    public static final Set<PosixFilePermission> DEFAULT_NEW_FILE_MODE = PosixFilePermissions.fromString("rw-r--r--");
    /**
     * Chunks without a transfer id created further apart than this belong to different transfers (see
     * {@link TransferRules}): longer than a producer blocks on a full buffer (max.block.ms, 60 s by default).
     */
    public static final Duration DEFAULT_TRANSFER_GAP = Duration.ofMinutes(2);

    public StoreSettings {
        configSuffixes = Set.copyOf(configSuffixes);
        newFileMode = Set.copyOf(newFileMode);
    }

    public StoreSettings(Set<String> configSuffixes, long maxFileBytes, long maxConfigBytes, Duration staleAfter,
            Set<PosixFilePermission> newFileMode) {
        this(configSuffixes, maxFileBytes, maxConfigBytes, staleAfter, newFileMode, DEFAULT_TRANSFER_GAP);
    }

    public StoreSettings(Set<String> configSuffixes, long maxFileBytes, long maxConfigBytes, Duration staleAfter) {
        this(configSuffixes, maxFileBytes, maxConfigBytes, staleAfter, DEFAULT_NEW_FILE_MODE);
    }
}
