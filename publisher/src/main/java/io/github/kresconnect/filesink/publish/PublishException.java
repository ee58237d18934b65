package io.github.kresconnect.filesink.publish;

/** A failure the operator must act on; its message says what went wrong and what to do. */
public final class PublishException extends Exception {
    private final ExitCode exitCode;

    public PublishException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public PublishException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }
}
