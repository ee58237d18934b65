package io.github.kresconnect.filesink.receipts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;

/**
 * What one host did with one file, or with one request to its resolver manager: the value of a record on the
 * receipts topic, as JSON with a versioned schema ({@value #SCHEMA}). Fields that do not apply are left out
 * (absent, not null). Readers ignore fields they do not know, so fields may be added within a schema version;
 * a change of meaning gets a new version.
 *
 * @param kind        {@code file}, {@code manager} or {@code freshness}
 * @param host        the recipient id the host answers to (resolver.hostname, or the machine's name)
 * @param machine     the machine's own host name
 * @param file        the file name (file receipts; may be absent for a rejected record that named none)
 * @param length      the file's length in bytes (published, unchanged; or what a rejected record announced)
 * @param sha256      the file's SHA-256, hex (likewise)
 * @param transferId  the transfer id the records carried, if any
 * @param version     the signed version, or -1 for an unsigned file; freshness: the statement's sequence
 * @param outcome     file: published, unchanged, rejected, discarded; manager: accepted, failed; freshness:
 *                    fresh, withheld, frozen, none
 * @param expiresEpochMs freshness: when the statement expires, or -1
 * @param reason      why it was rejected or discarded, or why a manager request failed
 * @param reasonCode  the rejection reason's short code (as in the records-rejected-* metrics)
 * @param request     manager receipts: reload or renew
 * @param etagBefore  manager receipts: the running configuration's ETag before the request, if read
 * @param etagAfter   manager receipts: its ETag after the request, if read
 * @param atEpochMs   when the outcome happened
 * @param topic       the source record's topic (file receipts of a record)
 * @param partition   its partition, or -1
 * @param offset      its offset, or -1
 * @param connector   the connector's name
 * @param connectorVersion the connector's version
 * @param files       manager receipts: the files the request was for (empty: not known); freshness: the files
 *                    withheld, each with the version stated
 */
