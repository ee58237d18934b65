package io.github.kresconnect.filesink.store;

/** What a published file asks of the resolver: a config file needs a reload, any other file a renew. */
public enum FileKind {
    CONFIG,
    DATA
}
