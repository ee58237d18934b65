package io.github.kresconnect.filesink.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;

/**
 * The configuration reference, generated from the ConfigDef so it cannot drift from the code. docs/reference.md
 * holds it between {@link #START} and {@link #END}; a test fails when it is out of date.
 */
public final class ConfigReference {
    public static final String START = "<!-- config-reference:start (generated from ResolverFileSinkConfig) -->";
    public static final String END = "<!-- config-reference:end -->";

    private ConfigReference() {
    }

    /** Markdown: one table per group, in the order the groups are defined. */
    public static String markdown() {
        Map<String, List<ConfigDef.ConfigKey>> byGroup = new LinkedHashMap<>();
        for (ConfigDef.ConfigKey key : ResolverFileSinkConfig.CONFIG_DEF.configKeys().values()) {
            byGroup.computeIfAbsent(key.group, g -> new ArrayList<>()).add(key);
        }
        StringBuilder out = new StringBuilder();
        byGroup.forEach((group, keys) -> {
            keys.sort((a, b) -> Integer.compare(a.orderInGroup, b.orderInGroup));
            out.append("## ").append(group).append("\n\n");
            out.append("| Setting | Type | Default | Valid values | Importance | Description |\n");
            out.append("|---|---|---|---|---|---|\n");
            for (ConfigDef.ConfigKey key : keys) {
                out.append("| `").append(key.name).append("` | ")
                        .append(key.type.toString().toLowerCase()).append(" | ")
                        .append(defaultText(key)).append(" | ")
                        .append(key.validator == null ? "" : cell(key.validator.toString())).append(" | ")
                        .append(key.importance.toString().toLowerCase()).append(" | ")
                        .append(cell(key.documentation)).append(" |\n");
            }
            out.append('\n');
        });
        return out.toString().stripTrailing() + "\n";
    }

    /** Replaces the generated section of a document with the current reference. */
    public static String updateSection(String document) {
        int start = document.indexOf(START);
        int end = document.indexOf(END);
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("the document has no configuration reference markers");
        }
        return document.substring(0, start + START.length()) + "\n\n" + markdown() + "\n" + document.substring(end);
    }

    private static String defaultText(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) {
            return "(required)";
        }
        Object value = key.defaultValue;
        String text = value instanceof List<?> list ? String.join(",", list.stream().map(Object::toString).toList())
                : String.valueOf(value);
        return text.isEmpty() ? "\"\"" : "`" + text + "`";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
