package io.github.kresconnect.filesink.store;

import java.io.IOException;

/**
 * A condition of the host, not a fault of the record (its clock far behind a signed version): like an I/O
 * failure of the files directory, delivery pauses and the record is tried again later; it is never rejected.
 */
public final class HostConditionException extends IOException {
    private static final long serialVersionUID = 1L;

    public HostConditionException(String message) {
        super(message);
    }
}
