package io.github.kresconnect.filesink;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

/** A task context for unit tests that records what the task asked of the worker. */
final class RecordingSinkTaskContext implements SinkTaskContext {
    final List<Long> timeouts = new ArrayList<>();
    final List<SinkRecord> reported = new ArrayList<>();
    final List<Throwable> reasons = new ArrayList<>();
    /** Every rewind the task asked for, in order. */
    final List<Map<TopicPartition, Long>> rewinds = new ArrayList<>();
    final java.util.Set<TopicPartition> paused = new java.util.HashSet<>();
    java.util.Set<TopicPartition> assignment = java.util.Set.of();
    /** What the error reporter's future for the next report is (taken at once by default). */
    java.util.function.Supplier<Future<Void>> reportOutcome = () -> CompletableFuture.completedFuture(null);

    @Override
    public Map<String, String> configs() {
        return Map.of();
    }

    @Override
    public void offset(Map<TopicPartition, Long> offsets) {
        rewinds.add(Map.copyOf(offsets));
    }

    @Override
    public void offset(TopicPartition tp, long offset) {
        rewinds.add(Map.of(tp, offset));
    }

    @Override
    public void timeout(long timeoutMs) {
        timeouts.add(timeoutMs);
    }

    @Override
    public Set<TopicPartition> assignment() {
        return assignment;
    }

    @Override
    public void pause(TopicPartition... partitions) {
        paused.addAll(List.of(partitions));
    }

    @Override
    public void resume(TopicPartition... partitions) {
        paused.removeAll(List.of(partitions));
    }

    @Override
    public void requestCommit() {
    }

    @Override
    public PluginMetrics pluginMetrics() {
        return null;
    }

    @Override
    public ErrantRecordReporter errantRecordReporter() {
        return new ErrantRecordReporter() {
            @Override
            public Future<Void> report(SinkRecord record, Throwable error) {
                reported.add(record);
                reasons.add(error);
                return reportOutcome.get();
            }
        };
    }

    static Collection<TopicPartition> partitions(String topic, int... numbers) {
        List<TopicPartition> out = new ArrayList<>();
        for (int n : numbers) {
            out.add(new TopicPartition(topic, n));
        }
        return out;
    }
}
