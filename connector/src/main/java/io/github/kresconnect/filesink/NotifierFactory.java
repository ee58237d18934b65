package io.github.kresconnect.filesink;

import java.io.IOException;

import io.github.kresconnect.filesink.config.ResolverFileSinkConfig;
import io.github.kresconnect.filesink.notify.ChangeNotifier;
import io.github.kresconnect.filesink.notify.ManagerNotifier;
import io.github.kresconnect.filesink.notify.ManagerRequestListener;

/** Builds the task's notifier from its settings; tests substitute their own. */
@FunctionalInterface
interface NotifierFactory {
    NotifierFactory DEFAULT = (config, listener) -> config.notifyEnabled()
            ? ManagerNotifier.fromConfig(config, listener)
            : ChangeNotifier.none();

    ChangeNotifier create(ResolverFileSinkConfig config, ManagerRequestListener listener) throws IOException;
}
