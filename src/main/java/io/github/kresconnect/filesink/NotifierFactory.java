package io.github.kresconnect.filesink;

import java.io.IOException;

import io.github.kresconnect.filesink.config.ResolverFileSinkConfig;
import io.github.kresconnect.filesink.notify.ChangeNotifier;
import io.github.kresconnect.filesink.notify.ManagerNotifier;

/** Builds the task's notifier from its settings; tests substitute their own. */
@FunctionalInterface
interface NotifierFactory {
    NotifierFactory DEFAULT = config -> config.notifyEnabled()
            ? ManagerNotifier.fromConfig(config)
            : ChangeNotifier.none();

    ChangeNotifier create(ResolverFileSinkConfig config) throws IOException;
}
