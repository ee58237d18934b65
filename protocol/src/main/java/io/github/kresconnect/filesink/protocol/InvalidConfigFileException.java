package io.github.kresconnect.filesink.protocol;

/**
 * A configuration file the connector refuses ({@link ConfigFileValidator}). The message names the file, quoted
 * by {@link FileNames#quote(String)}, and says why, with the parser's line and column where it has them.
 */
public final class InvalidConfigFileException extends Exception {
    private final boolean tooLarge;

    InvalidConfigFileException(String message, boolean tooLarge) {
        super(message);
        this.tooLarge = tooLarge;
    }

    /** Refused for its size alone (above config.file.max.bytes), not for its content. */
    public boolean tooLarge() {
        return tooLarge;
    }
}
