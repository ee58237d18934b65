package io.github.kresconnect.filesink.notify;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/** Collects what the notifier logs, so tests can check what an operator would read. */
public final class CapturedLog extends AbstractAppender implements AutoCloseable {
    public record Line(Level level, String message, boolean hasStackTrace) {
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final LoggerConfig loggerConfig;

    private CapturedLog(LoggerConfig loggerConfig) {
        super("captured-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
        this.loggerConfig = loggerConfig;
    }

    public static CapturedLog of(String loggerName) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        LoggerConfig config = context.getConfiguration().getLoggerConfig(loggerName);
        CapturedLog log = new CapturedLog(config);
        log.start();
        config.addAppender(log, Level.ALL, null);
        context.updateLoggers();
        return log;
    }

    @Override
    public void append(LogEvent event) {
        lines.add(new Line(event.getLevel(), event.getMessage().getFormattedMessage(), event.getThrown() != null));
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    public List<Line> at(Level level) {
        return lines.stream().filter(line -> line.level() == level).toList();
    }

    @Override
    public void close() {
        loggerConfig.removeAppender(getName());
        ((LoggerContext) LogManager.getContext(false)).updateLoggers();
        stop();
    }
}
