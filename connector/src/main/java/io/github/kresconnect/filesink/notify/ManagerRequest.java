package io.github.kresconnect.filesink.notify;

import java.util.Optional;

import io.github.kresconnect.filesink.store.FileKind;

/** What the manager is asked to do. A reload re-reads everything a renew would, so it covers a renew. */
public enum ManagerRequest {
    RENEW("renew"),
    RELOAD("reload");

    private final String word;

    ManagerRequest(String word) {
        this.word = word;
    }

    public static ManagerRequest forKind(FileKind kind) {
        return kind == FileKind.CONFIG ? RELOAD : RENEW;
    }

    /** The request that covers both; either may be null. */
    static ManagerRequest covering(ManagerRequest a, ManagerRequest b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a == RELOAD || b == RELOAD ? RELOAD : RENEW;
    }

    /** {@code /reload}, {@code /renew}, or their {@code /force} variants. */
    public String path(boolean force) {
        return "/" + word + (force ? "/force" : "");
    }

    /** The word used in logs and in the state file. */
    public String word() {
        return word;
    }

    static Optional<ManagerRequest> fromWord(String word) {
        for (ManagerRequest request : values()) {
            if (request.word.equals(word)) {
                return Optional.of(request);
            }
        }
        return Optional.empty();
    }
}
