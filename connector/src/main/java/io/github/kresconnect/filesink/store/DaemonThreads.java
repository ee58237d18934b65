package io.github.kresconnect.filesink.store;

import java.util.concurrent.ThreadFactory;

/** The store's own threads: daemons (a stuck one never holds the worker's exit), named for thread dumps. */
final class DaemonThreads {
    private DaemonThreads() {
    }

    static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
