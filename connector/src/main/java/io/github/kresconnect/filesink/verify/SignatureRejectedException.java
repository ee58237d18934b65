package io.github.kresconnect.filesink.verify;

/** A record whose signature is missing while required, unknown, malformed or does not verify; the reason says which. */
public final class SignatureRejectedException extends Exception {
    public SignatureRejectedException(String reason) {
        super(reason);
    }
}
