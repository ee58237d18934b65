package io.github.kresconnect.filesink.protocol;

/** A signing or trusted key that cannot be read: the reason says what is wrong and where. */
public final class KeyFormatException extends Exception {
    public KeyFormatException(String reason) {
        super(reason);
    }

    public KeyFormatException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
