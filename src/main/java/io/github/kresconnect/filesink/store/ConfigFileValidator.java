package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

/**
 * Checks that an assembled config file is a resolver config document as upstream reads it: JSON first,
 * then YAML (safe loader), duplicate keys rejected by both, a mapping at the top. Parsing is bounded
 * (nesting depth, aliases, size) so a hostile file costs little. The file is held in memory, which the
 * config size limit keeps small.
 */
final class ConfigFileValidator {
    static final int MAX_NESTING_DEPTH = 64;
    static final int MAX_YAML_ALIASES = 50;

    private final long maxBytes;
    private final JsonFactory jsonFactory;

    ConfigFileValidator(long maxBytes) {
        this.maxBytes = Math.min(maxBytes, Integer.MAX_VALUE - 16);
        this.jsonFactory = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                .build();
    }

    /** Returns normally when {@code file} is a valid config; otherwise the reason, with line and column. */
    void validate(SafeFileName name, Path file) throws RejectedFileException, IOException {
        String text = decodeStrictUtf8(name, readBounded(name, file));
        Optional<String> jsonError = jsonError(text);
        if (jsonError.isEmpty()) {
            return;
        }
        Optional<String> yamlError = yamlError(text);
        if (yamlError.isEmpty()) {
            return;
        }
        boolean looksLikeJson = text.strip().startsWith("{") || text.strip().startsWith("[")
                || name.value().toLowerCase(Locale.ROOT).endsWith(".json");
        throw new RejectedFileException(RejectedFileException.Kind.INVALID_CONFIG, "invalid config file " + name + ": "
                + (looksLikeJson ? "JSON: " + jsonError.get() : "YAML: " + yamlError.get()));
    }

    private byte[] readBounded(SafeFileName name, Path file) throws RejectedFileException, IOException {
        try (FileChannel channel = DurableFiles.openForReading(file)) {
            long size = channel.size();
            if (size > maxBytes) {
                throw new RejectedFileException(RejectedFileException.Kind.TOO_LARGE, "config file " + name + " has " + size + " bytes, more than "
                        + maxBytes);
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) size);
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // reads until full
            }
            return buffer.array();
        }
    }

    private static String decodeStrictUtf8(SafeFileName name, byte[] bytes) throws RejectedFileException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int offset = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < offset; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw new RejectedFileException(RejectedFileException.Kind.INVALID_CONFIG,
                    "invalid config file " + name + ": not valid UTF-8 at byte " + offset
                    + " (line " + line + ", column " + (offset - lineStart + 1) + ")");
        }
        return out.flip().toString();
    }

    private Optional<String> jsonError(String text) {
        try (JsonParser parser = jsonFactory.createParser(text)) {
            try {
                JsonToken first = parser.nextToken();
                JsonLocation start = parser.currentTokenLocation();
                parser.skipChildren(); // reads the whole document: syntax, duplicates and depth are checked
                JsonToken trailing = parser.nextToken();
                if (trailing != null) {
                    return Optional.of("unexpected content after the top-level value"
                            + at(parser.currentTokenLocation()));
                }
                if (first != JsonToken.START_OBJECT) {
                    return Optional.of("the top level must be an object (a mapping), found "
                            + (first == null ? "an empty document" : describe(first)) + at(start));
                }
                return Optional.empty();
            } catch (JsonProcessingException e) {
                JsonLocation location = e.getLocation() != null ? e.getLocation() : parser.currentLocation();
                return Optional.of(e.getOriginalMessage() + at(location));
            }
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static String describe(JsonToken token) {
        switch (token) {
            case START_ARRAY:
                return "an array";
            case VALUE_STRING:
                return "a string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "a number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            case VALUE_NULL:
                return "null";
            default:
                return token.asString() != null ? "'" + token.asString() + "'" : token.name();
        }
    }

    private static String at(JsonLocation location) {
        return location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private Optional<String> yamlError(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(MAX_YAML_ALIASES);
        options.setNestingDepthLimit(MAX_NESTING_DEPTH);
        options.setCodePointLimit((int) Math.max(1, maxBytes));
        DumperOptions dumperOptions = new DumperOptions();
        Yaml yaml = new Yaml(new SafeConstructor(options), new Representer(dumperOptions), dumperOptions, options);
        Object document;
        try {
            document = yaml.load(text);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getContext() != null && e.getProblem() != null
                    ? e.getContext() + ", " + e.getProblem()
                    : e.getProblem() != null ? e.getProblem() : e.getContext();
            return Optional.of(problem + (mark == null ? ""
                    : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1)));
        } catch (YAMLException e) {
            return Optional.of(e.getMessage());
        } catch (RuntimeException e) {
            // SnakeYAML signals some limits with plain runtime exceptions; a bad document must never escape.
            return Optional.of(e.toString());
        }
        if (document instanceof Map) {
            return Optional.empty();
        }
        return Optional.of("the top level must be a mapping, found "
                + (document == null ? "an empty document" : "a " + yamlKind(document)));
    }

    private static String yamlKind(Object document) {
        if (document instanceof java.util.List) {
            return "sequence";
        }
        return "scalar (" + document.getClass().getSimpleName().toLowerCase(Locale.ROOT) + ")";
    }
}
