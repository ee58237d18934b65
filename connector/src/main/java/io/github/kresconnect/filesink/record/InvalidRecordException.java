package io.github.kresconnect.filesink.record;

/** A record that can never be handled as it is: its reason names the header and value at fault. */
public final class InvalidRecordException extends Exception {
    public InvalidRecordException(String reason) {
        super(reason);
    }
}
