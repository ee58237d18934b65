package io.github.kresconnect.filesink.notify;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A stand-in for the Knot Resolver manager's HTTP API: a tiny HTTP/1.1 server listening on a Unix socket
 * and on TCP 127.0.0.1 at once (same handler). It records every request, serves {@code GET /v1/config}
 * with an ETag that changes after each accepted reload, and can be told to misbehave: refuse connections,
 * answer with an error status, or answer late.
 */
public final class FakeManager implements AutoCloseable {

    /** One request as received. {@code nanoTime} is {@link System#nanoTime()} when it was fully read. */
    public record Request(String method, String path, String transport, long nanoTime, Instant time) {
        public boolean isPost() {
            return method.equals("POST");
        }
    }

    private final Path socket;
    private final Object lock = new Object();
    private final List<Request> requests = new ArrayList<>();
    private final Set<SocketChannel> connections = new HashSet<>();
    private final List<Thread> threads = new ArrayList<>();

    private ServerSocketChannel unixListener;
    private ServerSocketChannel tcpListener;
    private int tcpPort;
    private int postStatus = 200;
    private int failuresLeft;
    private int failureStatus;
    private Duration postDelay = Duration.ZERO;
    private boolean reloadChangesConfig = true;
    private int configVersion = 1;
    private volatile boolean closed;

    private FakeManager(Path socket) {
        this.socket = socket;
    }

    /** Starts listening on {@code socket} (which must not exist) and on an ephemeral TCP port of 127.0.0.1. */
    public static FakeManager start(Path socket) throws IOException {
        FakeManager manager = new FakeManager(socket);
        manager.listen(0);
        return manager;
    }

    public Path socket() {
        return socket;
    }

    /** The base URL of the TCP listener, for manager.url. */
    public String url() {
        synchronized (lock) {
            return "http://127.0.0.1:" + tcpPort;
        }
    }

    /** Every request received so far, in order. */
    public List<Request> requests() {
        synchronized (lock) {
            return List.copyOf(requests);
        }
    }

    /** The POST requests (reload, renew and their force variants) received so far. */
    public List<Request> posts() {
        return requests().stream().filter(Request::isPost).toList();
    }

