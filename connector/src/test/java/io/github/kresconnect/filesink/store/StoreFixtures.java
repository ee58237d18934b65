package io.github.kresconnect.filesink.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/** Shared settings and disk snapshots for the store's tests. */
final class StoreFixtures {
    static final Set<String> CONFIG_SUFFIXES = Set.of(".json", ".yaml", ".yml");
    static final Duration STALE_AFTER = Duration.ofMinutes(60);

    private StoreFixtures() {
    }

    static StoreSettings settings(long maxFileBytes, long maxConfigBytes) {
        return new StoreSettings(CONFIG_SUFFIXES, maxFileBytes, maxConfigBytes, STALE_AFTER);
    }

    static StoreSettings settings() {
        return settings(64L * 1024 * 1024, 1024 * 1024);
    }

    /**
     * Every entry under {@code root} (not following links) with its kind and, for regular files, content
     * size and hash: any creation, deletion or change shows as a difference.
     */
    static TreeMap<String, String> snapshot(Path root) {
        TreeMap<String, String> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.forEach(path -> {
                String kind;
                try {
                    if (Files.isSymbolicLink(path)) {
                        kind = "link->" + Files.readSymbolicLink(path);
                    } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                        kind = "dir";
                    } else {
                        byte[] content = Files.readAllBytes(path);
                        kind = "file:" + content.length + ":" + java.util.Arrays.hashCode(content);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                entries.put(root.relativize(path).toString(), kind);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }

    /** The store's work directory inside {@code filesDir}. */
    static Path workDir(Path filesDir) {
        return filesDir.resolve(FileStore.STATE_DIR).resolve(FileStore.STORE_DIR).resolve(FileStore.WORK_DIR);
    }

    /** The names in the store's work directory, sorted. */
    static List<String> workFiles(Path filesDir) {
        try (Stream<Path> entries = Files.list(workDir(filesDir))) {
            return entries.map(path -> path.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Like {@link #snapshot} but without what lies inside the store's own state directory. */
    static TreeMap<String, String> snapshotOutsideState(Path filesDir) {
        TreeMap<String, String> entries = snapshot(filesDir);
        entries.keySet().removeIf(path -> path.startsWith(FileStore.STATE_DIR + "/"));
        return entries;
    }

    static String sha256(byte[] content) {
        return io.github.kresconnect.filesink.protocol.TransferIntegrity.sha256HexOf(content);
    }

    /** The integrity headers of one transfer of {@code whole}; {@code id} is padded to 32 hex digits. */
    static TransferIntegrity integrity(long id, byte[] whole) {
        return new TransferIntegrity(String.format("%032x", id), whole.length, sha256(whole));
    }
}
