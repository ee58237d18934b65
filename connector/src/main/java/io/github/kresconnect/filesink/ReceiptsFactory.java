package io.github.kresconnect.filesink;

import java.util.Map;

import io.github.kresconnect.filesink.config.MachineHostname;
import io.github.kresconnect.filesink.config.ResolverFileSinkConfig;
import io.github.kresconnect.filesink.metrics.SinkMetrics;
import io.github.kresconnect.filesink.receipts.KafkaReceiptTransport;
import io.github.kresconnect.filesink.receipts.ReceiptSender;
import io.github.kresconnect.filesink.receipts.TaskReceipts;

/** Builds the task's receipts from its settings; tests substitute their own transport. */
@FunctionalInterface
interface ReceiptsFactory {
    ReceiptsFactory DEFAULT = (config, connectorName, metrics, clock) -> {
        if (config.receiptsTopic().isEmpty()) {
            return TaskReceipts.NONE;
        }
        Map<String, Object> settings = KafkaReceiptTransport.producerSettings(config.receiptsBootstrapServers(),
                "resolver-receipts-" + connectorName, config.receiptsProducerSettings());
        String topic = config.receiptsTopicOfThisHost();
        ReceiptSender sender = new ReceiptSender(() -> KafkaReceiptTransport.create(topic, settings),
                metrics.receiptCounters(), config.receiptsQueueMax(), config.receiptsCloseTimeout());
        return new TaskReceipts(sender, config.hostname(), MachineHostname.get(), connectorName, Version.get(),
                clock::millis, config.filesDir());
    };

    TaskReceipts create(ResolverFileSinkConfig config, String connectorName, SinkMetrics metrics,
            java.time.Clock clock);
}
