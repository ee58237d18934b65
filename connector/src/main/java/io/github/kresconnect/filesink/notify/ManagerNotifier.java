package io.github.kresconnect.filesink.notify;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.config.ResolverFileSinkConfig;
import io.github.kresconnect.filesink.store.FileKind;

/**
 * Tells the local Knot Resolver manager about changed files: debounced, one request at a time, retried until
 * accepted, and persisted in the files directory so that neither a crash nor a stop loses a reload or renew.
 * Owns one daemon thread and the HTTP client; {@link #close()} releases both.
 */
public final class ManagerNotifier implements ChangeNotifier {
    private static final Logger log = LoggerFactory.getLogger(ManagerNotifier.class);

    static final String THREAD_NAME = "resolver-file-sink-manager-notifier";
    /** How long close() waits for a request in flight to give up after its connection was closed. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final ManagerClient client;
    private final boolean force;
    private final ManagerRequestListener listener;
    private final ScheduledThreadPoolExecutor executor;
    private final NotificationScheduler scheduler;

    ManagerNotifier(Path filesDir, ManagerClient client, boolean force, NotificationScheduler.Timing timing,
            ManagerRequestListener listener) throws IOException {
        this.client = client;
        this.force = force;
        this.listener = listener;
        PendingNotificationFile state = PendingNotificationFile.open(filesDir);
        this.executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, THREAD_NAME);
            thread.setDaemon(true);
            return thread;
        });
        this.scheduler = new NotificationScheduler(timing, () -> System.nanoTime() / 1_000_000,
                () -> ThreadLocalRandom.current().nextDouble(),
                (task, delayMillis) -> executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS),
                this::send, state);
        scheduler.start();
    }

    /** The notifier the connector's settings describe; the manager is reached over TCP when manager.url is set. */
    public static ManagerNotifier fromConfig(ResolverFileSinkConfig config) throws IOException {
        return fromConfig(config, ManagerRequestListener.NONE);
    }

    /** As {@link #fromConfig(ResolverFileSinkConfig)}, telling {@code listener} how each request went. */
    public static ManagerNotifier fromConfig(ResolverFileSinkConfig config, ManagerRequestListener listener)
            throws IOException {
        ManagerClient client = config.managerUrl().isEmpty()
                ? ManagerClient.overUnixSocket(config.managerSocket(), config.managerConnectTimeout(),
                        config.managerResponseTimeout())
                : ManagerClient.overTcp(config.managerUrl(), config.managerConnectTimeout(),
                        config.managerResponseTimeout());
        NotificationScheduler.Timing timing = new NotificationScheduler.Timing(config.notifyQuietPeriod(),
                config.notifyMaxDelay(), config.notifyRetryBackoff(), config.notifyRetryBackoffMax());
        try {
            return new ManagerNotifier(config.filesDir(), client, config.managerForce(), timing, listener);
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public void fileChanging(FileKind kind) throws IOException {
        scheduler.fileChanging(kind, List.of());
    }

    @Override
    public void fileChanging(FileKind kind, List<ChangedFile> files) throws IOException {
        scheduler.fileChanging(kind, files);
    }

    @Override
    public void fileChanging(FileKind kind, List<ChangedFile> files, Consumer<Path> syncLater) throws IOException {
        scheduler.fileChanging(kind, files, syncLater);
    }

    @Override
    public void filesPublished() {
        scheduler.filesPublished();
    }

    /**
     * Sends the request, and reports honestly what it did: the manager answers 200 even when a reload failed,
     * so only a change of the running configuration's ETag shows that a new configuration was taken up.
     */
    private void send(ManagerRequest request) throws IOException {
        String path = request.path(force);
        List<ChangedFile> files = scheduler.inFlightFiles();
        Optional<String> before = Optional.empty();
        try {
            before = client.runningConfigEtag();
        } catch (IOException e) {
            // The POST below says whether the manager is reachable; this only loses the comparison.
            log.debug("Could not read the running configuration before {}: {}", path, ManagerClient.reason(e));
        }
        log.info("Requesting {} from the resolver manager at {}: POST {}", request.word(), client.description(),
                path);
        try {
            client.send(request, force);
        } catch (IOException | RuntimeException e) {
            listener.failed(request);
            listener.outcome(request, files, false, before, Optional.empty(), ManagerClient.reason(e));
            throw e;
        }
        listener.accepted(request);
        Optional<String> after;
        try {
            after = client.runningConfigEtag();
        } catch (IOException e) {
            listener.outcome(request, files, true, before, Optional.empty(), null);
            log.info("Manager accepted {}; could not read the running configuration afterwards ({}), so whether it "
                    + "changed is unknown", request.word(), ManagerClient.reason(e));
            return;
        }
        listener.outcome(request, files, true, before, after, null);
        log.info(acceptedMessage(request, before, after));
    }

    static String acceptedMessage(ManagerRequest request, Optional<String> before, Optional<String> after) {
        String accepted = "Manager accepted " + request.word() + "; ";
        if (after.isEmpty()) {
            return accepted + "the manager sends no ETag for the running configuration, so whether it changed is "
                    + "unknown";
        }
        if (before.isEmpty()) {
            return accepted + "running configuration now has ETag " + after.get() + "; it could not be read before, "
                    + "so whether it changed is unknown";
        }
        if (!before.get().equals(after.get())) {
            return accepted + "running configuration changed (ETag " + before.get() + " -> " + after.get() + ")";
        }
        if (request == ManagerRequest.RENEW) {
            return accepted + "running configuration unchanged (ETag " + after.get() + "), as expected: a renew "
                    + "re-reads data files such as RPZ zones under the same configuration";
        }
        return accepted + "running configuration unchanged (ETag " + after.get() + "); if a change was expected, "
                + "see the manager's log";
    }

    /**
     * Does not wait for a pending debounce (it stays persisted) and closes the connection of a request in
     * flight, so it returns promptly whatever the manager does.
     */
    @Override
    public void close() {
        scheduler.close();
        executor.shutdownNow();
        client.close();
        try {
            if (!executor.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("The manager notifier thread did not stop within {} ms", CLOSE_WAIT.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
