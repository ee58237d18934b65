package io.github.kresconnect.filesink.store.powercut;

import java.io.IOException;

/** One operation on the real file system. */
@FunctionalInterface
interface IoCall<T> {
    T call() throws IOException;
}
