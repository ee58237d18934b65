package io.github.kresconnect.filesink.notify;

import java.util.List;
import java.util.Optional;

/** Hears how each request to the manager went (for the task's metrics). */
public interface ManagerRequestListener {
    ManagerRequestListener NONE = new ManagerRequestListener() {
    };

    default void accepted(ManagerRequest request) {
    }

    /** The request will be retried (or absorbed by a newer one). */
    default void failed(ManagerRequest request) {
    }

    /**
     * How one attempt went, in full: called after {@link #accepted} or {@link #failed}, with the running
     * configuration's ETag before and after the request where it could be read, and the failure's reason.
     */
    default void outcome(ManagerRequest request, boolean accepted, Optional<String> etagBefore,
            Optional<String> etagAfter, String failure) {
    }

    /** As the other {@code outcome}, with the files the request was for (called instead of it). */
    default void outcome(ManagerRequest request, List<ChangedFile> files, boolean accepted,
            Optional<String> etagBefore, Optional<String> etagAfter, String failure) {
        outcome(request, accepted, etagBefore, etagAfter, failure);
    }

    /** Both listeners, in order. */
    static ManagerRequestListener both(ManagerRequestListener first, ManagerRequestListener second) {
        return new ManagerRequestListener() {
            @Override
            public void accepted(ManagerRequest request) {
                first.accepted(request);
                second.accepted(request);
            }

            @Override
            public void failed(ManagerRequest request) {
                first.failed(request);
                second.failed(request);
            }

            @Override
            public void outcome(ManagerRequest request, boolean accepted, Optional<String> etagBefore,
                    Optional<String> etagAfter, String failure) {
                first.outcome(request, accepted, etagBefore, etagAfter, failure);
                second.outcome(request, accepted, etagBefore, etagAfter, failure);
            }

            @Override
            public void outcome(ManagerRequest request, List<ChangedFile> files, boolean accepted,
                    Optional<String> etagBefore, Optional<String> etagAfter, String failure) {
                first.outcome(request, files, accepted, etagBefore, etagAfter, failure);
                second.outcome(request, files, accepted, etagBefore, etagAfter, failure);
            }
        };
    }
}
