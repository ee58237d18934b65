package io.github.kresconnect.filesink.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The journal file: a header, then entries, each {@code [length][CRC32C][operations]}. An entry is written whole
 * and fsync'd before anything it describes becomes visible. Reading tells two kinds of damage apart: a bad entry
 * that no valid entry follows is the torn write of the last round (partial, zero-filled, or with pages missing
 * after a power cut), which had made nothing visible yet and is cut off as if never written; a bad entry that a
 * valid one follows means that durable, committed data was lost, and the journal is refused
 * ({@link StoreDamagedException}) rather than silently replayed without its later entries.
 */
final class Journal implements AutoCloseable {
    private static final byte[] MAGIC = "resolver-file-sink journal 1\n".getBytes(StandardCharsets.US_ASCII);
    /** The largest entry written or read. */
    static final int MAX_ENTRY_BYTES = 256 * 1024 * 1024;
    /** An entry holds at least its operation count. */
    private static final int MIN_ENTRY_BYTES = 4;

    private final Path file;
    private final FileChannel channel;
    private long size;
    private final EntryBuffer entries = new EntryBuffer();

    private Journal(Path file, FileChannel channel, long size) {
        this.file = file;
        this.channel = channel;
        this.size = size;
    }

    /**
     * Reads every whole entry of the journal at {@code file} (none when it does not exist), leaving out a torn
     * last entry.
     *
     * @throws StoreDamagedException when an entry in the middle cannot be read
     */
    static List<List<JournalOp>> read(Path file) throws IOException {
        List<List<JournalOp>> entries = new ArrayList<>();
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return entries;
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = in.size();
            byte[] magic = new byte[MAGIC.length];
            if (readFully(in, ByteBuffer.wrap(magic), 0) < MAGIC.length || !Arrays.equals(magic, MAGIC)) {
                throw new StoreDamagedException(file, 0, "it does not start as a journal of this connector does");
            }
            long position = MAGIC.length;
            while (position < size) {
                List<JournalOp> entry = entryAt(in, position, size);
                if (entry == null) {
                    if (validEntryAfter(in, position, size)) {
                        throw new StoreDamagedException(file, position, "the entry there is damaged while a later "
                                + "one is intact, so this is not a write interrupted by a crash");
                    }
                    break; // the torn last entry
                }
                entries.add(entry);
                position += 8 + frameLength(in, position);
            }
        }
        return entries;
    }

    /** The operations of the entry at {@code position}, or null when it is not a whole, valid entry. */
    private static List<JournalOp> entryAt(FileChannel in, long position, long size) throws IOException {
        int length = frameLength(in, position);
        if (length < MIN_ENTRY_BYTES || length > MAX_ENTRY_BYTES || position + 8 + length > size) {
            return null;
        }
        ByteBuffer crc = ByteBuffer.allocate(4);
        readFully(in, crc, position + 4);
        byte[] payload = new byte[length];
        if (readFully(in, ByteBuffer.wrap(payload), position + 8) < length || crc(payload) != crc.getInt(0)) {
            return null;
        }
        try {
            return decode(payload);
        } catch (IOException e) {
            return null;
        }
    }

    /** The length field of the entry at {@code position}, or -1 when the file ends before it. */
    private static int frameLength(FileChannel in, long position) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(4);
        return readFully(in, head, position) < 4 ? -1 : head.getInt(0);
    }

    /** True when a valid entry starts anywhere after {@code position}: what is before it was durable once. */
    private static boolean validEntryAfter(FileChannel in, long position, long size) throws IOException {
        for (long at = position + 1; at + 8 + MIN_ENTRY_BYTES <= size; at++) {
            int length = frameLength(in, at);
            if (length >= MIN_ENTRY_BYTES && at + 8 + length <= size && entryAt(in, at, size) != null) {
                return true;
            }
        }
        return false;
    }

    /** Rewrites the journal as the single entry {@code snapshot} (atomically) and opens it for appending. */
    static Journal create(Path file, List<JournalOp> snapshot) throws IOException {
        ByteBuffer entry = frame(snapshot);
        byte[] content = new byte[MAGIC.length + entry.remaining()];
        System.arraycopy(MAGIC, 0, content, 0, MAGIC.length);
        entry.get(content, MAGIC.length, entry.remaining());
        DurableFiles.replace(file, content);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        long size = channel.size();
        channel.position(size);
        return new Journal(file, channel, size);
    }

    /** Appends one entry and fsyncs it: the commit point of a round. */
    void append(List<JournalOp> ops) throws IOException {
        ByteBuffer framed = entries.frame(ops);
        int length = framed.remaining();
        try {
            channel.position(size);
            DurableFiles.writeFully(channel, framed);
            channel.force(false);
        } catch (IOException e) {
            // A partial entry fails its checksum when read; drop it now so a later entry is not hidden behind it.
            try {
                channel.truncate(size);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        size += length;
    }

    long size() {
        return size;
    }

    Path path() {
        return file;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** One entry, refused before anything is written when it could not be read back. */
    private static ByteBuffer frame(List<JournalOp> ops) throws IOException {
        return new EntryBuffer().frame(ops);
    }

    /**
     * Encodes entries into one array kept from one append to the next (appends come from the store's commit
     * thread alone), so that a round's entry costs no buffers of its own; an array grown past
     * {@link #KEPT_BYTES} by a large entry is not kept.
     */
    private static final class EntryBuffer extends ByteArrayOutputStream {
        private static final int INITIAL_BYTES = 8192;
        private static final int KEPT_BYTES = 1 << 20;
        private final DataOutputStream out = new DataOutputStream(this);
        private final CRC32C crc = new CRC32C();

        EntryBuffer() {
            super(INITIAL_BYTES);
        }

        /** The framed entry (length, CRC-32C, payload), valid until the next call. */
        ByteBuffer frame(List<JournalOp> ops) throws IOException {
            if (buf.length > KEPT_BYTES) {
                buf = new byte[INITIAL_BYTES];
            }
            reset();
            out.writeLong(0); // the length and the checksum, filled in below
            out.writeInt(ops.size());
            for (JournalOp op : ops) {
                JournalOp.write(op, out);
            }
            out.flush();
            int length = count - 8;
            if (length > MAX_ENTRY_BYTES) {
                throw new IOException("a journal entry of " + length + " bytes is over the limit of "
                        + MAX_ENTRY_BYTES);
            }
            crc.reset();
            crc.update(buf, 8, length);
            ByteBuffer framed = ByteBuffer.wrap(buf, 0, count);
            framed.putInt(0, length).putInt(4, (int) crc.getValue());
            return framed;
        }
    }

    private static List<JournalOp> decode(byte[] payload) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
        int count = in.readInt();
        List<JournalOp> ops = new ArrayList<>(Math.min(count, 1 << 16));
        for (int i = 0; i < count; i++) {
            ops.add(JournalOp.read(in));
        }
        return ops;
    }

    private static int crc(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return (int) crc.getValue();
    }

    private static int readFully(FileChannel in, ByteBuffer buffer, long position) throws IOException {
        int total = 0;
        while (buffer.hasRemaining()) {
            int read = in.read(buffer, position + total);
            if (read < 0) {
                break;
            }
            total += read;
        }
        return total;
    }
}
