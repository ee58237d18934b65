package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each name first appeared in one directory, as {@link System#nanoTime()}: a thread takes the directory's
 * {@link WatchService} events (inotify on Linux: a file renamed into place, as the connector publishes, is an
 * {@code ENTRY_CREATE} at the moment of the rename), so the times cost no polling and are late only by the
 * event's delivery (well under a millisecond on an idle core).
 */
final class FileArrivals implements AutoCloseable {
    private final WatchService watcher;
    private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
    private final Object signal = new Object();
    private final Thread thread;
    private volatile boolean overflowed;

    private FileArrivals(WatchService watcher) {
        this.watcher = watcher;
        this.thread = new Thread(this::run, "file-arrivals");
        this.thread.setDaemon(true);
    }

    /** Starts watching {@code dir} (not its sub-directories). */
    static FileArrivals watch(Path dir) throws IOException {
        WatchService watcher = dir.getFileSystem().newWatchService();
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE);
        FileArrivals arrivals = new FileArrivals(watcher);
        arrivals.thread.start();
        return arrivals;
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                long now = System.nanoTime();
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        overflowed = true;
                    } else if (event.context() instanceof Path name) {
                        firstSeen.putIfAbsent(name.toString(), now);
                    }
                }
                key.reset();
                synchronized (signal) {
                    signal.notifyAll();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    /** When {@code name} first appeared, or null if it has not. */
    Long firstSeen(String name) {
        return firstSeen.get(name);
    }

    /** Every name seen so far, with its time. */
    Map<String, Long> all() {
        return Map.copyOf(firstSeen);
    }

    /** Whether events were lost (the kernel's queue overflowed), so some times are missing. */
    boolean overflowed() {
        return overflowed;
    }

    /** Waits up to {@code millis} for the next batch of events. */
    void awaitChange(long millis) throws InterruptedException {
        synchronized (signal) {
            signal.wait(millis);
        }
    }

    @Override
    public void close() throws IOException {
        watcher.close();
        thread.interrupt();
    }
}
