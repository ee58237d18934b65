package io.github.kresconnect.filesink.publish;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.github.kresconnect.filesink.protocol.Chunking;
import io.github.kresconnect.filesink.protocol.ConfigFileValidator;
import io.github.kresconnect.filesink.protocol.FileNames;
import io.github.kresconnect.filesink.protocol.InvalidConfigFileException;
import io.github.kresconnect.filesink.protocol.InvalidFileNameException;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;
import io.github.kresconnect.filesink.publish.PublishOptions.FileArgument;
import io.github.kresconnect.filesink.store.FileKind;

/**
 * What will be sent, in order: data files first in the order given, configuration files last (a config may
 * reference data files, and the resolver rejects a config whose files do not exist yet). Every file is
 * checked here, before any broker is contacted and before anything is sent, against the rules and limits the
 * connector enforces: its name ({@link FileNames}), its size (file.max.bytes, or config.file.max.bytes for a
 * configuration file), its chunk count, and a configuration file's content ({@link ConfigFileValidator}, the
 * connector's own validation). Every file is checked; all refusals are reported together.
 */
public record PublishPlan(List<PlannedFile> files, int chunkSize) {

    /**
     * One file: its name on the topic, where it is read, its size when planned, how many records it takes, and
     * for a configuration file the SHA-256 (hex) of the content that was validated, so that a file changed
     * between validation and sending is not sent.
     */
    public record PlannedFile(String name, Path path, long size, int chunks, FileKind kind, String validatedSha256) {
        public PlannedFile(String name, Path path, long size, int chunks, FileKind kind) {
            this(name, path, size, chunks, kind, null);
        }

        public boolean isChunked() {
            return chunks > 1;
        }
    }

    /**
     * The plan, or the refusals: each file's first problem, in the order given, in one exception whose exit
     * code is the first refusal's ({@link ExitCode#INVALID_FILE} for a file the connector would refuse).
     */
    public static PublishPlan build(PublishOptions options) throws PublishException {
        List<PlannedFile> data = new ArrayList<>();
        List<PlannedFile> configs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<PublishException> refusals = new ArrayList<>();
        ConfigFileValidator validator = new ConfigFileValidator(options.maxConfigBytes());
        for (FileArgument file : options.files()) {
            try {
                checkName(file.name());
                if (!names.add(file.name())) {
                    throw new PublishException(ExitCode.USAGE, "file name '" + file.name() + "' is given twice; "
                            + "the later file would replace the earlier one on the resolver");
                }
                PlannedFile planned = plan(file, options, validator);
                (planned.kind() == FileKind.CONFIG ? configs : data).add(planned);
            } catch (PublishException e) {
                refusals.add(e);
            }
        }
        if (refusals.size() == 1) {
            throw refusals.get(0);
        }
        if (!refusals.isEmpty()) {
            StringBuilder message = new StringBuilder(refusals.size() + " files refused:");
            for (PublishException refusal : refusals) {
                message.append(System.lineSeparator()).append("  - ").append(refusal.getMessage());
            }
            throw new PublishException(refusals.get(0).exitCode(), message.toString(), refusals.get(0));
        }
        List<PlannedFile> ordered = new ArrayList<>(data);
        ordered.addAll(configs);
        return new PublishPlan(List.copyOf(ordered), options.chunkSize());
    }

    private static PlannedFile plan(FileArgument file, PublishOptions options, ConfigFileValidator validator)
            throws PublishException {
        FileKind kind = kindOf(file.name(), options.configSuffixes());
        long size = readableSize(file);
        // The connector's limit: config.file.max.bytes for a configuration file, file.max.bytes for any other.
        long limit = kind == FileKind.CONFIG ? options.maxConfigBytes() : options.maxFileBytes();
        if (size > limit) {
            throw tooLarge(file, size, kind, limit);
        }
        long chunks = Chunking.chunkCount(size, options.chunkSize());
        if (chunks > options.maxChunks()) {
            throw new PublishException(ExitCode.INVALID_FILE, describe(file) + " needs " + chunks + " chunks of "
                    + options.chunkSize() + " bytes, above the connector's chunks.max.count of "
                    + options.maxChunks() + " (--max-chunks); use a larger --chunk-size");
        }
        String validatedSha256 = null;
        if (kind == FileKind.CONFIG) {
            byte[] content = readConfig(file, limit);
            if (content.length > limit) {
                throw tooLarge(file, content.length, kind, limit);
            }
            try {
                validator.validate(file.name(), content);
            } catch (InvalidConfigFileException e) {
                throw new PublishException(ExitCode.INVALID_FILE, describe(file) + " would be rejected by the "
                        + "connector: " + e.getMessage(), e);
            }
            validatedSha256 = TransferIntegrity.sha256Hex(TransferIntegrity.newSha256().digest(content));
            size = content.length;
            chunks = Chunking.chunkCount(size, options.chunkSize());
        }
        return new PlannedFile(file.name(), file.path(), size, (int) chunks, kind, validatedSha256);
    }

    public long totalBytes() {
        return files.stream().mapToLong(PlannedFile::size).sum();
    }

    public int totalChunks() {
        return files.stream().mapToInt(PlannedFile::chunks).sum();
    }

    /** A configuration file ends with one of the connector's config.file.suffixes, in any case. */
    static FileKind kindOf(String name, Set<String> configSuffixes) {
        return ConfigFileValidator.isConfigFile(name, configSuffixes) ? FileKind.CONFIG : FileKind.DATA;
    }

    /**
     * The connector's own file-name rules ({@link FileNames}): a name it would reject is refused here, before
     * anything is sent, as invalid input.
     */
    static void checkName(String name) throws PublishException {
        try {
            FileNames.check(name);
        } catch (InvalidFileNameException e) {
            throw new PublishException(ExitCode.INVALID_FILE, "file name " + FileNames.quote(name) + " would be "
                    + "rejected by the connector: " + e.reason() + " (give another name with NAME=PATH)", e);
        }
    }

    /** The path, and the name it is sent under when that is not its base name. */
    private static String describe(FileArgument file) {
        Path base = file.path().getFileName();
        String path = "'" + file.path() + "'";
        return base != null && base.toString().equals(file.name()) ? path
                : path + " (sent as " + FileNames.quote(file.name()) + ")";
    }

    private static PublishException tooLarge(FileArgument file, long size, FileKind kind, long limit) {
        return new PublishException(ExitCode.INVALID_FILE, describe(file) + " is " + size + " bytes, above the "
                + "connector's limit of " + limit + " bytes for " + (kind == FileKind.CONFIG
                        ? "configuration files (config.file.max.bytes; --max-config-bytes)"
                        : "files (file.max.bytes; --max-file-bytes)")
                + "; the connector would reject it");
    }

    /**
     * The content to validate, read once: at most {@code limit + 1} bytes, enough to tell that the file grew past
     * the limit; a file that grew while it was read is refused as changed.
     */
    private static byte[] readConfig(FileArgument file, long limit) throws PublishException {
        try (FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ)) {
            int capacity = (int) Math.min(limit, channel.size()) + 1;
            ByteBuffer buffer = ByteBuffer.allocate(capacity);
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // reads until full or at the end
            }
            if (!buffer.hasRemaining() && capacity <= limit) {
                throw new PublishException(ExitCode.FILE, "'" + file.path() + "' changed while it was read; "
                        + "run again once it is complete");
            }
            return Arrays.copyOf(buffer.array(), buffer.position());
        } catch (IOException | SecurityException e) {
            throw new PublishException(ExitCode.FILE, "'" + file.path() + "' cannot be read: " + e.getMessage(), e);
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
