package io.github.kresconnect.filesink.publish;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.github.kresconnect.filesink.protocol.Chunking;
import io.github.kresconnect.filesink.protocol.FileNames;
import io.github.kresconnect.filesink.protocol.InvalidFileNameException;
import io.github.kresconnect.filesink.publish.PublishOptions.FileArgument;
import io.github.kresconnect.filesink.store.FileKind;

/**
 * What will be sent, in order: data files first in the order given, configuration files last (a config may
 * reference data files, and the resolver rejects a config whose files do not exist yet). Every file is
 * checked here, before anything is sent, against the rules and limits the connector enforces: its name
 * ({@link FileNames}), its size and its chunk count.
 */
public record PublishPlan(List<PlannedFile> files, int chunkSize) {

    /** One file: its name on the topic, where it is read, its size when planned, and how many records it takes. */
    public record PlannedFile(String name, Path path, long size, int chunks, FileKind kind) {
        public boolean isChunked() {
            return chunks > 1;
        }
    }

    public static PublishPlan build(PublishOptions options) throws PublishException {
        List<PlannedFile> data = new ArrayList<>();
        List<PlannedFile> configs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (FileArgument file : options.files()) {
            checkName(file.name());
            if (!names.add(file.name())) {
                throw new PublishException(ExitCode.USAGE, "file name '" + file.name() + "' is given twice; "
                        + "the later file would replace the earlier one on the resolver");
            }
            FileKind kind = kindOf(file.name(), options.configSuffixes());
            long size = readableSize(file);
            long limit = kind == FileKind.CONFIG ? Math.min(options.maxConfigBytes(), options.maxFileBytes())
                    : options.maxFileBytes();
            if (size > limit) {
                throw new PublishException(ExitCode.FILE, "'" + file.path() + "' is " + size + " bytes, above the "
                        + "connector's limit of " + limit + " bytes for " + (kind == FileKind.CONFIG
                        ? "configuration files (config.file.max.bytes; --max-config-bytes)"
                        : "files (file.max.bytes; --max-file-bytes)")
                        + "; the connector would reject it");
            }
            long chunks = Chunking.chunkCount(size, options.chunkSize());
            if (chunks > options.maxChunks()) {
                throw new PublishException(ExitCode.FILE, "'" + file.path() + "' needs " + chunks + " chunks of "
                        + options.chunkSize() + " bytes, above the connector's chunks.max.count of "
                        + options.maxChunks() + " (--max-chunks); use a larger --chunk-size");
            }
            PlannedFile planned = new PlannedFile(file.name(), file.path(), size, (int) chunks, kind);
            (kind == FileKind.CONFIG ? configs : data).add(planned);
        }
        List<PlannedFile> ordered = new ArrayList<>(data);
        ordered.addAll(configs);
        return new PublishPlan(List.copyOf(ordered), options.chunkSize());
    }

    public long totalBytes() {
        return files.stream().mapToLong(PlannedFile::size).sum();
    }

    public int totalChunks() {
        return files.stream().mapToInt(PlannedFile::chunks).sum();
    }

    static FileKind kindOf(String name, Set<String> configSuffixes) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String suffix : configSuffixes) {
            if (lower.endsWith(suffix.toLowerCase(Locale.ROOT))) {
                return FileKind.CONFIG;
            }
        }
        return FileKind.DATA;
    }

    /**
     * The connector's own file-name rules ({@link FileNames}): a name it would reject is refused here, before
     * anything is sent, as invalid input.
     */
    static void checkName(String name) throws PublishException {
        try {
            FileNames.check(name);
        } catch (InvalidFileNameException e) {
            throw new PublishException(ExitCode.USAGE, "file name " + FileNames.quote(name) + " would be rejected "
                    + "by the connector: " + e.reason() + " (give another name with NAME=PATH)", e);
        }
    }

    private static long readableSize(FileArgument file) throws PublishException {
        Path path = file.path();
        if (Files.isDirectory(path)) {
            throw new PublishException(ExitCode.FILE, "'" + path + "' is a directory, not a file");
        }
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            throw new PublishException(ExitCode.FILE, "'" + path + "' is not a regular file");
        }
        // Opening proves readability; a size alone does not.
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return channel.size();
        } catch (NoSuchFileException e) {
            throw new PublishException(ExitCode.FILE, "'" + path + "' does not exist");
        } catch (IOException | SecurityException e) {
            throw new PublishException(ExitCode.FILE, "'" + path + "' cannot be read: " + e.getMessage(), e);
        }
    }
}
