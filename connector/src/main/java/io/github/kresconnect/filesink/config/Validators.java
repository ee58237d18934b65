package io.github.kresconnect.filesink.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import io.github.kresconnect.filesink.protocol.TopicLayout;
import io.github.kresconnect.filesink.protocol.TopicNames;

/** Validators for settings; each describes itself, so the generated reference shows valid values. */
final class Validators {
    private Validators() {
    }

    static ConfigDef.Validator absolutePath() {
        return new Described("an absolute path") {
            @Override
            public void ensureValid(String name, Object value) {
                String text = (String) value;
                if (text == null || text.isBlank() || !Path.of(text.trim()).isAbsolute()) {
                    throw new ConfigException(name, value, "must be an absolute path");
                }
            }
        };
    }

    /** A Kafka topic name, or empty. */
    static ConfigDef.Validator topicOrEmpty() {
        return new Described("empty, or a topic name (letters, digits, '.', '_', '-'; at most 249)") {
            @Override
            public void ensureValid(String name, Object value) {
                String text = value == null ? "" : ((String) value).trim();
                if (!text.isEmpty() && (text.length() > 249 || text.equals(".") || text.equals("..")
                        || !text.matches("[A-Za-z0-9._-]+"))) {
                    throw new ConfigException(name, value, "must be empty or a valid topic name");
                }
            }
        };
    }

    /** host:port pairs, comma-separated, or empty. */
    static ConfigDef.Validator hostPortListOrEmpty() {
        return new Described("empty, or host:port pairs, comma-separated") {
            @Override
            public void ensureValid(String name, Object value) {
                String text = value == null ? "" : ((String) value).trim();
                if (text.isEmpty()) {
                    return;
                }
                for (String item : text.split(",")) {
                    String address = item.trim();
                    int colon = address.lastIndexOf(':');
                    if (colon < 1 || !address.substring(colon + 1).matches("[0-9]{1,5}")) {
                        throw new ConfigException(name, value, "each address must be host:port, got '" + address
                                + "'");
                    }
                }
            }
        };
    }

    static ConfigDef.Validator fileMode() {
        return new Described("an octal mode from 0400 to 0777, such as 0644") {
            @Override
            public void ensureValid(String name, Object value) {
                try {
                    FileMode.parse((String) value);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            }
        };
    }

    static ConfigDef.Validator suffixList() {
        return new Described("a list of suffixes, each starting with '.'") {
            @Override
            public void ensureValid(String name, Object value) {
                for (Object item : (List<?>) value) {
                    String suffix = item.toString();
                    if (suffix.length() < 2 || suffix.charAt(0) != '.' || suffix.contains("/")) {
                        throw new ConfigException(name, value,
                                "each suffix must start with '.' and contain no '/', got '" + suffix + "'");
                    }
                }
            }
        };
    }

    /** A Kafka topic name, as {@link TopicNames#legal} has it. */
    static ConfigDef.Validator topic() {
        return new Described("a topic name (letters, digits, '.', '_', '-'; at most 249)") {
            @Override
            public void ensureValid(String name, Object value) {
                try {
                    TopicNames.legal(value == null ? "" : ((String) value).trim());
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            }
        };
    }

    static ConfigDef.Validator topicLayout() {
        return new Described("one of " + TopicLayout.allValues()) {
            @Override
            public void ensureValid(String name, Object value) {
                try {
                    TopicLayout.fromConfigValue((String) value);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            }
        };
    }

    static ConfigDef.Validator recipientMode() {
        return new Described("one of " + RecipientMode.allValues()) {
            @Override
            public void ensureValid(String name, Object value) {
                try {
                    RecipientMode.fromConfigValue((String) value);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            }
        };
    }

    static ConfigDef.Validator hostname() {
        return new Described("empty (the machine's host name) or a host name without spaces") {
            @Override
            public void ensureValid(String name, Object value) {
                String text = ((String) value).trim();
                if (text.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                    throw new ConfigException(name, value, "must not contain spaces or control characters");
                }
            }
        };
    }

    static ConfigDef.Validator nonBlankItems() {
        return new Described("a comma-separated list of non-empty ids") {
            @Override
            public void ensureValid(String name, Object value) {
                for (Object item : (List<?>) value) {
                    if (item.toString().isBlank()) {
                        throw new ConfigException(name, value, "ids must not be empty");
                    }
                }
            }
        };
    }

    static ConfigDef.Validator httpUrlOrEmpty() {
        return new Described("empty, or an http:// URL such as http://127.0.0.1:5000") {
            @Override
            public void ensureValid(String name, Object value) {
                String text = ((String) value).trim();
                if (text.isEmpty()) {
                    return;
                }
                try {
                    URI uri = new URI(text);
                    if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                        throw new ConfigException(name, value, "must be an http:// URL with a host");
                    }
                } catch (URISyntaxException e) {
                    throw new ConfigException(name, value, "is not a valid URL: " + e.getMessage());
                }
            }
        };
    }

    static ConfigDef.Validator publicKeys() {
        return new Described("empty, or Ed25519 public keys in PEM ('-----BEGIN PUBLIC KEY-----'), concatenated, "
                + "each followed by an optional [scope]") {
            @Override
            public void ensureValid(String name, Object value) {
                try {
                    io.github.kresconnect.filesink.protocol.TrustedKey.parseAll((String) value);
                } catch (io.github.kresconnect.filesink.protocol.KeyFormatException e) {
                    // The value is not repeated: it may be long, and the reason names the block at fault.
                    throw new ConfigException(name + ": " + e.getMessage());
                }
            }
        };
    }

    /** A fleet id: empty, or letters, digits, '.', '_' and '-', at most 64. */
    static ConfigDef.Validator fleetId() {
        return new Described("empty, or letters, digits, '.', '_' and '-' (at most 64)") {
            @Override
            public void ensureValid(String name, Object value) {
                String text = value == null ? "" : ((String) value).strip();
                if (!text.isEmpty() && !io.github.kresconnect.filesink.protocol.SignedTransfers.isFleetId(text)) {
                    throw new ConfigException(name, value, "a fleet id is letters, digits, '.', '_' and '-', at most "
                            + "64");
                }
            }
        };
    }

    private abstract static class Described implements ConfigDef.Validator {
        private final String description;

        Described(String description) {
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }
}
