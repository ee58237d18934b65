package io.github.kresconnect.filesink.store.powercut;

import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.github.kresconnect.filesink.store.DurabilityBarrier;

/**
 * The {@link FileSystem} of a {@link PowerCutFileSystem}: the default file system's paths, wrapped. Without a
 * barrier; {@link WithBarrier} has one.
 */
class PowerCutNioFileSystem extends FileSystem {
    private static final FileSystem REAL = FileSystems.getDefault();

    private final PowerCutFileSystem layer;
    private final PowerCutProvider provider;

    PowerCutNioFileSystem(PowerCutFileSystem layer) {
        this.layer = layer;
        this.provider = new PowerCutProvider(this);
    }

    PowerCutFileSystem layer() {
        return layer;
    }

    Path wrap(Path real) {
        return real == null ? null : new PowerCutPath(this, real);
    }

    @Override
    public PowerCutProvider provider() {
        return provider;
    }

    @Override
    public void close() {
        layer.close();
    }

    @Override
    public boolean isOpen() {
        return layer.isOpen();
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public String getSeparator() {
        return REAL.getSeparator();
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        List<Path> roots = new ArrayList<>();
        for (Path root : REAL.getRootDirectories()) {
            roots.add(wrap(root));
        }
        return roots;
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return REAL.getFileStores();
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return REAL.supportedFileAttributeViews();
    }

    @Override
    public Path getPath(String first, String... more) {
        return wrap(REAL.getPath(first, more));
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        PathMatcher real = REAL.getPathMatcher(syntaxAndPattern);
        return path -> path instanceof PowerCutPath wrapped && real.matches(wrapped.real);
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return REAL.getUserPrincipalLookupService();
    }

    @Override
    public WatchService newWatchService() {
        throw new UnsupportedOperationException("no watch service on the power-cut file system");
    }

    @Override
    public String toString() {
        return "power-cut file system over " + layer.realRoot();
    }

    /** With a {@link DurabilityBarrier}: syncfs(2) of the whole layer (see {@link PowerCutFileSystem#barrier()}). */
    static final class WithBarrier extends PowerCutNioFileSystem implements DurabilityBarrier {
        WithBarrier(PowerCutFileSystem layer) {
            super(layer);
        }

        @Override
        public void makeDurable(Path path) throws java.io.IOException {
            layer().barrier();
        }
    }
}