    /** Waits until {@code count} received requests match, and returns them; fails after {@code timeout}. */
    public List<Request> awaitRequests(Predicate<Request> matching, int count, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                List<Request> matched = requests.stream().filter(matching).toList();
                if (matched.size() >= count) {
                    return matched;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("expected " + count + " matching requests within " + timeout
                            + "; received " + requests);
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    public List<Request> awaitPosts(int count, Duration timeout) throws InterruptedException, TimeoutException {
        return awaitRequests(Request::isPost, count, timeout);
    }

    /** The status of later POST answers (200 unless told otherwise); the manager's real API always says 200. */
    public void answerPostsWith(int status) {
        synchronized (lock) {
            postStatus = status;
        }
    }

    /** Answers the next {@code count} POSTs with {@code status}, then as before. */
    public void failNextPosts(int count, int status) {
        synchronized (lock) {
            failuresLeft = count;
            failureStatus = status;
        }
    }

    /** Holds each later POST answer back this long, as a manager busy reloading large zones does. */
    public void delayPosts(Duration delay) {
        synchronized (lock) {
            postDelay = delay;
        }
    }

    /** Whether an accepted reload changes the running configuration (and so its ETag); true by default. */
    public void reloadChangesConfig(boolean changes) {
        synchronized (lock) {
            reloadChangesConfig = changes;
        }
    }

    /** The ETag {@code GET /v1/config} currently answers with. */
    public String currentEtag() {
        synchronized (lock) {
            return etag(configVersion);
        }
    }

    /** Stops listening (the socket file goes too), so connections are refused until {@link #acceptConnections}. */
    public void refuseConnections() throws IOException {
        List<Thread> acceptors;
        synchronized (lock) {
            closeListeners();
            acceptors = threads.stream().filter(t -> t.getName().startsWith("fake-manager-accept")).toList();
        }
        // A listener closed under a blocked accept() is really closed only when that thread leaves it.
        try {
            for (Thread acceptor : acceptors) {
                acceptor.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Listens again, on the same socket path and TCP port. */
    public void acceptConnections() throws IOException {
        synchronized (lock) {
            if (unixListener == null) {
                listen(tcpPort);
            }
        }
    }

    private void listen(int port) throws IOException {
        synchronized (lock) {
            ServerSocketChannel unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            unix.bind(UnixDomainSocketAddress.of(socket));
            ServerSocketChannel tcp = ServerSocketChannel.open(StandardProtocolFamily.INET);
            try {
                tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (IOException e) {
                unix.close();
                Files.deleteIfExists(socket);
                throw e;
            }
            unixListener = unix;
            tcpListener = tcp;
            tcpPort = ((InetSocketAddress) tcp.getLocalAddress()).getPort();
            startThread("fake-manager-accept-unix", () -> acceptLoop(unix, "unix"));
            startThread("fake-manager-accept-tcp", () -> acceptLoop(tcp, "tcp"));
        }
    }

    private void startThread(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        synchronized (lock) {
            threads.removeIf(t -> !t.isAlive());
            threads.add(thread);
        }
        thread.start();
    }

    private void acceptLoop(ServerSocketChannel listener, String transport) {
        while (listener.isOpen()) {
            SocketChannel connection;
            try {
                connection = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (!listener.isOpen()) {
                closeQuietly(connection); // accepted in the instant the listener was being closed
                return;
            }
            synchronized (lock) {
                connections.add(connection);
            }
            startThread("fake-manager-connection-" + transport, () -> serve(connection, transport));
        }
    }

    /** Answers requests on one connection until the client closes it (keep-alive, as the real manager). */
    private void serve(SocketChannel connection, String transport) {
        try (connection) {
            InputStream in = Channels.newInputStream(connection);
            OutputStream out = Channels.newOutputStream(connection);
            while (true) {
                String requestLine = readLine(in);
                if (requestLine == null || requestLine.isEmpty()) {
                    return;
                }
                long contentLength = 0;
                for (String header = readLine(in); header != null && !header.isEmpty(); header = readLine(in)) {
                    int colon = header.indexOf(':');
                    if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                        contentLength = Long.parseLong(header.substring(colon + 1).trim());
                    }
                }
                in.skipNBytes(contentLength);
                String[] parts = requestLine.split(" ");
                Request request = new Request(parts[0], parts.length > 1 ? parts[1] : "", transport,
                        System.nanoTime(), Instant.now());
                answer(request, out);
            }
        } catch (IOException | RuntimeException e) {
            // the client went away, or the fake is closing
        } finally {
            synchronized (lock) {
                connections.remove(connection);
            }
        }
    }

    private void answer(Request request, OutputStream out) throws IOException {
        int status;
        String body;
        String etag = null;
        Duration delay = Duration.ZERO;
        synchronized (lock) {
            requests.add(request);
            lock.notifyAll();
            if (request.isPost() && isManagerAction(request.path())) {
                status = failuresLeft > 0 ? failureStatus : postStatus;
                failuresLeft = Math.max(0, failuresLeft - 1);
                delay = postDelay;
                body = status == 200 ? "" : "{\"error\": \"told to fail with " + status + "\"}";
                if (status == 200 && request.path().startsWith("/reload") && reloadChangesConfig) {
                    configVersion++;
                }
            } else if (request.method().equals("GET") && request.path().equals("/v1/config")) {
                status = 200;
                etag = etag(configVersion);
                body = "{\"fake-config-version\": " + configVersion + "}";
            } else if (request.method().equals("GET") && request.path().equals("/")) {
                status = 200;
                body = "";
            } else {
                status = 404;
                body = "{\"error\": \"not found\"}";
            }
        }
        if (!delay.isZero()) {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder()
                .append("HTTP/1.1 ").append(status).append(status == 200 ? " OK" : " Error").append("\r\n")
                .append("Content-Type: application/json\r\n")
                .append("Content-Length: ").append(bytes.length).append("\r\n");
        if (etag != null) {
            head.append("ETag: ").append(etag).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.flush();
    }

    private static boolean isManagerAction(String path) {
        return List.of("/reload", "/renew", "/reload/force", "/renew/force").contains(path.toLowerCase(Locale.ROOT));
    }

    private static String etag(int version) {
        return "\"config-" + version + "\"";
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        if (b == -1 && line.size() == 0) {
            return null;
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static void closeQuietly(SocketChannel connection) {
        try {
            connection.close();
        } catch (IOException e) {
            // nothing more to do with it
        }
    }

    private void closeListeners() throws IOException {
        for (ServerSocketChannel listener : new ServerSocketChannel[] {unixListener, tcpListener}) {
            if (listener != null) {
                listener.close();
            }
        }
        unixListener = null;
        tcpListener = null;
        Files.deleteIfExists(socket);
    }

    /** Stops listening, closes every connection and waits (briefly) for the fake's threads to end. */
    @Override
    public void close() throws IOException {
        List<Thread> toJoin;
        synchronized (lock) {
            closed = true;
            closeListeners();
            for (SocketChannel connection : connections) {
                connection.close();
            }
            toJoin = List.copyOf(threads);
        }
        try {
            for (Thread thread : toJoin) {
                thread.interrupt();
                thread.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        SocketAddress tcp = new InetSocketAddress(InetAddress.getLoopbackAddress(), tcpPort);
        return "FakeManager[" + socket + ", " + tcp + ", closed=" + closed + "]";
    }
}
