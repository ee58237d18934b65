package io.github.kresconnect.filesink.store.powercut;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * A channel of the power-cut file system: the real channel, plus the inode it was opened on (kept when the name
 * is later renamed or removed), so that {@link #force} makes that inode's content, or that directory's entries,
 * durable in the model.
 */
final class PowerCutChannel extends FileChannel {
    private final PowerCutFileSystem layer;
    private final FileChannel delegate;
    final Node node;
    /** The real path it was opened by, where the inode is looked for first. */
    final Path openedAt;
    private final boolean readable;
    private final boolean writable;
    /** Whether the real channel can be read, also when the caller asked for writing only. */
    private final boolean delegateReadable;

    PowerCutChannel(PowerCutFileSystem layer, FileChannel delegate, Node node, Path openedAt, boolean readable,
            boolean writable, boolean delegateReadable) {
        this.layer = layer;
        this.delegate = delegate;
        this.node = node;
        this.openedAt = openedAt;
        this.readable = readable;
        this.writable = writable;
        this.delegateReadable = delegateReadable;
    }

    private void readable() {
        if (!readable) {
            throw new NonReadableChannelException();
        }
    }

    private void writable() {
        if (!writable) {
            throw new NonWritableChannelException();
        }
    }

    private void open() throws IOException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
        layer.check();
    }

    /** The whole content through the real channel, without moving its position; null when it cannot be read. */
    byte[] contentForModel() throws IOException {
        if (!delegateReadable || !delegate.isOpen()) {
            return null;
        }
        long size = delegate.size();
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException("a file of " + size + " bytes is too large for the power-cut model");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) size);
        while (buffer.hasRemaining()) {
            if (delegate.read(buffer, buffer.position()) < 0) {
                break;
            }
        }
        byte[] content = new byte[buffer.position()];
        buffer.flip().get(content);
        return content;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        open();
        readable();
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        open();
        readable();
        return delegate.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        open();
        readable();
        return delegate.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        open();
        writable();
        return layer.shared(() -> delegate.write(src));
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        open();
        writable();
        return layer.shared(() -> delegate.write(srcs, offset, length));
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        open();
        writable();
        return layer.shared(() -> delegate.write(src, position));
    }

    @Override
    public long position() throws IOException {
        open();
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        open();
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        open();
        return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        open();
        writable();
        layer.shared(() -> delegate.truncate(size));
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
        layer.force(this);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        open();
        readable();
        WritableByteChannel realTarget = target;
        if (target instanceof PowerCutChannel wrapped) {
            wrapped.open();
            wrapped.writable();
            realTarget = wrapped.delegate;
        }
        WritableByteChannel to = realTarget;
        return layer.shared(() -> delegate.transferTo(position, count, to));
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        open();
        writable();
        ReadableByteChannel realSource = src;
        if (src instanceof PowerCutChannel wrapped) {
            wrapped.open();
            wrapped.readable();
            realSource = wrapped.delegate;
        }
        ReadableByteChannel from = realSource;
        return layer.shared(() -> delegate.transferFrom(from, position, count));
    }

    /** Writes through a mapping reach the real file, and the model at the next force of the file. */
    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        open();
        return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        open();
        if (shared) {
            readable();
        } else {
            writable();
        }
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        open();
        if (shared) {
            readable();
        } else {
            writable();
        }
        return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        layer.closed(this);
        delegate.close();
    }
}
