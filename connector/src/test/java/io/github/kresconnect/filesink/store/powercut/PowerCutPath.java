package io.github.kresconnect.filesink.store.powercut;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;

/** A path of the power-cut file system: a real path of the default file system, wrapped. */
final class PowerCutPath implements Path {
    private final PowerCutNioFileSystem fileSystem;
    final Path real;

    PowerCutPath(PowerCutNioFileSystem fileSystem, Path real) {
        this.fileSystem = fileSystem;
        this.real = real;
    }

    private Path wrap(Path path) {
        return fileSystem.wrap(path);
    }

    private Path unwrap(Path other) {
        if (other instanceof PowerCutPath path && path.fileSystem == fileSystem) {
            return path.real;
        }
        throw new ProviderMismatchException("not a path of " + fileSystem + ": " + other);
    }

    private boolean ours(Path other) {
        return other instanceof PowerCutPath path && path.fileSystem == fileSystem;
    }

    @Override
    public PowerCutNioFileSystem getFileSystem() {
        return fileSystem;
    }

    @Override
    public boolean isAbsolute() {
        return real.isAbsolute();
    }

    @Override
    public Path getRoot() {
        return wrap(real.getRoot());
    }

    @Override
    public Path getFileName() {
        return wrap(real.getFileName());
    }

    @Override
    public Path getParent() {
        return wrap(real.getParent());
    }

    @Override
    public int getNameCount() {
        return real.getNameCount();
    }

    @Override
    public Path getName(int index) {
        return wrap(real.getName(index));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
        return wrap(real.subpath(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        return ours(other) && real.startsWith(((PowerCutPath) other).real);
    }

    @Override
    public boolean endsWith(Path other) {
        return ours(other) && real.endsWith(((PowerCutPath) other).real);
    }

    @Override
    public Path normalize() {
        return wrap(real.normalize());
    }

    @Override
    public Path resolve(Path other) {
        return wrap(real.resolve(unwrap(other)));
    }

    @Override
    public Path relativize(Path other) {
        return wrap(real.relativize(unwrap(other)));
    }

    @Override
    public URI toUri() {
        try {
            return new URI(fileSystem.provider().getScheme(), null, real.toAbsolutePath().toString(), null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Path toAbsolutePath() {
        return wrap(real.toAbsolutePath());
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
        fileSystem.layer().check();
        return wrap(real.toRealPath(options));
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
        throw new UnsupportedOperationException("no watch service on the power-cut file system");
    }

    @Override
    public int compareTo(Path other) {
        return real.compareTo(((PowerCutPath) other).real);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PowerCutPath path && path.fileSystem == fileSystem && path.real.equals(real);
    }

    @Override
    public int hashCode() {
        return real.hashCode();
    }

    @Override
    public String toString() {
        return real.toString();
    }
}
