package io.github.kresconnect.filesink.notify;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * A file a request to the manager is for: its name, and where known the transfer id it arrived with, its
 * signed version (-1: unsigned) and its SHA-256. Persisted with what is owed, one JSON object per line.
 */
public record ChangedFile(String name, String transferId, long version, String sha256) {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    public ChangedFile {
        Objects.requireNonNull(name, "name");
    }

    String toJson() {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(text)) {
            json.writeStartObject();
            json.writeStringField("file", name);
            if (transferId != null) {
                json.writeStringField("transferId", transferId);
            }
            if (version >= 0) {
                json.writeNumberField("version", version);
            }
            if (sha256 != null) {
                json.writeStringField("sha256", sha256);
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /** @throws IllegalArgumentException when the line is not such an object */
    static ChangedFile fromJson(String line) {
        String name = null;
        String transferId = null;
        long version = -1;
        String sha256 = null;
        try (JsonParser json = JSON.createParser(line)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                switch (field) {
                    case "file" -> name = json.getText();
                    case "transferId" -> transferId = json.getText();
                    case "version" -> version = value == JsonToken.VALUE_NUMBER_INT ? json.getLongValue() : -1;
                    case "sha256" -> sha256 = json.getText();
                    default -> json.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (name == null) {
            throw new IllegalArgumentException("no file name");
        }
        return new ChangedFile(name, transferId, version, sha256);
    }
}
