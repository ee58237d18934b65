package io.github.kresconnect.filesink.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The fenced blocks of README.md and docs/*.md. A fence's info string says what a block is: {@code sh},
 * {@code shell} and {@code console} are commands (in a console block, the lines after {@code $ } and their
 * continuation lines), everything else is text a reader reads: configs, output, examples.
 */
public final class DocBlocks {
    public static final Set<String> COMMAND_KINDS = Set.of("sh", "shell", "console");
    public static final Set<String> TEXT_KINDS = Set.of("text", "properties", "json", "yaml", "ini");

    /** One fenced block: where it is, its info string, its lines (the fence's indentation removed), the line before. */
    public record Block(String file, int line, String info, List<String> lines, String lineBefore) {
        public boolean isCommand() {
            return COMMAND_KINDS.contains(info);
        }

        /** The commands of the block, one per line, as a shell reads them (continuations kept). */
        public List<String> commands() {
            if (!info.equals("console")) {
                return lines;
            }
            List<String> commands = new ArrayList<>();
            boolean continued = false;
            for (String line : lines) {
                if (line.startsWith("$ ")) {
                    commands.add(line.substring(2));
                    continued = line.endsWith("\\");
                } else if (continued) {
                    commands.add(line);
                    continued = line.endsWith("\\");
                }
            }
            return commands;
        }

        /** The output lines of a console block: every line that is not a command. */
        public List<String> output() {
            List<String> commands = commands();
            List<String> out = new ArrayList<>();
            int c = 0;
            for (String line : lines) {
                String asCommand = line.startsWith("$ ") ? line.substring(2) : line;
                if (c < commands.size() && commands.get(c).equals(asCommand)) {
                    c++;
                } else {
                    out.add(line);
                }
            }
            return out;
        }

        public String commandText() {
            return String.join("\n", commands());
        }

        @Override
        public String toString() {
            return file + ":" + line + " (```" + info + ")";
        }
    }

    private DocBlocks() {
    }

    /** The project's directory (the working directory of Maven's test runs). */
    public static Path project() {
        return Path.of(System.getProperty("user.dir"));
    }

    /** README.md and every docs/*.md, relative to the project. */
    public static List<String> documents() {
        try (Stream<Path> docs = Files.list(project().resolve("docs"))) {
            List<String> names = new ArrayList<>(List.of("README.md"));
            docs.map(p -> "docs/" + p.getFileName()).filter(n -> n.endsWith(".md")).sorted().forEach(names::add);
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Block> all() {
        List<Block> blocks = new ArrayList<>();
        for (String document : documents()) {
            blocks.addAll(parse(document));
        }
        return blocks;
    }

    public static List<Block> parse(String document) {
        List<String> text;
        try {
            text = Files.readAllLines(project().resolve(document), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < text.size(); i++) {
            String opening = text.get(i);
            String trimmed = opening.stripLeading();
            if (!trimmed.startsWith("```")) {
                continue;
            }
            int indent = opening.length() - trimmed.length();
            String info = trimmed.substring(3).strip();
            List<String> lines = new ArrayList<>();
            int j = i + 1;
            while (j < text.size() && !text.get(j).strip().equals("```")) {
                String line = text.get(j);
                lines.add(line.length() >= indent && line.substring(0, indent).isBlank() ? line.substring(indent) : line);
                j++;
            }
            if (j == text.size()) {
                throw new AssertionError(document + ":" + (i + 1) + ": a fence that is never closed");
            }
            blocks.add(new Block(document, i + 1, info, List.copyOf(lines), i > 0 ? text.get(i - 1).strip() : ""));
            i = j;
        }
        return blocks;
    }

    /** The one command block whose commands contain {@code excerpt}. */
    public static Block command(String excerpt) {
        List<Block> commands = all().stream().filter(Block::isCommand).toList();
        List<Block> found = commands.stream().filter(b -> b.commandText().equals(excerpt)).toList();
        if (found.isEmpty()) {
            found = commands.stream().filter(b -> b.commandText().contains(excerpt)).toList();
        }
        if (found.size() != 1) {
            throw new AssertionError("not exactly one command block holds '" + excerpt + "': " + found);
        }
        return found.get(0);
    }

    /** The first block after {@code block} in the same document. */
    public static Block next(Block block) {
        return parse(block.file()).stream().filter(b -> b.line() > block.line()).findFirst()
                .orElseThrow(() -> new AssertionError("no block after " + block));
    }
}
