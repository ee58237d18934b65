package io.github.kresconnect.filesink;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.config.ResolverFileSinkConfig;
import io.github.kresconnect.filesink.notify.ChangeNotifier;
import io.github.kresconnect.filesink.notify.ManagerNotifier;
import io.github.kresconnect.filesink.notify.ManagerRequestListener;
import io.github.kresconnect.filesink.store.FileKind;

class NotifierFactoryTest {
    @TempDir
    Path filesDir;

    private ChangeNotifier create(boolean enabled) throws Exception {
        return NotifierFactory.DEFAULT.create(new ResolverFileSinkConfig(Map.of(
                ResolverFileSinkConfig.FILES_DIR_CONFIG, filesDir.toString(),
                ResolverFileSinkConfig.MANAGER_SOCKET_CONFIG, filesDir.resolve("no-manager.sock").toString(),
                ResolverFileSinkConfig.NOTIFY_ENABLED_CONFIG, Boolean.toString(enabled))),
                ManagerRequestListener.NONE);
    }

    @Test
    void disabledNotificationNeitherTalksToTheManagerNorKeepsState() throws Exception {
        try (ChangeNotifier notifier = create(false)) {
            assertFalse(notifier instanceof ManagerNotifier);
            notifier.fileChanging(FileKind.CONFIG);
            notifier.filesPublished();
        }
        assertFalse(Files.exists(filesDir.resolve(".resolver-file-sink")));
    }

    @Test
    void enabledNotificationPersistsWhatItOwesTheManager() throws Exception {
        try (ChangeNotifier notifier = create(true)) {
            assertInstanceOf(ManagerNotifier.class, notifier);
            notifier.fileChanging(FileKind.CONFIG);
            notifier.filesPublished();
            assertTrue(Files.exists(filesDir.resolve(".resolver-file-sink/pending-notification")));
        }
    }
}
