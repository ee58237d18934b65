package io.github.kresconnect.filesink.receipts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.store.DurableFiles;
import io.github.kresconnect.filesink.store.FileStore;

/**
 * Receipts of the manager's requests, kept in {@code .resolver-file-sink/manager-receipts} until the receipts
 * topic acknowledged them: written before the request's owed state is cleared, so a crash after the request
 * does not lose its receipt. One receipt value (JSON) per line, replaced atomically. At most {@link #MAX_HELD}
 * are kept; beyond, the oldest is no longer kept across a crash (it stays queued for sending).
 */
final class ReceiptOutbox {
    private static final Logger log = LoggerFactory.getLogger(ReceiptOutbox.class);

    static final String FILE_NAME = "manager-receipts";
    static final int MAX_HELD = 100;

    private final Path file;
    private final List<Receipt> held = new ArrayList<>();

    private ReceiptOutbox(Path file) {
        this.file = file;
    }

    /** Opens the outbox of {@code filesDir}, reading what an earlier run left unsent. */
    static ReceiptOutbox open(Path filesDir) throws IOException {
        Path dir = filesDir.resolve(FileStore.STATE_DIR);
        Files.createDirectories(dir);
        ReceiptOutbox outbox = new ReceiptOutbox(dir.resolve(FILE_NAME));
        List<String> lines;
        try {
            lines = Files.readAllLines(outbox.file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return outbox;
        }
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            try {
                outbox.held.add(Receipt.fromJson(line.getBytes(StandardCharsets.UTF_8)));
            } catch (IllegalArgumentException e) {
                log.warn("Skipped an unreadable line of {}: {}", outbox.file, e.getMessage());
            }
        }
        return outbox;
    }

    /** The receipts kept and not yet acknowledged, oldest first. */
    synchronized List<Receipt> held() {
        return List.copyOf(held);
    }

    /** Keeps a receipt; durable when this returns. */
    synchronized void add(Receipt receipt) throws IOException {
        held.add(receipt);
        while (held.size() > MAX_HELD) {
            held.remove(0);
        }
        write();
    }

    /** Forgets an acknowledged receipt (by identity). */
    synchronized void remove(Receipt receipt) {
        if (!held.removeIf(kept -> kept == receipt)) {
            return;
        }
        try {
            write();
        } catch (IOException e) {
            log.debug("Could not update {} ({}); a receipt may be sent once more after a restart", file,
                    e.toString());
        }
    }

    private void write() throws IOException {
        if (held.isEmpty()) {
            Files.deleteIfExists(file);
            DurableFiles.syncDirectory(file.getParent());
            return;
        }
        StringBuilder text = new StringBuilder();
        held.forEach(receipt -> text.append(receipt.toJsonText()).append('\n'));
        DurableFiles.replace(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }
}
