package io.github.kresconnect.filesink.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.CoSignature;
import io.github.kresconnect.filesink.protocol.FileNames;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;

class FilePartReaderTest {
    private static final byte[] CONTENT = {0, (byte) 0xC3, (byte) 0xA9, 10};
    private static final String TRANSFER_ID = "0123456789abcdef0123456789abcdef";
    private static final String SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final String UPPER_SHA256 = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";

    private final FilePartReader byHostname = new FilePartReader(RecipientMode.HOSTNAME, "resolver1", Set.of(), 100);

    @Test
    void wholeFileWithoutChunkHeaders() throws Exception {
        FilePart part = byHostname.read(record("zone.rpz", headers("hostname", "resolver1", "file-name", "a.rpz"),
                CONTENT)).orElseThrow();
        assertEquals("a.rpz", part.fileName());
        assertTrue(part.isWholeFile());
        assertArrayEquals(CONTENT, part.content());
    }

    @Test
    void oneOfOneIsAWholeFile() throws Exception {
        FilePart part = byHostname.read(record("a.rpz",
                headers("hostname", "resolver1", "total-chunks", "1", "chunk-index", "1"), CONTENT)).orElseThrow();
        assertTrue(part.isWholeFile());
    }

    @Test
    void fileNameFallsBackToTheKey() throws Exception {
        FilePart part = byHostname.read(record("from-key.rpz", headers("hostname", "resolver1"), CONTENT))
                .orElseThrow();
        assertEquals("from-key.rpz", part.fileName());
    }

    @Test
    void chunkHeadersAsStringsIntegersAndBytes() throws Exception {
        ConnectHeaders strings = headers("hostname", "resolver1", "total-chunks", "3", "chunk-index", "2");
        ConnectHeaders ints = headers("hostname", "resolver1");
        ints.addInt("total-chunks", 3).addLong("chunk-index", 2L);
        ConnectHeaders bytes = headers("hostname", "resolver1");
        bytes.addBytes("total-chunks", "3".getBytes(StandardCharsets.UTF_8))
                .addBytes("chunk-index", "2".getBytes(StandardCharsets.UTF_8));
        for (ConnectHeaders h : new ConnectHeaders[] {strings, ints, bytes}) {
            FilePart part = byHostname.read(record("big.rpz", h, CONTENT)).orElseThrow();
            assertEquals(2, part.chunkIndex());
            assertEquals(3, part.totalChunks());
        }
    }

    @Test
    void headersTypeGuessedBySimpleHeaderConverterAreReadAsSent() throws Exception {
        // The worker's default header converter turns "3" into a number and "2024-01-01" into a date.
        SimpleHeaderConverter converter = new SimpleHeaderConverter();
        ConnectHeaders headers = new ConnectHeaders();
        for (String[] h : new String[][] {{"hostname", "2024-01-01"}, {"file-name", "42"},
                {"total-chunks", "3"}, {"chunk-index", "3"}}) {
            SchemaAndValue guessed = converter.toConnectHeader("t", h[0], h[1].getBytes(StandardCharsets.UTF_8));
            headers.add(h[0], guessed);
        }
        FilePartReader reader = new FilePartReader(RecipientMode.HOSTNAME, "2024-01-01", Set.of(), 100);
        FilePart part = reader.read(record("k", headers, CONTENT)).orElseThrow();
        assertEquals("42", part.fileName());
        assertEquals(3, part.chunkIndex());
        assertEquals(3, part.totalChunks());
    }

    @Test
    void recordsForOtherHostsAreSkipped() throws Exception {
        assertEquals(Optional.empty(), byHostname.read(record("a.rpz", headers("hostname", "resolver2"), CONTENT)));
        // Exact comparison: no case folding, no prefix match.
        assertEquals(Optional.empty(), byHostname.read(record("a.rpz", headers("hostname", "Resolver1"), CONTENT)));
        assertEquals(Optional.empty(), byHostname.read(record("a.rpz", headers("hostname", "resolver1.example"),
                CONTENT)));
    }

