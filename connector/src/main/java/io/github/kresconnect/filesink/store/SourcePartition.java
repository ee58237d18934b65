package io.github.kresconnect.filesink.store;

/** A topic-partition the records come from, as the store keeps its applied offsets. */
public record SourcePartition(String topic, int partition) {
    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
