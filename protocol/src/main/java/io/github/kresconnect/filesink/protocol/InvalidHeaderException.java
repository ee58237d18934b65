package io.github.kresconnect.filesink.protocol;

/** A protocol header whose text breaks the protocol's rules; the reason names the header and quotes the value. */
public final class InvalidHeaderException extends Exception {
    private final String header;

    public InvalidHeaderException(String header, String reason) {
        super(reason);
        this.header = header;
    }

    /** The header's name. */
    public String header() {
        return header;
    }
}