    @Test
    void missingHostnameIsAnErrorNotASilentDrop() {
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> byHostname.read(record("a.rpz", headers("file-name", "a.rpz"), CONTENT)));
        assertTrue(e.getMessage().contains("'hostname' is missing"), e.getMessage());
    }

    @Test
    void zoneIdModeSelectsByKeyAndNeedsTheFileNameHeader() throws Exception {
        FilePartReader byZone = new FilePartReader(RecipientMode.ZONE_ID, "resolver1", Set.of("zone-a"), 100);
        FilePart part = byZone.read(record("zone-a", headers("file-name", "a.rpz"), CONTENT)).orElseThrow();
        assertEquals("a.rpz", part.fileName());
        assertEquals(Optional.empty(), byZone.read(record("zone-b", headers("file-name", "a.rpz"), CONTENT)));
        // the hostname header is not what this mode looks at
        assertEquals(Optional.empty(), byZone.read(record("zone-b",
                headers("hostname", "resolver1", "file-name", "a.rpz"), CONTENT)));
        InvalidRecordException noName = assertThrows(InvalidRecordException.class,
                () -> byZone.read(record("zone-a", headers(), CONTENT)));
        assertTrue(noName.getMessage().contains("'file-name' is missing"), noName.getMessage());
        InvalidRecordException noKey = assertThrows(InvalidRecordException.class,
                () -> byZone.read(record(null, headers("file-name", "a.rpz"), CONTENT)));
        assertTrue(noKey.getMessage().contains("key is missing"), noKey.getMessage());
    }

    @Test
    void eitherModeAcceptsHostnameOrZone() throws Exception {
        FilePartReader either = new FilePartReader(RecipientMode.HOSTNAME_OR_ZONE_ID, "resolver1",
                Set.of("zone-a"), 100);
        assertTrue(either.read(record("zone-a", headers("file-name", "a.rpz"), CONTENT)).isPresent());
        assertTrue(either.read(record("x", headers("hostname", "resolver1", "file-name", "a.rpz"), CONTENT))
                .isPresent());
        assertEquals(Optional.empty(), either.read(record("x", headers("hostname", "other"), CONTENT)));
    }

    @Test
    void theBroadcastKeyIsForEveryHostInTheZoneIdModesOnly() throws Exception {
        FilePartReader either = new FilePartReader(RecipientMode.HOSTNAME_OR_ZONE_ID, "resolver1",
                Set.of("zone-a"), 100);
        FilePart part = either.read(record("*", headers("file-name", "all.rpz"), CONTENT)).orElseThrow();
        assertEquals("all.rpz", part.fileName());
        assertEquals(Optional.of(new FilePartReader.Recipient(
                io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind.ZONE_ID, "*")),
                either.recipient(record("*", headers("file-name", "all.rpz"), CONTENT)));
        FilePartReader noZones = new FilePartReader(RecipientMode.ZONE_ID, "resolver1", Set.of(), 100);
        assertTrue(noZones.read(record("*", headers("file-name", "all.rpz"), CONTENT)).isPresent());
        // In hostname mode the key is a file name, never a recipient.
        assertEquals(Optional.empty(), byHostname.read(record("*", headers("hostname", "other"), CONTENT)));
    }

    @ParameterizedTest(name = "total={0} index={1}")
    @CsvSource({
        "3, 0, chunk-index",      // index 0 with a total: indexes are 1-based
        "3, , chunk-index",       // total without index
        ", 2, total-chunks",      // index without total
        "0, 2, total-chunks",
        "3, 4, above header 'total-chunks'",
        "3, x, not a decimal number",
        "three, 1, not a decimal number",
        "3, -1, not a decimal number",
        "-3, 1, not a decimal number",
        "-0, , not a decimal number: '-0'",     // once read as 0: a whole file
        "-0, -0, not a decimal number: '-0'",
        "3, -0, not a decimal number: '-0'",
        "+3, 1, not a decimal number: '+3'",
        "3, +1, not a decimal number: '+1'",
        "' 3', 1, not a decimal number: ' 3'",
        "3, '1 ', not a decimal number: '1 '",
        "'', 1, not a decimal number: ''",
        "3, 0x1, not a decimal number",
        "3, ١, not a decimal number",      // an Arabic-Indic digit one: not 0-9
        "101, 1, chunks.max.count",
        "3, 2.5, not a decimal number",
        "99999999999, 1, too large",
        "99999999999999999999, 1, too large"
    })
    void malformedChunkHeadersAreRejectedNamingTheHeader(String total, String index, String expected) {
        ConnectHeaders h = headers("hostname", "resolver1");
        if (total != null) {
            h.addString("total-chunks", total);
        }
        if (index != null) {
            h.addString("chunk-index", index);
        }
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> byHostname.read(record("a.rpz", h, CONTENT)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void numbersTypedByTheConverterAreTakenAsTheyAreButNeverNegative() throws Exception {
        ConnectHeaders typed = headers("hostname", "resolver1");
        typed.addByte("total-chunks", (byte) 3).addShort("chunk-index", (short) 2);
        FilePart part = byHostname.read(record("a.rpz", typed, CONTENT)).orElseThrow();
        assertEquals(2, part.chunkIndex());
        assertEquals(3, part.totalChunks());

        ConnectHeaders negative = headers("hostname", "resolver1");
        negative.addInt("total-chunks", 3).addInt("chunk-index", -1);
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> byHostname.read(record("a.rpz", negative, CONTENT)));
        assertEquals("header 'chunk-index' is negative: -1", e.getMessage());
    }

    @Test
    void anEmptyHostnameNamesNoRecipient() {
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> byHostname.read(record("a.rpz", headers("hostname", "", "file-name", "a.rpz"), CONTENT)));
        assertEquals("header 'hostname' is empty: the record names no recipient", e.getMessage());

        ConnectHeaders emptyBytes = headers("file-name", "a.rpz");
        emptyBytes.addBytes("hostname", new byte[0]);
        e = assertThrows(InvalidRecordException.class, () -> byHostname.read(record("a.rpz", emptyBytes, CONTENT)));
        assertTrue(e.getMessage().contains("'hostname' is empty"), e.getMessage());

        // Even where the key would select the record, an empty hostname header is malformed.
        FilePartReader either = new FilePartReader(RecipientMode.HOSTNAME_OR_ZONE_ID, "resolver1",
                Set.of("zone-a"), 100);
        e = assertThrows(InvalidRecordException.class,
                () -> either.read(record("zone-a", headers("hostname", "", "file-name", "a.rpz"), CONTENT)));
        assertTrue(e.getMessage().contains("'hostname' is empty"), e.getMessage());
    }

    @Test
    void aRepeatedHostnameIsRejectedWhicheverCopyNamesThisHost() {
        for (String[] hosts : new String[][] {{"resolver2", "resolver1"}, {"resolver1", "resolver2"},
                {"resolver1", "resolver1"}, {"resolver2", "resolver2"}}) {
            ConnectHeaders h = headers("hostname", hosts[0], "hostname", hosts[1], "file-name", "a.rpz");
            InvalidRecordException e = assertThrows(InvalidRecordException.class,
                    () -> byHostname.read(record("a.rpz", h, CONTENT)), String.join(",", hosts));
            assertTrue(e.getMessage().startsWith("header 'hostname' appears 2 times"), e.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource({
        "file-name, b.rpz",
        "total-chunks, 3",
        "chunk-index, 1",
        "transfer-id, 0123456789abcdef0123456789abcdef",
        "file-length, 4",
        "file-sha256, " + SHA256
    })
    void anyProtocolHeaderRepeatedIsRejected(String name, String value) {
        ConnectHeaders h = headers("hostname", "resolver1", "file-name", "a.rpz", "total-chunks", "3",
                "chunk-index", "1", "transfer-id", TRANSFER_ID, "file-length", "4", "file-sha256", SHA256);
        h.addString(name, value);
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> byHostname.read(record("a.rpz", h, CONTENT)));
        assertEquals("header '" + name + "' appears 2 times: a protocol header appears at most once, so the record "
                + "is ambiguous", e.getMessage());
    }

    /** A path of one hash, all zero bytes, in base64. */
    private static final String PATH = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    /** A signed whole file's headers as a publisher sends them, form 2 with a fleet and a proof, co-signed twice. */
    private static ConnectHeaders signedHeaders() {
        return headers("hostname", "resolver1", "file-name", "a.rpz", "transfer-id", TRANSFER_ID, "file-length", "4",
                "file-sha256", SHA256, "signature-key-id", "0123456789abcdef", "file-version", "1764500000000",
                "signature", "c2lnbmF0dXJl", "signature-proof", "0;2;" + PATH, "signature-form", "2",
                "fleet", "production", "cosignature", "fedcba9876543210;c2ln", "cosignature", "0011223344556677;c2ln");
    }

    @Test
    void theSignatureHeadersAreReadAndCoSignaturesMayRepeat() throws Exception {
        FilePart part = byHostname.read(record("a.rpz", signedHeaders(), CONTENT)).orElseThrow();
        assertEquals("0123456789abcdef", part.signed().keyId());
        assertEquals(1764500000000L, part.signed().version());
        assertEquals("c2lnbmF0dXJl", part.signed().signatureBase64());
        assertEquals(new SignatureBatch.Proof(0, 2, new byte[32]), part.signed().proof());
        assertEquals("production", part.signed().fleet());
        assertEquals(List.of("fedcba9876543210", "0011223344556677"),
                part.signed().cosignatures().stream().map(CoSignature::keyId).toList());
    }

    @ParameterizedTest
    @CsvSource({
        "signature-key-id, 0123456789abcdef",
        "file-version, 1764500000000",
        "signature, c2lnbmF0dXJl",
        "signature-proof, 1;2;" + PATH,
        "signature-form, 2",
        "fleet, production"
    })
    void anySignatureHeaderRepeatedIsRejected(String name, String value) {
        ConnectHeaders h = signedHeaders();
        h.addString(name, value);
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> byHostname.read(record("a.rpz", h, CONTENT)));
        assertEquals("header '" + name + "' appears 2 times: a protocol header appears at most once, so the record "
                + "is ambiguous", e.getMessage());
    }

    @Test
    void aRepeatedHostnameIsRejectedInZoneModeToo() throws Exception {
        FilePartReader byZone = new FilePartReader(RecipientMode.ZONE_ID, "resolver1", Set.of("zone-a"), 100);
        ConnectHeaders h = headers("hostname", "x", "hostname", "y", "file-name", "a.rpz");
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> byZone.read(record("zone-a", h, CONTENT)));
        assertTrue(e.getMessage().contains("'hostname' appears 2 times"), e.getMessage());
    }

    @Test
    void otherHeadersMayRepeat() throws Exception {
        ConnectHeaders h = headers("hostname", "resolver1", "trace", "1", "trace", "2");
        assertTrue(byHostname.read(record("a.rpz", h, CONTENT)).isPresent());
    }

    @Test
    void theIntegrityHeadersAreRead() throws Exception {
        FilePart part = byHostname.read(record("a.rpz", headers("hostname", "resolver1", "total-chunks", "2",
                "chunk-index", "1", "transfer-id", TRANSFER_ID, "file-length", "9876543210", "file-sha256", SHA256),
                CONTENT)).orElseThrow();
        assertEquals(new TransferIntegrity(TRANSFER_ID, 9876543210L, SHA256), part.integrity());
    }

    @Test
    void aRecordWithoutIntegrityHeadersHasNoIntegrity() throws Exception {
        FilePart part = byHostname.read(record("a.rpz", headers("hostname", "resolver1"), CONTENT)).orElseThrow();
        assertNull(part.integrity());
    }

    @Test
    void integrityHeadersTypeGuessedBySimpleHeaderConverterAreReadAsSent() throws Exception {
        SimpleHeaderConverter converter = new SimpleHeaderConverter();
        ConnectHeaders headers = new ConnectHeaders();
        for (String[] h : new String[][] {{"hostname", "resolver1"}, {"transfer-id", TRANSFER_ID},
                {"file-length", "4"}, {"file-sha256", SHA256}}) {
            headers.add(h[0], converter.toConnectHeader("t", h[0], h[1].getBytes(StandardCharsets.UTF_8)));
        }
        FilePart part = byHostname.read(record("a.rpz", headers, CONTENT)).orElseThrow();
        assertEquals(new TransferIntegrity(TRANSFER_ID, 4, SHA256), part.integrity());
    }

    @ParameterizedTest(name = "present: {0}")
    @CsvSource({
        "transfer-id, headers 'file-length' and 'file-sha256' are missing while header 'transfer-id' is present",
        "file-length, headers 'transfer-id' and 'file-sha256' are missing while header 'file-length' is present",
        "file-sha256, headers 'transfer-id' and 'file-length' are missing while header 'file-sha256' is present",
        "transfer-id file-length, header 'file-sha256' is missing while headers 'transfer-id' and 'file-length' are",
        "transfer-id file-sha256, header 'file-length' is missing while headers 'transfer-id' and 'file-sha256' are",
        "file-length file-sha256, header 'transfer-id' is missing while headers 'file-length' and 'file-sha256' are"
    })
    void someButNotAllIntegrityHeadersAreRejected(String present, String expected) {
        Map<String, String> values = Map.of("transfer-id", TRANSFER_ID, "file-length", "4", "file-sha256", SHA256);
        ConnectHeaders h = headers("hostname", "resolver1");
        for (String name : present.split(" ")) {
            h.addString(name, values.get(name));
        }
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> byHostname.read(record("a.rpz", h, CONTENT)));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
        assertTrue(e.getMessage().endsWith("come together or not at all"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "transfer-id, 0123456789ABCDEF0123456789ABCDEF, header 'transfer-id' is not 32 lowercase hexadecimal digits",
        "transfer-id, 0123456789abcdef0123456789abcde, header 'transfer-id' is not 32",
        "transfer-id, 0123456789abcdef0123456789abcdef0, header 'transfer-id' is not 32",
        "transfer-id, 0123456789abcdef0123456789abcdeg, header 'transfer-id' is not 32",
        "transfer-id, '', header 'transfer-id' is not 32 lowercase hexadecimal digits: ''",
        "file-sha256, 0123456789abcdef0123456789abcdef, header 'file-sha256' is not a SHA-256",
        "file-sha256, " + UPPER_SHA256 + ", header 'file-sha256' is not a SHA-256",
        "file-length, -1, header 'file-length' is not a decimal number: '-1'",
        "file-length, -0, header 'file-length' is not a decimal number: '-0'",
        "file-length, +4, header 'file-length' is not a decimal number: '+4'",
        "file-length, 4.0, header 'file-length' is not a decimal number: '4.0'",
        "file-length, 99999999999999999999, header 'file-length' is too large"
    })
    void malformedIntegrityHeadersAreRejectedNamingTheHeaderAndValue(String name, String value, String expected) {
        Map<String, String> values = new HashMap<>(Map.of("transfer-id", TRANSFER_ID, "file-length", "4",
                "file-sha256", SHA256));
        values.put(name, value);
        ConnectHeaders h = headers("hostname", "resolver1");
        values.forEach(h::addString);
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> byHostname.read(record("a.rpz", h, CONTENT)));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
        assertTrue(e.getMessage().contains(FileNames.quote(value)), e.getMessage());
    }

    @Test
    void nullValueIsRejected() {
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> byHostname.read(record("a.rpz", headers("hostname", "resolver1"), null)));
        assertTrue(e.getMessage().contains("value is null"), e.getMessage());
    }

    @Test
    void textValueIsRejectedBecauseFilesAreNeverDecoded() {
        SinkRecord text = new SinkRecord("t", 0, Schema.STRING_SCHEMA, "a.rpz", Schema.STRING_SCHEMA, "text", 0, null,
                null, headers("hostname", "resolver1"));
        InvalidRecordException e = assertThrows(InvalidRecordException.class, () -> byHostname.read(text));
        assertTrue(e.getMessage().contains("ByteArrayConverter"), e.getMessage());
    }

    @Test
    void byteBufferValueIsAccepted() throws Exception {
        SinkRecord buffer = new SinkRecord("t", 0, Schema.STRING_SCHEMA, "a.rpz", Schema.BYTES_SCHEMA,
                ByteBuffer.wrap(CONTENT), 0, null, null, headers("hostname", "resolver1"));
        assertArrayEquals(CONTENT, byHostname.read(buffer).orElseThrow().content());
    }

    @Test
    void invalidUtf8InAHeaderIsRejected() {
        ConnectHeaders h = headers("hostname", "resolver1");
        h.addBytes("file-name", new byte[] {(byte) 0xC3});
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> byHostname.read(record("a.rpz", h, CONTENT)));
        assertTrue(e.getMessage().contains("'file-name' is not valid UTF-8"), e.getMessage());
    }

    @Test
    void controlCharactersInValuesAreEscapedInReasons() {
        ConnectHeaders h = headers("hostname", "resolver1", "total-chunks", "3\n", "chunk-index", "1");
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> byHostname.read(record("a.rpz", h, CONTENT)));
        assertTrue(e.getMessage().contains("'3\\x0a'"), e.getMessage());
    }

    @Test
    void describeNamesThePlaceAndTheFileWithControlCharactersEscaped() {
        assertEquals("knot-resolver-0@7 'a.rpz'", FilePartReader.describe(record("k", headers("file-name", "a.rpz"),
                CONTENT)));
        assertEquals("knot-resolver-0@7 'from-key'", FilePartReader.describe(record("from-key", headers(), CONTENT)));
        assertEquals("knot-resolver-0@7 'x\\x0aFAKE LOG LINE'",
                FilePartReader.describe(record("k", headers("file-name", "x\nFAKE LOG LINE"), CONTENT)));
        assertEquals("knot-resolver-0@7", FilePartReader.describe(record(null, headers(), CONTENT)));
    }

    private static ConnectHeaders headers(String... namesAndValues) {
        ConnectHeaders headers = new ConnectHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.addString(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    private static SinkRecord record(String key, ConnectHeaders headers, byte[] value) {
        return new SinkRecord("knot-resolver", 0, Schema.OPTIONAL_STRING_SCHEMA, key, Schema.OPTIONAL_BYTES_SCHEMA,
                value, 7, null, null, headers);
    }
}
