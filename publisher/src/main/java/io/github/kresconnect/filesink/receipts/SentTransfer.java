package io.github.kresconnect.filesink.receipts;

/** One file the publisher sent: its name, whether it is a configuration file, and its transfer's identity. */
public record SentTransfer(String file, boolean config, String transferId, String sha256, long length) {
}
