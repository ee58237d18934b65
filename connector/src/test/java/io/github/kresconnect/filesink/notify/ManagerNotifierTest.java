package io.github.kresconnect.filesink.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.config.ResolverFileSinkConfig;
import io.github.kresconnect.filesink.store.FileKind;

/** The notifier on its own thread, against the fake manager: real sockets, short timings. */
class ManagerNotifierTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private Path filesDir;
    private FakeManager manager;
    private CapturedLog log;

    @BeforeEach
    void start() throws IOException {
        filesDir = Files.createDirectory(dir.resolve("files"));
        manager = FakeManager.start(dir.resolve("kres-api.sock"));
        log = CapturedLog.of(ManagerNotifier.class.getPackageName());
    }

    @AfterEach
    void stop() throws Exception {
        log.close();
        manager.close();
    }

    private ManagerNotifier notifier(Map<String, String> overrides) throws IOException {
        return notifier(overrides, ManagerRequestListener.NONE);
    }

    private ManagerNotifier notifier(Map<String, String> overrides, ManagerRequestListener listener)
            throws IOException {
        Map<String, String> props = new HashMap<>();
        props.put(ResolverFileSinkConfig.FILES_DIR_CONFIG, filesDir.toString());
        props.put(ResolverFileSinkConfig.MANAGER_SOCKET_CONFIG, manager.socket().toString());
        props.put(ResolverFileSinkConfig.NOTIFY_QUIET_MS_CONFIG, "200");
        props.put(ResolverFileSinkConfig.NOTIFY_RETRY_BACKOFF_MS_CONFIG, "50");
        props.put(ResolverFileSinkConfig.NOTIFY_RETRY_BACKOFF_MAX_MS_CONFIG, "200");
        props.put(ResolverFileSinkConfig.MANAGER_CONNECT_TIMEOUT_MS_CONFIG, "1000");
        props.put(ResolverFileSinkConfig.MANAGER_RESPONSE_TIMEOUT_MS_CONFIG, "60000");
        props.putAll(overrides);
        return ManagerNotifier.fromConfig(new ResolverFileSinkConfig(props), listener);
    }

    private Path stateFile() {
        return filesDir.resolve(".resolver-file-sink/pending-notification");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            Thread.sleep(10);
        }
    }

    /**
     * The pool reports its termination from its worker thread just before that thread returns, so the thread
     * may still be alive for an instant after close(); it must be gone shortly after.
     */
    private static void assertNotifierThreadEnds() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (notifierThreadAlive()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("notifier thread left running");
            }
            Thread.sleep(10);
        }
    }

    private static boolean notifierThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(ManagerNotifier.THREAD_NAME) && t.isAlive());
    }

    @Test
    void reloadsOverTheUnixSocketAfterTheQuietPeriodAndReportsTheChange() throws Exception {
        try (ManagerNotifier notifier = notifier(Map.of())) {
            notifier.fileChanging(FileKind.CONFIG);
            assertEquals("reload", Files.readString(stateFile()).strip(), "persisted when fileChanging returns");
            long triggeredAt = System.nanoTime(); // the quiet period starts inside filesPublished
            notifier.filesPublished();

            FakeManager.Request post = manager.awaitPosts(1, WAIT).get(0);
            assertEquals("/reload", post.path());
            assertEquals("unix", post.transport());
            assertTrue(post.nanoTime() - triggeredAt >= Duration.ofMillis(200).toNanos(), "after the quiet period");

            await(() -> !Files.exists(stateFile()), "state file cleared after the accepted reload");
            await(() -> log.at(Level.INFO).stream().anyMatch(l -> l.message().equals("Manager accepted reload; "
                    + "running configuration changed (ETag \"config-1\" -> \"config-2\")")), "ETag change logged");
        }
        assertEquals(List.of("GET /v1/config", "POST /reload", "GET /v1/config"),
                manager.requests().stream().map(r -> r.method() + " " + r.path()).toList());
    }

    @Test
    void usesTcpAndTheForceVariantsWhenConfigured() throws Exception {
        try (ManagerNotifier notifier = notifier(Map.of(ResolverFileSinkConfig.MANAGER_URL_CONFIG, manager.url(),
                ResolverFileSinkConfig.MANAGER_FORCE_CONFIG, "true"))) {
            notifier.fileChanging(FileKind.DATA);
            notifier.filesPublished();
            FakeManager.Request post = manager.awaitPosts(1, WAIT).get(0);
            assertEquals("/renew/force", post.path());
            assertEquals("tcp", post.transport());
            await(() -> !Files.exists(stateFile()), "state file cleared");
            await(() -> log.at(Level.INFO).stream().anyMatch(l -> l.message().startsWith(
                    "Manager accepted renew; running configuration unchanged (ETag \"config-1\"), as expected")),
                    "renew reported");
        }
    }

    @Test
    void anUnchangedConfigurationAfterAReloadIsReportedAsSuch() throws Exception {
        manager.reloadChangesConfig(false);
        try (ManagerNotifier notifier = notifier(Map.of())) {
            notifier.fileChanging(FileKind.CONFIG);
            notifier.filesPublished();
            manager.awaitPosts(1, WAIT);
            await(() -> log.at(Level.INFO).stream().anyMatch(l -> l.message().equals("Manager accepted reload; "
                    + "running configuration unchanged (ETag \"config-1\"); if a change was expected, see the "
                    + "manager's log")), "unchanged ETag reported");
            assertFalse(log.lines().stream().anyMatch(l -> l.message().contains("configuration changed")));
        }
    }

    @Test
    void theListenerHearsEachFailureAndTheAcceptance() throws Exception {
        manager.failNextPosts(2, 503);
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        ManagerRequestListener listener = new ManagerRequestListener() {
            @Override
            public void accepted(ManagerRequest request) {
                heard.add("accepted " + request.word());
            }

            @Override
            public void failed(ManagerRequest request) {
                heard.add("failed " + request.word());
            }
        };
        try (ManagerNotifier notifier = notifier(Map.of(), listener)) {
            notifier.fileChanging(FileKind.DATA);
            notifier.filesPublished();
            manager.awaitPosts(3, WAIT);
            await(() -> heard.size() == 3, "three answers heard");
        }
        assertEquals(List.of("failed renew", "failed renew", "accepted renew"), heard);
    }

    @Test
    void aFailingManagerIsLoggedWhenItStartsAndWhenItEndsAndRetriedUntilAccepted() throws Exception {
        manager.failNextPosts(2, 500);
        try (ManagerNotifier notifier = notifier(Map.of())) {
            notifier.fileChanging(FileKind.CONFIG);
            notifier.filesPublished();
            List<FakeManager.Request> posts = manager.awaitPosts(3, WAIT);
            await(() -> !Files.exists(stateFile()), "state file cleared after the third, accepted, attempt");

            assertEquals(List.of("/reload", "/reload", "/reload"),
                    posts.stream().map(FakeManager.Request::path).toList());
            long firstRetryGap = posts.get(1).nanoTime() - posts.get(0).nanoTime();
            assertTrue(firstRetryGap >= Duration.ofMillis(40).toNanos(), "backed off: " + firstRetryGap);
            await(() -> log.at(Level.WARN).size() >= 2, "the recovery logged");
            List<CapturedLog.Line> warnings = log.at(Level.WARN);
            assertEquals(2, warnings.size(), warnings::toString);
            assertTrue(warnings.get(0).message().startsWith("The resolver manager is failing: the reload request "
                    + "failed (POST /reload answered HTTP 500"), warnings::toString);
            assertTrue(warnings.get(1).message().startsWith("The resolver manager works again: reload accepted "
                    + "after 3 attempts over "), warnings::toString);
            assertTrue(warnings.stream().noneMatch(CapturedLog.Line::hasStackTrace), warnings::toString);
        }
        assertEquals(3, manager.posts().size());
    }

    @Test
    void aManagerThatIsNotRunningIsRetriedUntilItIs() throws Exception {
        manager.refuseConnections();
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        ManagerRequestListener listener = new ManagerRequestListener() {
            @Override
            public void accepted(ManagerRequest request) {
            }

            @Override
            public void failed(ManagerRequest request) {
                failures.add(request.word());
            }
        };
        try (ManagerNotifier notifier = notifier(Map.of(), listener)) {
            notifier.fileChanging(FileKind.DATA);
            notifier.filesPublished();
            await(() -> failures.size() >= 2, "two failed attempts");
            assertEquals(1, log.at(Level.WARN).size(), "one WARN for the same failure repeated: " + log.lines());
            assertTrue(log.at(Level.WARN).get(0).message().contains("cannot talk to the manager at socket "
                    + manager.socket()), log.lines()::toString);
            assertEquals("renew", Files.readString(stateFile()).strip());

            manager.acceptConnections();
            assertEquals("/renew", manager.awaitPosts(1, WAIT).get(0).path());
            await(() -> !Files.exists(stateFile()), "state file cleared once accepted");
        }
    }

    @Test
    void neitherStepWaitsForTheManagerAndCloseAbortsARequestInFlight() throws Exception {
        manager.delayPosts(Duration.ofSeconds(30));
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        ManagerNotifier notifier = notifier(Map.of());
        try {
            notifier.fileChanging(FileKind.CONFIG);
            notifier.filesPublished();
            manager.awaitPosts(1, WAIT); // now in flight, answered in 30 s

            long start = System.nanoTime();
            notifier.fileChanging(FileKind.DATA);
            notifier.filesPublished();
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(1).toNanos(),
                    "fileChanging or filesPublished blocked");
        } finally {
            long start = System.nanoTime();
            notifier.close();
            long closeMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(closeMillis < 3_000, "close took " + closeMillis + " ms");
        }
        assertNotifierThreadEnds();
        List<String> leftBehind = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !before.contains(t) && !t.getName().startsWith("fake-manager"))
                .map(Thread::getName).toList();
        assertEquals(List.of(), leftBehind, "threads started by the notifier or its HTTP client");
        assertEquals("reload", Files.readString(stateFile()).strip(), "the unconfirmed reload stays owed");
    }

    @Test
    void closeLeavesAPendingRequestForTheNextStartWhichSendsIt() throws Exception {
        ManagerNotifier first = notifier(Map.of(ResolverFileSinkConfig.NOTIFY_QUIET_MS_CONFIG, "600000",
                ResolverFileSinkConfig.NOTIFY_MAX_DELAY_MS_CONFIG, "600000"));
        first.fileChanging(FileKind.CONFIG);
        first.filesPublished();
        long start = System.nanoTime();
        first.close();
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(1).toNanos(), "close waited for the debounce");
        assertNotifierThreadEnds();
        assertEquals(List.of(), manager.posts());
        assertEquals("reload", Files.readString(stateFile()).strip());

        ManagerNotifier second = notifier(Map.of());
        try {
            assertEquals("/reload", manager.awaitPosts(1, WAIT).get(0).path());
            await(() -> !Files.exists(stateFile()), "state file cleared");
        } finally {
            second.close();
        }
        assertNotifierThreadEnds();
    }

    /** Records the files of each outcome: "reload accepted [a.rpz t1, config.yaml t2]". */
    private static ManagerRequestListener recording(List<String> outcomes) {
        return new ManagerRequestListener() {
            @Override
            public void outcome(ManagerRequest request, List<ChangedFile> files, boolean accepted,
                    Optional<String> etagBefore, Optional<String> etagAfter, String failure) {
                synchronized (outcomes) {
                    outcomes.add(request.word() + (accepted ? " accepted " : " failed ") + files.stream()
                            .map(f -> f.name() + " " + f.transferId() + " " + f.version() + " " + f.sha256())
                            .toList());
                }
            }
        };
    }

    @Test
    void aRequestSaysWhichFilesItWasForEvenAfterARestart() throws Exception {
        List<String> outcomes = new java.util.ArrayList<>();
        ManagerNotifier first = notifier(Map.of(ResolverFileSinkConfig.NOTIFY_QUIET_MS_CONFIG, "600000",
                ResolverFileSinkConfig.NOTIFY_MAX_DELAY_MS_CONFIG, "600000"), recording(outcomes));
        first.fileChanging(FileKind.DATA, List.of(new ChangedFile("a.rpz", "t1", -1, "aa")));
        first.fileChanging(FileKind.CONFIG, List.of(new ChangedFile("config.yaml", "t2", 7, "bb")));
        first.filesPublished();
        first.fileChanging(FileKind.DATA, List.of(new ChangedFile("a.rpz", "t3", -1, "cc"))); // newer a.rpz
        first.close(); // the worker stops with the reload owed for all three changes
        assertEquals(List.of(), manager.posts());

        ManagerNotifier second = notifier(Map.of(), recording(outcomes));
        try {
            assertEquals("/reload", manager.awaitPosts(1, WAIT).get(0).path());
            await(() -> !Files.exists(stateFile()), "state file cleared");
            synchronized (outcomes) {
                assertEquals(List.of("reload accepted [a.rpz t3 -1 cc, config.yaml t2 7 bb]"), outcomes);
            }
            second.fileChanging(FileKind.DATA, List.of(new ChangedFile("b.rpz", null, -1, "dd")));
            second.filesPublished();
            manager.awaitPosts(2, WAIT);
            await(() -> {
                synchronized (outcomes) {
                    return outcomes.size() == 2;
                }
            }, "the second outcome");
            synchronized (outcomes) {
                assertEquals("renew accepted [b.rpz null -1 dd]", outcomes.get(1), "only what it was for");
            }
        } finally {
            second.close();
        }
    }

    @Test
    void fileLinesAppendedToWhatIsOwedAreLeftToTheCallersSyncAndAChangedRequestIsDurableOnItsOwn() throws Exception {
        List<String> outcomes = new java.util.ArrayList<>();
        ManagerNotifier first = notifier(Map.of(ResolverFileSinkConfig.NOTIFY_QUIET_MS_CONFIG, "600000",
                ResolverFileSinkConfig.NOTIFY_MAX_DELAY_MS_CONFIG, "600000"), recording(outcomes));
        List<Path> syncLater = new java.util.ArrayList<>();
        first.fileChanging(FileKind.DATA, List.of(new ChangedFile("a.rpz", null, -1, "aa")), syncLater::add);
        assertEquals(List.of(), syncLater, "a new request is written and synced at once");
        first.fileChanging(FileKind.DATA, List.of(new ChangedFile("b.rpz", null, -1, "bb")), syncLater::add);
        assertEquals(List.of(stateFile()), syncLater, "a line for the same request is left to the caller");
        assertTrue(Files.readString(stateFile()).contains("b.rpz"), "and written");
        first.fileChanging(FileKind.CONFIG, List.of(new ChangedFile("config.yaml", null, -1, "cc")),
                syncLater::add);
        assertEquals(1, syncLater.size(), "a reload replacing a renew is written and synced at once");
        first.filesPublished();
        first.close();

        ManagerNotifier second = notifier(Map.of(), recording(outcomes));
        try {
            assertEquals("/reload", manager.awaitPosts(1, WAIT).get(0).path());
            await(() -> {
                synchronized (outcomes) {
                    return outcomes.size() == 1;
                }
            }, "the outcome");
            synchronized (outcomes) {
                assertEquals(List.of("reload accepted [a.rpz null -1 aa, b.rpz null -1 bb, config.yaml null -1 cc]"),
                        outcomes);
            }
        } finally {
            second.close();
        }
    }

    @Test
    void theAcceptedMessageNeverClaimsMoreThanTheEtagsShow() {
        assertEquals("Manager accepted reload; the manager sends no ETag for the running configuration, so whether "
                + "it changed is unknown",
                ManagerNotifier.acceptedMessage(ManagerRequest.RELOAD, Optional.of("a"), Optional.empty()));
        assertEquals("Manager accepted reload; running configuration now has ETag b; it could not be read before, "
                + "so whether it changed is unknown",
                ManagerNotifier.acceptedMessage(ManagerRequest.RELOAD, Optional.empty(), Optional.of("b")));
        assertEquals("Manager accepted reload; running configuration changed (ETag a -> b)",
                ManagerNotifier.acceptedMessage(ManagerRequest.RELOAD, Optional.of("a"), Optional.of("b")));
    }
}
