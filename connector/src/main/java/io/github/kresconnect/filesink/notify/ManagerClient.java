package io.github.kresconnect.filesink.notify;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import javax.net.ssl.SSLException;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * The Knot Resolver manager's HTTP API, over its Unix socket or over TCP. Blocking; one request at a time
 * is all the notifier needs.
 */
public final class ManagerClient implements AutoCloseable {
    /** Enough of an error body to say what went wrong, never a whole page. */
    private static final int MAX_ERROR_BODY_BYTES = 300;

    /**
     * The manager speaks plain HTTP (manager.url takes http:// only): without a TLS strategy of its own, the
     * connection manager would build the JDK's default SSL context, reading its trust store, at every task start.
     */
    private static final TlsSocketStrategy NO_TLS = (socket, target, port, attachment, context) -> {
        throw new SSLException("the resolver manager is reached over plain HTTP only, not TLS");
    };

    private final CloseableHttpClient http;
    private final HttpHost target;
    private final String basePath;
    private final String description;
    private final Duration responseTimeout;

    private ManagerClient(HttpHost target, String basePath, Path socket, String description,
            Duration connectTimeout, Duration responseTimeout) {
        this.target = target;
        this.basePath = basePath;
        this.description = description;
        this.responseTimeout = responseTimeout;
        RequestConfig.Builder requestConfig = RequestConfig.custom()
                .setResponseTimeout(Timeout.of(responseTimeout))
                .setConnectionRequestTimeout(Timeout.of(connectTimeout));
        if (socket != null) {
            requestConfig.setUnixDomainSocket(socket);
        }
        this.http = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setTlsSocketStrategy(NO_TLS)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(connectTimeout))
                                .setSocketTimeout(Timeout.of(responseTimeout))
                                .build())
                        .build())
                .setDefaultRequestConfig(requestConfig.build())
                // Retries are the notifier's business: it knows when a newer request makes one pointless.
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .build();
    }

    /** The manager behind a Unix socket (its default: {@code /run/knot-resolver/kres-api.sock}). */
    public static ManagerClient overUnixSocket(Path socket, Duration connectTimeout, Duration responseTimeout) {
        return new ManagerClient(new HttpHost("localhost"), "", socket, "socket " + socket, connectTimeout,
                responseTimeout);
    }

    /** The manager on {@code management: interface: IP@PORT}, as a base URL such as http://127.0.0.1:5000. */
    public static ManagerClient overTcp(String baseUrl, Duration connectTimeout, Duration responseTimeout) {
        URI uri = URI.create(baseUrl);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        return new ManagerClient(HttpHost.create(uri), path, null, baseUrl, connectTimeout, responseTimeout);
    }

    /** Sends the request; returns normally only on a 2xx answer, which means "accepted", not "applied". */
    public void send(ManagerRequest request, boolean force) throws IOException {
        HttpPost post = new HttpPost(basePath + request.path(force));
        execute(post, response -> {
            int status = response.getCode();
            if (status / 100 != 2) {
                throw new ManagerException("POST " + post.getPath() + " answered HTTP " + status
                        + errorBody(response.getEntity()));
            }
            return null;
        });
    }

    /** The ETag of the running configuration ({@code GET /v1/config}); empty when the manager sends none. */
    public Optional<String> runningConfigEtag() throws IOException {
        HttpGet get = new HttpGet(basePath + "/v1/config");
        return execute(get, response -> {
            int status = response.getCode();
            if (status / 100 != 2) {
                throw new ManagerException("GET " + get.getPath() + " answered HTTP " + status
                        + errorBody(response.getEntity()));
            }
            Header etag = response.getFirstHeader("ETag");
            return Optional.ofNullable(etag).map(Header::getValue);
        });
    }

    /** Where the manager is reached, for logs. */
    public String description() {
        return description;
    }

    private interface ResponseReader<T> {
        T read(ClassicHttpResponse response) throws IOException;
    }

    /**
     * Every failure comes out as a {@link ManagerException} whose message names where the manager was sought.
     * The client consumes whatever the reader leaves of the body, so the connection can be reused.
     */
    private <T> T execute(HttpUriRequestBase request, ResponseReader<T> reader) throws ManagerException {
        try {
            return http.execute(target, request, reader::read);
        } catch (ManagerException e) {
            throw e;
        } catch (SocketTimeoutException e) {
            throw new ManagerException(request.getMethod() + " " + request.getPath() + ": no answer from "
                    + description + " within " + responseTimeout.toMillis() + " ms", e);
        } catch (IOException e) {
            String detail = e.getMessage() == null || e.getMessage().isBlank()
                    ? e.getClass().getSimpleName() : e.getMessage() + " (" + e.getClass().getSimpleName() + ")";
            throw new ManagerException(request.getMethod() + " " + request.getPath() + ": cannot talk to the manager "
                    + "at " + description + ": " + detail, e);
        }
    }

    private static String errorBody(HttpEntity entity) throws IOException {
        if (entity == null) {
            return "";
        }
        try (InputStream in = entity.getContent()) {
            byte[] head = in.readNBytes(MAX_ERROR_BODY_BYTES);
            String text = new String(head, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
            return text.isEmpty() ? "" : ": " + text;
        }
    }

    /** A failure in one short phrase for a log line: the manager's answer, or what the connection did. */
    public static String reason(Throwable e) {
        if (e instanceof ManagerException) {
            return e.getMessage();
        }
        String message = e.getMessage();
        return message == null || message.isBlank()
                ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + message;
    }

    /** Aborts a request in flight, so closing never waits for the manager. */
    @Override
    public void close() {
        http.close(CloseMode.IMMEDIATE);
    }

    /** A request that did not succeed: the manager's answer, or what went wrong on the way. */
    public static final class ManagerException extends IOException {
        ManagerException(String message) {
            super(message);
        }

        ManagerException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
