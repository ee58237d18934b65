package io.github.kresconnect.filesink.notify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.store.DurableFiles;

/**
 * The request still owed to the manager, kept in {@code .resolver-file-sink/pending-notification} inside the
 * files directory (names starting with '.' are never delivered files), so a crash between publishing a file
 * and telling the manager still ends in the reload or renew. Written atomically and only when its value
 * changes; while the same request only gains files (a stream of publications within one quiet period), their
 * lines are appended instead of rewriting every file owed so far at each round, and {@link #add} costs what the
 * round's own files cost, however many files are already owed (the manager may stay unreachable for hours). A
 * later line for a file replaces an earlier one, and a torn last line (a crash while appending, before the files
 * it named were published) is skipped. Not thread-safe: the notifier guards it.
 */
final class PendingNotificationFile {
    private static final Logger log = LoggerFactory.getLogger(PendingNotificationFile.class);

    static final String STATE_DIR = io.github.kresconnect.filesink.store.FileStore.STATE_DIR;
    static final String FILE_NAME = "pending-notification";

    private final Path dir;
    private final Path file;
    private final Path temp;
    /** What the file holds now (null: no file). */
    private ManagerRequest current;
    /** The files it is owed for, as far as known, by name. */
    private Map<String, ChangedFile> currentFiles = new LinkedHashMap<>();

    private PendingNotificationFile(Path filesDir) {
        this.dir = filesDir.resolve(STATE_DIR);
        this.file = dir.resolve(FILE_NAME);
        this.temp = dir.resolve(FILE_NAME + ".new");
    }

    /** Opens the state in {@code filesDir}, creating its directory; reads what a previous run left. */
    static PendingNotificationFile open(Path filesDir) throws IOException {
        PendingNotificationFile state = new PendingNotificationFile(filesDir);
        if (!Files.isDirectory(state.dir)) {
            Files.createDirectories(state.dir);
            DurableFiles.syncDirectory(filesDir);
        }
        Files.deleteIfExists(state.temp);
        state.current = state.readFile();
        return state;
    }

    /** The first line says what is owed; each further line names a file it is owed for. */
    private ManagerRequest readFile() throws IOException {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            return null;
        }
        List<String> lines = content.lines().toList();
        content = lines.isEmpty() ? "" : lines.get(0).strip();
        Map<String, ChangedFile> files = new LinkedHashMap<>();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            try {
                ChangedFile changed = ChangedFile.fromJson(line);
                files.put(changed.name(), changed); // a later line for the same file is its newer change
            } catch (IllegalArgumentException e) {
                log.warn("{}: skipped an unreadable file line ({})", file, e.getMessage());
            }
        }
        currentFiles = files;
        Optional<ManagerRequest> request = ManagerRequest.fromWord(content);
        if (request.isEmpty()) {
            // Unreadable (for example edited by hand): a reload is never wrong, only possibly unneeded.
            log.warn("{} holds '{}', which is neither 'reload' nor 'renew'; treating it as a pending reload", file,
                    content.length() > 20 ? content.substring(0, 20) + "..." : content);
            return ManagerRequest.RELOAD;
        }
        return request.get();
    }

    /** The persisted pending request, if any. */
    Optional<ManagerRequest> get() {
        return Optional.ofNullable(current);
    }

    /** The files the persisted request is owed for, as far as known. */
    List<ChangedFile> files() {
        return List.copyOf(currentFiles.values());
    }

    Path path() {
        return file;
    }

    /**
     * Makes the file say {@code request} (null: nothing pending), owed for {@code files}; durable on return. No
     * I/O if unchanged. Costs what all the files cost: for what is owed when a request was accepted.
     */
    void set(ManagerRequest request, List<ChangedFile> files) throws IOException {
        Map<String, ChangedFile> owedFor = new LinkedHashMap<>();
        if (request != null) {
            files.forEach(changed -> owedFor.put(changed.name(), changed));
        }
        if (request == current && owedFor.equals(currentFiles)) {
            return;
        }
        List<ChangedFile> added = request != null && request == current ? addedTo(currentFiles, owedFor) : null;
        if (request == null) {
            Files.deleteIfExists(file);
            DurableFiles.syncDirectory(dir);
        } else if (added != null) {
            append(added, true);
        } else {
            rewrite(request, owedFor);
        }
        current = request;
        currentFiles = owedFor;
    }

    /**
     * Makes the file say a request covering both {@code request} and what it says already, owed also for
     * {@code files} (a newer change of a file replaces the older); durable on return, but for lines appended when
     * {@code syncLater} is given: it is handed the file, and the caller makes it durable. While the request stays
     * the same, only the files that are new or changed are appended: the cost is that of {@code files}, not of
     * everything owed so far. No I/O if nothing changes.
     */
    void add(ManagerRequest request, List<ChangedFile> files, Consumer<Path> syncLater) throws IOException {
        ManagerRequest covering = ManagerRequest.covering(current, request);
        if (covering == null) {
            return;
        }
        List<ChangedFile> added = new ArrayList<>();
        for (ChangedFile changed : files) {
            if (!changed.equals(currentFiles.get(changed.name()))) {
                added.add(changed);
            }
        }
        if (covering == current) {
            if (added.isEmpty()) {
                return;
            }
            append(added, syncLater == null);
            if (syncLater != null) {
                syncLater.accept(file);
            }
            added.forEach(changed -> currentFiles.put(changed.name(), changed));
            return;
        }
        Map<String, ChangedFile> owedFor = new LinkedHashMap<>(currentFiles);
        added.forEach(changed -> owedFor.put(changed.name(), changed));
        rewrite(covering, owedFor); // the request itself changed: at most twice between two accepted requests
        current = covering;
        currentFiles = owedFor;
    }

    private void append(List<ChangedFile> added, boolean sync) throws IOException {
        StringBuilder text = new StringBuilder();
        added.forEach(changed -> text.append(changed.toJson()).append('\n'));
        DurableFiles.append(file, text.toString().getBytes(StandardCharsets.UTF_8), sync);
    }

    private void rewrite(ManagerRequest request, Map<String, ChangedFile> owedFor) throws IOException {
        StringBuilder text = new StringBuilder(request.word()).append('\n');
        owedFor.values().forEach(changed -> text.append(changed.toJson()).append('\n'));
        DurableFiles.replace(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The files of {@code now} that are new or changed since {@code before}, when {@code now} keeps every file of
     * {@code before} (then appending them to the file gives {@code now}); null when a file was dropped.
     */
    private static List<ChangedFile> addedTo(Map<String, ChangedFile> before, Map<String, ChangedFile> now) {
        List<ChangedFile> added = new ArrayList<>();
        int kept = 0;
        for (ChangedFile changed : now.values()) {
            ChangedFile earlier = before.get(changed.name());
            if (earlier == null || !earlier.equals(changed)) {
                added.add(changed);
            }
            if (earlier != null) {
                kept++;
            }
        }
        return kept == before.size() ? added : null;
    }
}
