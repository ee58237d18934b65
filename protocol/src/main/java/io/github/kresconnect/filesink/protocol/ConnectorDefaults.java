package io.github.kresconnect.filesink.protocol;

/**
 * The connector's settings and defaults that the publisher needs too (it checks files against the same limits
 * before sending, and names the setting its keys go into). The connector's configuration defines them from here.
 */
public final class ConnectorDefaults {
    public static final String CONFIG_SUFFIXES_DEFAULT = ".json,.yaml,.yml";
    public static final long FILE_MAX_BYTES_DEFAULT = 1024L * 1024 * 1024;
    public static final long CONFIG_MAX_BYTES_DEFAULT = 16L * 1024 * 1024;
    public static final int CHUNKS_MAX_COUNT_DEFAULT = 8192;
    public static final String SIGNATURES_TRUSTED_KEYS_CONFIG = "signatures.trusted.keys";

    private ConnectorDefaults() {
    }
}
