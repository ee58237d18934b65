package io.github.kresconnect.filesink.notify;

/** Hears how each request to the manager went (for the task's metrics). */
public interface ManagerRequestListener {
    ManagerRequestListener NONE = new ManagerRequestListener() {
        @Override
        public void accepted(ManagerRequest request) {
        }

        @Override
        public void failed(ManagerRequest request) {
        }
    };

    void accepted(ManagerRequest request);

    /** The request will be retried (or absorbed by a newer one). */
    void failed(ManagerRequest request);
}
