package io.github.kresconnect.filesink.store;

/** What publishing a prepared file did. */
public enum PublishOutcome {
    /** The new content replaced (or created) the file; the previous content is in F.backup. */
    PUBLISHED,
    /** The content equals the current file (a replay): nothing was replaced. */
    UNCHANGED
}
