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
 * The journal file: a header, then entries, each {@code [length][CRC32C][operations]}. An entry is written
 * whole and fsync'd before anything it describes becomes visible; a torn entry at the end (a crash while
 * appending) fails its checksum and is cut off when the journal is opened, as if never written: the round
 * that wrote it had made nothing visible yet.
 */
final class Journal implements AutoCloseable {
    private static final byte[] MAGIC = "resolver-file-sink journal 1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_ENTRY_BYTES = 256 * 1024 * 1024;

    private final Path file;
    private final FileChannel channel;
    private long size;

    private Journal(Path file, FileChannel channel, long size) {
        this.file = file;
        this.channel = channel;
        this.size = size;
    }

    /** Reads every whole entry of the journal at {@code file} (none when it does not exist). */
    static List<List<JournalOp>> read(Path file) throws IOException {
        List<List<JournalOp>> entries = new ArrayList<>();
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return entries;
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            byte[] magic = new byte[MAGIC.length];
            if (readFully(in, ByteBuffer.wrap(magic)) < MAGIC.length || !Arrays.equals(magic, MAGIC)) {
                throw new IOException(file + " is not a journal of this connector");
            }
            ByteBuffer head = ByteBuffer.allocate(8);
            while (true) {
                head.clear();
                if (readFully(in, head) < 8) {
                    break;
                }
                head.flip();
                int length = head.getInt();
                int crc = head.getInt();
                if (length < 0 || length > MAX_ENTRY_BYTES || in.position() + length > in.size()) {
                    break;
                }
                byte[] payload = new byte[length];
                if (readFully(in, ByteBuffer.wrap(payload)) < length || crc(payload) != crc) {
                    break;
                }
                entries.add(decode(payload));
            }
        }
        return entries;
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
        ByteBuffer framed = frame(ops);
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
        size += framed.capacity();
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

    private static ByteBuffer frame(List<JournalOp> ops) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + ops.size() * 48);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(ops.size());
        for (JournalOp op : ops) {
            JournalOp.write(op, out);
        }
        out.flush();
        byte[] payload = bytes.toByteArray();
        ByteBuffer framed = ByteBuffer.allocate(8 + payload.length);
        framed.putInt(payload.length).putInt(crc(payload)).put(payload).flip();
        return framed;
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

    private static int readFully(FileChannel in, ByteBuffer buffer) throws IOException {
        int total = 0;
        while (buffer.hasRemaining()) {
            int read = in.read(buffer);
            if (read < 0) {
                break;
            }
            total += read;
        }
        return total;
    }
}
