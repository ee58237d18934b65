package io.github.kresconnect.filesink.store;

/**
 * The input can never become a file as sent (unsafe name, invalid config, too large, inconsistent chunks).
 * Whatever it had staged is discarded; the files already in place are untouched.
 */
public final class RejectedFileException extends Exception {
    public RejectedFileException(String reason) {
        super(reason);
    }

    public RejectedFileException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
