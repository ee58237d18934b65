package io.github.kresconnect.filesink.protocol;

/**
 * A file name the connector refuses. The message reads {@code unsafe file name 'NAME': REASON}, with the name
 * quoted by {@link FileNames#quote(String)}; {@link #reason()} is the part after the colon.
 */
public final class InvalidFileNameException extends Exception {
    private final String name;
    private final String reason;

    public InvalidFileNameException(String name, String reason) {
        super("unsafe file name " + FileNames.quote(name) + ": " + reason);
        this.name = name;
        this.reason = reason;
    }

    /** The name as given (may hold control characters: print it with {@link FileNames#quote(String)}). */
    public String name() {
        return name;
    }

    /** Why the name is refused, without the name. */
    public String reason() {
        return reason;
    }
}