public record Receipt(String kind, String host, String machine, String file, long length, String sha256,
        String transferId, long version, String outcome, String reason, String reasonCode, String request,
        String etagBefore, String etagAfter, long atEpochMs, String topic, int partition, long offset,
        String connector, String connectorVersion, List<RequestFile> files, long expiresEpochMs) {

    /**
     * A file a manager request was for: its name, and where known its transfer id, signed version (-1: none) and
     * SHA-256.
     */
    public record RequestFile(String file, String transferId, long version, String sha256) {
        public RequestFile {
            Objects.requireNonNull(file, "file");
        }
    }

    public static final int SCHEMA = 1;
    public static final String KIND_FILE = "file";
    public static final String KIND_MANAGER = "manager";
    public static final String PUBLISHED = "published";
    public static final String UNCHANGED = "unchanged";
    public static final String REJECTED = "rejected";
    public static final String DISCARDED = "discarded";
    public static final String ACCEPTED = "accepted";
    public static final String FAILED = "failed";
    /** What the newest freshness statement says of the host: outcome fresh, withheld, frozen or none. */
    public static final String KIND_FRESHNESS = "freshness";
    public static final String FRESH = "fresh";
    public static final String WITHHELD = "withheld";
    public static final String FROZEN = "frozen";
    public static final String NO_STATEMENT = "none";

    /** Characters beyond the BMP as UTF-8, as a text encoded to UTF-8 has them, not as escaped surrogates. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();

    public Receipt {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(outcome, "outcome");
        files = files == null ? List.of() : List.copyOf(files);
    }

    /** A file or manager receipt (no expiry). */
    public Receipt(String kind, String host, String machine, String file, long length, String sha256,
            String transferId, long version, String outcome, String reason, String reasonCode, String request,
            String etagBefore, String etagAfter, long atEpochMs, String topic, int partition, long offset,
            String connector, String connectorVersion, List<RequestFile> files) {
        this(kind, host, machine, file, length, sha256, transferId, version, outcome, reason, reasonCode, request,
                etagBefore, etagAfter, atEpochMs, topic, partition, offset, connector, connectorVersion, files, -1);
    }

    /** A receipt that names no files (every file receipt, and a manager receipt whose files are not known). */
    public Receipt(String kind, String host, String machine, String file, long length, String sha256,
            String transferId, long version, String outcome, String reason, String reasonCode, String request,
            String etagBefore, String etagAfter, long atEpochMs, String topic, int partition, long offset,
            String connector, String connectorVersion) {
        this(kind, host, machine, file, length, sha256, transferId, version, outcome, reason, reasonCode, request,
                etagBefore, etagAfter, atEpochMs, topic, partition, offset, connector, connectorVersion, List.of());
    }

    /** Manager receipts: whether the request was for this transfer (by transfer id). */
    public boolean covers(String transferIdSent) {
        return transferIdSent != null && files.stream().anyMatch(f -> transferIdSent.equals(f.transferId()));
    }

    /** Manager receipts: true when both ETags were read and differ, false when both were read and are equal. */
    public Boolean configChanged() {
        if (etagBefore == null || etagAfter == null) {
            return null;
        }
        return !etagBefore.equals(etagAfter);
    }

    public boolean isManager() {
        return KIND_MANAGER.equals(kind);
    }

    public boolean isFreshness() {
        return KIND_FRESHNESS.equals(kind);
    }

    /**
     * The record key: {@code {"host":"...","file":"..."}} for a file, {@code {"host":"...","manager":true}} for
     * the manager, so a compacted topic keeps the latest receipt per host and file, and per host for the manager.
     */
    public byte[] key() {
        return write(json -> {
            json.writeStringField("host", host);
            if (isManager()) {
                json.writeBooleanField("manager", true);
            } else if (isFreshness()) {
                json.writeBooleanField("freshness", true);
            } else {
                json.writeStringField("file", file == null ? "" : file);
            }
        });
    }

    /** The record value, schema {@value #SCHEMA}, as UTF-8. */
    public byte[] toJson() {
        return write(this::writeFields);
    }

    /** {@link #toJson()} as text. */
    public String toJsonText() {
        return new String(toJson(), StandardCharsets.UTF_8);
    }

    /** The value's fields in their documented order; a field that does not apply is left out. */
    private void writeFields(JsonGenerator json) throws IOException {
        json.writeNumberField("schema", SCHEMA);
        json.writeStringField("kind", kind);
        json.writeStringField("host", host);
        optional(json, "machine", machine);
        optional(json, "file", file);
        if (length >= 0) {
            json.writeNumberField("length", length);
        }
        optional(json, "sha256", sha256);
        optional(json, "transferId", transferId);
        if (version >= 0) {
            json.writeNumberField("version", version);
        }
        json.writeStringField("outcome", outcome);
        optional(json, "reason", reason);
        optional(json, "reasonCode", reasonCode);
        optional(json, "request", request);
        optional(json, "etagBefore", etagBefore);
        optional(json, "etagAfter", etagAfter);
        Boolean changed = configChanged();
        if (changed != null) {
            json.writeBooleanField("configChanged", changed);
        }
        json.writeStringField("at", Instant.ofEpochMilli(atEpochMs).toString());
        json.writeNumberField("atEpochMs", atEpochMs);
        if (topic != null) {
            json.writeStringField("topic", topic);
            json.writeNumberField("partition", partition);
            json.writeNumberField("offset", offset);
        }
        optional(json, "connector", connector);
        optional(json, "connectorVersion", connectorVersion);
        if (!files.isEmpty()) {
            json.writeArrayFieldStart("files");
            for (RequestFile f : files) {
                json.writeStartObject();
                json.writeStringField("file", f.file());
                optional(json, "transferId", f.transferId());
                if (f.version() >= 0) {
                    json.writeNumberField("version", f.version());
                }
                optional(json, "sha256", f.sha256());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        if (expiresEpochMs >= 0) {
            json.writeNumberField("expiresEpochMs", expiresEpochMs);
            json.writeStringField("expires", Instant.ofEpochMilli(expiresEpochMs).toString());
        }
    }

    private static void optional(JsonGenerator json, String name, String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }

    /** What writes an object's fields. */
    @FunctionalInterface
    private interface Fields {
        void write(JsonGenerator json) throws IOException;
    }

    /** One JSON object, written straight to UTF-8 bytes. */
    private static byte[] write(Fields fields) {
        ByteArrayBuilder bytes = new ByteArrayBuilder(512);
        try (JsonGenerator json = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
            json.writeStartObject();
            fields.write(json);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a receipt value. Unknown fields are ignored.
     *
     * @throws IllegalArgumentException when it is not JSON, not schema {@value #SCHEMA}, or lacks kind, host
     *         or outcome
     */
    public static Receipt fromJson(byte[] value) {
        Map<String, Object> fields = new LinkedHashMap<>();
        List<RequestFile> files = new ArrayList<>();
        try (JsonParser json = JSON.createParser(value)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("a receipt is a JSON object");
            }
            JsonToken token;
            while ((token = json.nextToken()) == JsonToken.FIELD_NAME) {
                String name = json.currentName();
                JsonToken valueToken = json.nextToken();
                switch (valueToken) {
                    case VALUE_STRING -> fields.put(name, json.getText());
                    case VALUE_NUMBER_INT -> fields.put(name, json.getLongValue());
                    case VALUE_TRUE, VALUE_FALSE -> fields.put(name, json.getBooleanValue());
                    case VALUE_NULL -> {
                    }
                    case START_ARRAY -> {
                        if ("files".equals(name)) {
                            readFiles(json, files);
                        } else {
                            json.skipChildren();
                        }
                    }
                    default -> json.skipChildren();
                }
            }
            if (token != JsonToken.END_OBJECT) {
                throw new IllegalArgumentException("a receipt is a JSON object");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        Object schema = fields.get("schema");
        if (!(schema instanceof Long s) || s != SCHEMA) {
            throw new IllegalArgumentException("unsupported receipt schema " + schema + " (this reader knows "
                    + SCHEMA + ")");
        }
        String kind = text(fields, "kind");
        String host = text(fields, "host");
        String outcome = text(fields, "outcome");
        if (kind == null || host == null || outcome == null) {
            throw new IllegalArgumentException("a receipt needs kind, host and outcome");
        }
        return new Receipt(kind, host, text(fields, "machine"), text(fields, "file"), number(fields, "length"),
                text(fields, "sha256"), text(fields, "transferId"), number(fields, "version"), outcome,
                text(fields, "reason"), text(fields, "reasonCode"), text(fields, "request"),
                text(fields, "etagBefore"), text(fields, "etagAfter"), Math.max(0, number(fields, "atEpochMs")),
                text(fields, "topic"), (int) number(fields, "partition"), number(fields, "offset"),
                text(fields, "connector"), text(fields, "connectorVersion"), files, number(fields, "expiresEpochMs"));
    }

    /** The objects of a {@code files} array that name a file; anything else in it is skipped. */
    private static void readFiles(JsonParser json, List<RequestFile> files) throws IOException {
        JsonToken token;
        while ((token = json.nextToken()) != JsonToken.END_ARRAY && token != null) {
            if (token != JsonToken.START_OBJECT) {
                json.skipChildren();
                continue;
            }
            Map<String, Object> fields = new LinkedHashMap<>();
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String name = json.currentName();
                JsonToken value = json.nextToken();
                if (value == JsonToken.VALUE_STRING) {
                    fields.put(name, json.getText());
                } else if (value == JsonToken.VALUE_NUMBER_INT) {
                    fields.put(name, json.getLongValue());
                } else {
                    json.skipChildren();
                }
            }
            String file = text(fields, "file");
            if (file != null) {
                files.add(new RequestFile(file, text(fields, "transferId"), number(fields, "version"),
                        text(fields, "sha256")));
            }
        }
    }

    private static String text(Map<String, Object> fields, String name) {
        return fields.get(name) instanceof String s ? s : null;
    }

    private static long number(Map<String, Object> fields, String name) {
        return fields.get(name) instanceof Long l ? l : -1;
    }
}
