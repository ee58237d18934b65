package io.github.kresconnect.filesink.publish;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.utils.Utils;

/**
 * The partition every record for one recipient goes to. Kafka orders records only within a partition, so
 * "data files first, config last" holds for a recipient only when all its records share one. The choice
 * is Kafka's default partitioner applied to the recipient (positive murmur2 of its UTF-8 bytes, modulo
 * the partition count): stable across runs and machines, and in zone-id mode the same partition the
 * default partitioner picks for the record key, so other producers keyed by zone id agree with it.
 */
public final class RecipientPartitioner {
    private RecipientPartitioner() {
    }

    /** The positive murmur2 hash of the recipient, shown by --dry-run when the partition count is unknown. */
    public static int hash(String recipient) {
        return Utils.toPositive(Utils.murmur2(recipient.getBytes(StandardCharsets.UTF_8)));
    }

    public static int partition(String recipient, int partitionCount) {
        if (partitionCount < 1) {
            throw new IllegalArgumentException("partition count must be positive, got " + partitionCount);
        }
        return hash(recipient) % partitionCount;
    }
}
