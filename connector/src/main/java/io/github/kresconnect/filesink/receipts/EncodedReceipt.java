package io.github.kresconnect.filesink.receipts;

/**
 * A receipt as its record on the receipts topic carries it: the key and the JSON value ({@link Receipt#key()},
 * {@link Receipt#toJson()}). A receipt is encoded once, where it is made; the store keeps these bytes and the
 * transport sends them, neither reads them again. The arrays are not changed by anyone once made.
 */
public record EncodedReceipt(byte[] key, byte[] value) {

    public static EncodedReceipt of(Receipt receipt) {
        return new EncodedReceipt(receipt.key(), receipt.toJson());
    }

    /** The receipt these bytes encode (for reading them back, not on the sending path). */
    public Receipt decode() {
        return Receipt.fromJson(value);
    }
}
