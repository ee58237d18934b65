package io.github.kresconnect.filesink.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
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
 * Checks that a config file is a resolver config document as upstream reads it: strict UTF-8, JSON first,
 * then YAML (safe loader), duplicate keys rejected by both, a mapping at the top. Parsing is bounded
 * (nesting depth, aliases, size) so a hostile file costs little. The file is held in memory, which the
 * config size limit keeps small.
 *
 * <p>One implementation for both sides: the connector validates each assembled config file with it before
 * publishing, and the publisher validates each config file with it before sending anything, so a file the
 * publisher sends is one the connector accepts.
 */
public final class ConfigFileValidator {
    public static final int MAX_NESTING_DEPTH = 64;
    public static final int MAX_YAML_ALIASES = 50;

    private final long maxBytes;
    private final JsonFactory jsonFactory;

    /** {@code maxBytes}: the largest config file accepted (the connector's config.file.max.bytes). */
    public ConfigFileValidator(long maxBytes) {
        this.maxBytes = Math.min(maxBytes, Integer.MAX_VALUE - 16);
        this.jsonFactory = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                .build();
    }

    /**
     * Whether {@code name} is a configuration file: it ends with one of {@code suffixes} (the connector's
     * config.file.suffixes), compared case-insensitively.
     */
    public static boolean isConfigFile(String name, Collection<String> suffixes) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String suffix : suffixes) {
            if (lower.endsWith(suffix.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns normally when the channel's content, from its start, is a valid config; otherwise the reason,
     * with line and column. {@code name} is the file's name on the topic, quoted in the reason.
     */
    public void validate(String name, FileChannel channel) throws InvalidConfigFileException, IOException {
        validate(name, readBounded(name, channel));
    }

    /** Returns normally when {@code content} is a valid config; otherwise the reason, with line and column. */
    public void validate(String name, byte[] content) throws InvalidConfigFileException {
        checkSize(name, content.length);
        String text = decodeStrictUtf8(name, content);
        Optional<String> jsonError = jsonError(text);
        if (jsonError.isEmpty()) {
            return;
        }
        Optional<String> yamlError = yamlError(text);
        if (yamlError.isEmpty()) {
            return;
        }
        boolean looksLikeJson = text.strip().startsWith("{") || text.strip().startsWith("[")
                || name.toLowerCase(Locale.ROOT).endsWith(".json");
        throw new InvalidConfigFileException("invalid config file " + FileNames.quote(name) + ": "
                + (looksLikeJson ? "JSON: " + jsonError.get() : "YAML: " + yamlError.get()), false);
    }

    private void checkSize(String name, long size) throws InvalidConfigFileException {
        if (size > maxBytes) {
            throw new InvalidConfigFileException("config file " + FileNames.quote(name) + " has " + size
                    + " bytes, more than " + maxBytes, true);
        }
    }

    private byte[] readBounded(String name, FileChannel channel) throws InvalidConfigFileException, IOException {
        long size = channel.size();
        checkSize(name, size);
        ByteBuffer buffer = ByteBuffer.allocate((int) size);
        while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) >= 0) {
            // reads until full
        }
        if (buffer.hasRemaining()) {
            // Shorter than its size said: validate what is there, as the connector would have read it.
            return Arrays.copyOf(buffer.array(), buffer.position());
        }
        return buffer.array();
    }

    private static String decodeStrictUtf8(String name, byte[] bytes) throws InvalidConfigFileException {
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
            throw new InvalidConfigFileException("invalid config file " + FileNames.quote(name)
                    + ": not valid UTF-8 at byte " + offset + " (line " + line + ", column "
                    + (offset - lineStart + 1) + ")", false);
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
