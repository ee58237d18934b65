package io.github.kresconnect.filesink.metrics;

import java.util.LinkedHashMap;

import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the task's metrics through the worker's own metrics (Kafka 4.1 and newer), where they appear
 * beside Connect's. Kept in its own class so that older workers, which lack these types, never load them.
 */
public final class KafkaPluginMetrics {
    private static final Logger log = LoggerFactory.getLogger(KafkaPluginMetrics.class);

    private KafkaPluginMetrics() {
    }

    /** Returns whether the worker took the metrics; the worker removes them when the task closes. */
    public static boolean register(SinkTaskContext context, SinkMetrics metrics) {
        try {
            PluginMetrics pluginMetrics = context.pluginMetrics();
            if (pluginMetrics == null) {
                return false;
            }
            metrics.forEachMetric((name, description, value) -> pluginMetrics.addMetric(
                    pluginMetrics.metricName(name, description, new LinkedHashMap<>()),
                    (Gauge<Long>) (config, now) -> value.getAsLong()));
            return true;
        } catch (LinkageError e) {
            log.debug("This worker has no plugin metrics ({}); task metrics are in JMX only", e.toString());
            return false;
        }
    }
}
