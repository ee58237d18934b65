package io.github.kresconnect.filesink.store.powercut;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Sends every operation to the default provider on the real paths, tells the layer about new inodes, and refuses
 * everything once the power is cut. Namespace changes and opens run one at a time (so an open's inode is the one
 * its name had), data writes alongside each other.
 */
final class PowerCutProvider extends FileSystemProvider {
    static final String SCHEME = "powercut";

    private final PowerCutNioFileSystem fileSystem;

    PowerCutProvider(PowerCutNioFileSystem fileSystem) {
        this.fileSystem = fileSystem;
    }

    private PowerCutFileSystem layer() {
        return fileSystem.layer();
    }

    private Path unwrap(Path path) {
        if (path instanceof PowerCutPath wrapped && wrapped.getFileSystem() == fileSystem) {
            return wrapped.real;
        }
        throw new ProviderMismatchException("not a path of " + fileSystem + ": " + path);
    }

    private static FileSystemProvider real(Path path) {
        return path.getFileSystem().provider();
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public PowerCutNioFileSystem newFileSystem(URI uri, Map<String, ?> env) {
        throw new UnsupportedOperationException("create power-cut file systems with PowerCutFileSystem.over");
    }

    @Override
    public PowerCutNioFileSystem getFileSystem(URI uri) {
        throw new UnsupportedOperationException("create power-cut file systems with PowerCutFileSystem.over");
    }

    @Override
    public Path getPath(URI uri) {
        if (!SCHEME.equals(uri.getScheme())) {
            throw new IllegalArgumentException("not a " + SCHEME + " URI: " + uri);
        }
        return fileSystem.getPath(uri.getPath());
    }

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        Path real = unwrap(path);
        Set<OpenOption> opts = new HashSet<>(options);
        boolean append = opts.contains(StandardOpenOption.APPEND);
        boolean write = append || opts.contains(StandardOpenOption.WRITE);
        boolean read = opts.contains(StandardOpenOption.READ) || !write;
        boolean createNew = write && opts.contains(StandardOpenOption.CREATE_NEW);
        boolean create = write && (createNew || opts.contains(StandardOpenOption.CREATE));
        LinkOption[] links = opts.contains(LinkOption.NOFOLLOW_LINKS)
                ? new LinkOption[] { LinkOption.NOFOLLOW_LINKS } : new LinkOption[0];
        return layer().exclusive(() -> {
            boolean created = createNew || create && !exists(real, links);
            FileChannel delegate = null;
            boolean delegateReadable = read;
            if (write && !read && !append) {
                // Read access of its own, so that force can read the content back through this very inode.
                Set<OpenOption> withRead = new HashSet<>(opts);
                withRead.add(StandardOpenOption.READ);
                try {
                    delegate = FileChannel.open(real, withRead, attrs);
                    delegateReadable = true;
                } catch (AccessDeniedException e) {
                    delegate = null;
                }
            }
            if (delegate == null) {
                delegate = FileChannel.open(real, opts, attrs);
            }
            try {
                BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class, links);
                Node node = created ? layer().fresh(attributes) : layer().nodeFor(attributes);
                PowerCutChannel channel = new PowerCutChannel(layer(), delegate, node, real, read, write,
                        delegateReadable);
                layer().opened(channel);
                return channel;
            } catch (IOException | RuntimeException e) {
                delegate.close();
                throw e;
            }
        });
    }

    private static boolean exists(Path real, LinkOption... links) throws IOException {
        try {
            Files.readAttributes(real, BasicFileAttributes.class, links);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options,
            FileAttribute<?>... attrs) throws IOException {
        return newFileChannel(path, options, attrs);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        Path real = unwrap(dir);
        layer().check();
        DirectoryStream<Path> stream = Files.newDirectoryStream(real, entry -> filter.accept(fileSystem.wrap(entry)));
        PowerCutFileSystem layer = layer();
        return new DirectoryStream<>() {
            @Override
            public Iterator<Path> iterator() {
                Iterator<Path> entries = stream.iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        try {
                            layer.check();
                        } catch (IOException e) {
                            throw new DirectoryIteratorException(e);
                        }
                        return entries.hasNext();
                    }

                    @Override
                    public Path next() {
                        return fileSystem.wrap(entries.next());
                    }
                };
            }

            @Override
            public void close() throws IOException {
                stream.close();
            }
        };
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        Path real = unwrap(dir);
        layer().exclusive(() -> {
            Files.createDirectory(real, attrs);
            layer().fresh(Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
            return null;
        });
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        Path real = unwrap(link);
        Path realTarget = unwrap(target);
        layer().exclusive(() -> {
            Files.createSymbolicLink(real, realTarget, attrs);
            Node node = layer().fresh(
                    Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
            node.linkTarget = realTarget;
            return null;
        });
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        Path real = unwrap(link);
        Path realExisting = unwrap(existing);
        layer().exclusive(() -> Files.createLink(real, realExisting));
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        Path real = unwrap(link);
        layer().check();
        return fileSystem.wrap(Files.readSymbolicLink(real));
    }

    @Override
    public void delete(Path path) throws IOException {
        Path real = unwrap(path);
        layer().exclusive(() -> {
            Files.delete(real);
            return null;
        });
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        Path real = unwrap(path);
        return layer().exclusive(() -> Files.deleteIfExists(real));
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        Path realSource = unwrap(source);
        Path realTarget = unwrap(target);
        layer().exclusive(() -> {
            Files.copy(realSource, realTarget, options);
            layer().fresh(Files.readAttributes(realTarget, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
            return null;
        });
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        Path realSource = unwrap(source);
        Path realTarget = unwrap(target);
        layer().exclusive(() -> Files.move(realSource, realTarget, options));
    }

    @Override
    public boolean isSameFile(Path path, Path other) throws IOException {
        if (!(other instanceof PowerCutPath)) {
            return false;
        }
        Path real = unwrap(path);
        Path realOther = unwrap(other);
        layer().check();
        return Files.isSameFile(real, realOther);
    }

    @Override
    public boolean isHidden(Path path) throws IOException {
        Path real = unwrap(path);
        layer().check();
        return Files.isHidden(real);
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        Path real = unwrap(path);
        layer().check();
        return Files.getFileStore(real);
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        Path real = unwrap(path);
        layer().check();
        real(real).checkAccess(real, modes);
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        Path real = unwrap(path);
        V view = Files.getFileAttributeView(real, type, options);
        if (view == null) {
            return null;
        }
        PowerCutFileSystem layer = layer();
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return method.invoke(view, args);
            }
            IoCall<Object> call = () -> {
                try {
                    return method.invoke(view, args);
                } catch (InvocationTargetException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    throw new IllegalStateException(e.getCause());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            };
            if (method.getName().startsWith("set")) {
                return layer.exclusive(call);
            }
            layer.check();
            return call.call();
        };
        return type.cast(Proxy.newProxyInstance(PowerCutProvider.class.getClassLoader(), new Class<?>[] { type },
                handler));
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        Path real = unwrap(path);
        layer().check();
        return Files.readAttributes(real, type, options);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
            throws IOException {
        Path real = unwrap(path);
        layer().check();
        return Files.readAttributes(real, attributes, options);
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        Path real = unwrap(path);
        layer().exclusive(() -> Files.setAttribute(real, attribute, value, options));
    }
}
