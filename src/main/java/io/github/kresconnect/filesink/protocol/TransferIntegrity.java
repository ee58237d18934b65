package io.github.kresconnect.filesink.protocol;

/** Placeholder until the protocol package lands: one transfer's identity, whole length and SHA-256. */
public record TransferIntegrity(String transferId, long length, String sha256Hex) {
}
