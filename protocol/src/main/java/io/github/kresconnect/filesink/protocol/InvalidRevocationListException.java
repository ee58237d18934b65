package io.github.kresconnect.filesink.protocol;

/** A revocation list ({@link RevocationList}) that does not parse; the message names the line and says why. */
public final class InvalidRevocationListException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidRevocationListException(String message) {
        super(message);
    }
}
