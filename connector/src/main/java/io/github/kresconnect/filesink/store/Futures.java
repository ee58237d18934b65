package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for the store's own threads (the commit thread, the work file writer) and passing on their failures. */
final class Futures {
    private Futures() {
    }

    /**
     * The result of {@code future}: an {@link IOException} it ended with (the environment's) is thrown as it is,
     * as are runtime exceptions and errors; an interruption becomes an IOException that says what was waited for.
     */
    static <T> T get(Future<T> future, String waitingFor) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + waitingFor, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(cause);
        }
    }
}
