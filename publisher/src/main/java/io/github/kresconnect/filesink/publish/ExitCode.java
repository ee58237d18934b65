package io.github.kresconnect.filesink.publish;

/** The publisher's exit statuses. Each failure class has its own code, so scripts can react to it. */
public enum ExitCode {
    OK(0, "every record was acknowledged by the broker (or --dry-run: the plan is valid)"),
    INTERNAL_ERROR(1, "unexpected error"),
    USAGE(2, "bad arguments, including a file name given twice and a --chunk-size the producer's "
            + "max.request.size cannot carry"),
    PRODUCER_CONFIG(3, "unreadable or invalid --producer-config (for example incomplete SASL settings)"),
    FILE(4, "a file is missing or unreadable, or changed while being sent"),
    BROKER_UNREACHABLE(5, "no broker answered within --timeout (host name not resolved, connection refused, "
            + "or no answer)"),
    TOPIC_MISSING(6, "the topic does not exist (the publisher never creates it)"),
    DELIVERY_FAILED(7, "a record was not acknowledged; later files, configs included, were not sent"),
    NOT_AUTHORIZED(8, "authentication failed or the principal may not describe or write the topic"),
    INVALID_FILE(9, "a file the connector would refuse (its name, its size, its chunk count, or an invalid "
            + "configuration file); nothing was sent"),
    REJECTED_BY_HOST(10, "--wait: every record was acknowledged, but a host rejected a file (or discarded its "
            + "transfer); the lines printed say which and why"),
    NO_ANSWER(11, "--wait: a host did not answer for every file (or its reload) within the wait");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
