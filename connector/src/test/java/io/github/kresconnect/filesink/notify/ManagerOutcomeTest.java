package io.github.kresconnect.filesink.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.config.ResolverFileSinkConfig;
import io.github.kresconnect.filesink.store.FileKind;

/** The outcome of every request, with the running configuration's ETag before and after (for receipts). */
class ManagerOutcomeTest {
    @TempDir
    Path dir;

    @Test
    void eachAttemptIsReportedWithBothETags() throws Exception {
        Path files = Files.createDirectory(dir.resolve("files"));
        List<String> outcomes = new ArrayList<>();
        ManagerRequestListener listener = new ManagerRequestListener() {

            @Override
            public void outcome(ManagerRequest request, boolean accepted, Optional<String> before,
                    Optional<String> after, String failure) {
                synchronized (outcomes) {
                    outcomes.add(request.word() + " " + accepted + " " + before.orElse("-") + " " + after.orElse("-")
                            + (failure == null ? "" : " failure"));
                }
            }
        };
        try (FakeManager manager = FakeManager.start(dir.resolve("kres-api.sock"))) {
            Map<String, String> props = new HashMap<>(Map.of(ResolverFileSinkConfig.FILES_DIR_CONFIG, files.toString(),
                    ResolverFileSinkConfig.MANAGER_SOCKET_CONFIG, manager.socket().toString(),
                    ResolverFileSinkConfig.NOTIFY_QUIET_MS_CONFIG, "50",
                    ResolverFileSinkConfig.NOTIFY_RETRY_BACKOFF_MS_CONFIG, "50",
                    ResolverFileSinkConfig.NOTIFY_RETRY_BACKOFF_MAX_MS_CONFIG, "100"));
            manager.failNextPosts(1, 500);
            ManagerNotifier notifier = ManagerNotifier.fromConfig(new ResolverFileSinkConfig(props), listener);
            try {
                notifier.fileChanging(FileKind.CONFIG);
                notifier.filesPublished();
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (System.nanoTime() < deadline) {
                    synchronized (outcomes) {
                        if (outcomes.size() >= 2) {
                            break;
                        }
                    }
                    Thread.sleep(20);
                }
            } finally {
                notifier.close();
            }
        }
        synchronized (outcomes) {
            assertEquals(2, outcomes.size(), outcomes.toString());
            assertEquals("reload false \"config-1\" - failure", outcomes.get(0));
            assertEquals("reload true \"config-1\" \"config-2\"", outcomes.get(1));
        }
    }
}
