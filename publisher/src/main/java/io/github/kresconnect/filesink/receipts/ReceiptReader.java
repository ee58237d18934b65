package io.github.kresconnect.filesink.receipts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * In per-host mode ({@link ReceiptChannel#PER_HOST}) it reads each host's own topic and keeps a receipt only when
 * the host it names is the one whose topic it was read from: a receipt in host X's topic claiming to be host Y's
 * is ignored and counted ({@link #ignored()}), since only X could write it.
 *
 * <p>Per host with hosts named, a host's topic that does not exist when reading starts is looked for again every
 * {@link #RELIST_PERIOD} while waiting, and read from its beginning once it appears.
 *
 * <p>Reads the receipts topic without a consumer group (every partition assigned, nothing committed): from its
 * end, for receipts yet to come, or from its beginning up to where it ended when reading started.
 */
public final class ReceiptReader implements AutoCloseable {
    /** How often, while waiting in per-host mode, the topics are listed again for hosts' topics that appeared. */
    public static final Duration RELIST_PERIOD = Duration.ofSeconds(2);

    private final Consumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions;
    private long unreadable;
    private String receiptsTopic;
    private ReceiptChannel channel = ReceiptChannel.SHARED;
    private List<String> hosts = List.of();
    private Duration relistPeriod = RELIST_PERIOD;
    private Duration timeout = Duration.ofSeconds(30);
    private long lastListed;
    private final List<String> appeared = new ArrayList<>();
    private final List<String> ignored = new ArrayList<>();

    private ReceiptReader(Consumer<byte[], byte[]> consumer, List<TopicPartition> partitions) {
        this.consumer = consumer;
        this.partitions = partitions;
    }

    /**
     * Opens the receipts as {@code channel} says: the one topic, or each host's own topic ({@code hosts}' topics,
     * or with no hosts named, every {@code TOPIC.host.*} topic this principal may describe).
     *
     * @throws IllegalStateException when the shared topic does not exist, or no host's topic does
     */
    public static ReceiptReader open(Map<String, Object> clientSettings, String topic, ReceiptChannel channel,
            List<String> hosts, Duration timeout) {
        if (channel == ReceiptChannel.SHARED) {
            return open(clientSettings, topic, timeout);
        }
        KafkaConsumer<byte[], byte[]> consumer = consumer(clientSettings);
        try {
            return perHost(consumer, topic, hosts, timeout, RELIST_PERIOD);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    /**
     * Per host, on a consumer already made: each host's topic that exists now is assigned; while waiting
     * ({@link #readUntil}), the topics are listed again every {@code relist} for those that appear meanwhile.
     */
    static ReceiptReader perHost(Consumer<byte[], byte[]> consumer, String topic, List<String> hosts,
            Duration timeout, Duration relist) {
        ReceiptReader reader = new ReceiptReader(consumer, new ArrayList<>());
        reader.receiptsTopic = topic;
        reader.channel = ReceiptChannel.PER_HOST;
        reader.hosts = List.copyOf(hosts);
        reader.relistPeriod = relist;
        reader.timeout = timeout;
        List<TopicPartition> found = reader.newHostPartitions();
        if (found.isEmpty() && hosts.isEmpty()) {
            throw new IllegalStateException("no receipts topic of a host ('" + topic + ".host.HOST') exists");
        }
        reader.partitions.addAll(found);
        consumer.assign(reader.partitions);
        reader.lastListed = System.nanoTime();
        return reader;
    }

    /**
     * The partitions of the hosts' topics not read yet: of each named host, or with none named, of every
     * {@code TOPIC.host.*} topic this principal may describe.
     */
    private List<TopicPartition> newHostPartitions() {
        java.util.Set<String> reading = topics();
        List<TopicPartition> found = new ArrayList<>();
        new java.util.TreeMap<>(consumer.listTopics(timeout)).forEach((name, infos) -> {
            java.util.Optional<String> host = ReceiptChannel.hostOf(receiptsTopic, name);
            if (host.isPresent() && (hosts.isEmpty() || hosts.contains(host.get())) && !reading.contains(name)
                    && infos != null && !infos.isEmpty()) {
                infos.forEach(info -> found.add(new TopicPartition(name, info.partition())));
            }
        });
        return found;
    }

    /**
     * Per host, while waiting: a host's topic that did not exist when reading started (created meanwhile by the
     * operator, or by the host's first receipt where the brokers create topics) is read from its beginning, since
     * everything in it came after reading started. Checked every {@link #relistPeriod}, and only while a named
     * host's topic is missing (or, with none named, always: any host may come).
     */
    private void relistIfDue() {
        if (channel != ReceiptChannel.PER_HOST || System.nanoTime() - lastListed < relistPeriod.toNanos()
                || (!hosts.isEmpty() && topics().size() >= hosts.size())) {
            return;
        }
        lastListed = System.nanoTime();
        List<TopicPartition> found;
        try {
            found = newHostPartitions();
        } catch (org.apache.kafka.common.KafkaException e) {
            return; // listed again at the next period; what is read already goes on being read
        }
        if (found.isEmpty()) {
            return;
        }
        partitions.addAll(found);
        consumer.assign(partitions); // the partitions read already keep their positions
        consumer.seekToBeginning(found);
        found.forEach(consumer::position);
        appeared.addAll(found.stream().map(TopicPartition::topic).distinct().toList());
    }

    /** Hosts' topics that appeared while waiting, in the order they were found. */
    public List<String> appeared() {
        return List.copyOf(appeared);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> clientSettings) {
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The topics read. */
    public java.util.Set<String> topics() {
        java.util.Set<String> topics = new java.util.TreeSet<>();
        partitions.forEach(partition -> topics.add(partition.topic()));
        return topics;
    }

    /** Receipts ignored because they claim a host other than the one whose topic they were read from. */
    public List<String> ignored() {
        return List.copyOf(ignored);
    }

    /**
     * @param clientSettings the connection's settings (bootstrap servers and security), as for the producer
     * @throws IllegalStateException when the topic does not exist
     */
    public static ReceiptReader open(Map<String, Object> clientSettings, String topic, Duration timeout) {
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("receipts topic '" + topic + "' does not exist");
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            return new ReceiptReader(consumer, partitions);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    /** Skips what the topic holds now: only receipts produced from here on are read. */
    public void fromEnd() {
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // fixes the position now, not at the first poll
    }

    /** Reads everything the topic held when called, then returns. */
    public void readAll(java.util.function.Consumer<Receipt> receipts, Duration timeout) {
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the receipts topic could not be read to its end within "
                        + timeout.toSeconds() + " s");
            }
            poll(receipts, Duration.ofMillis(200));
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
            if (consumer.position(partition.getKey()) < partition.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Polls until {@code done} or the deadline (System.nanoTime()); returns whether done. */
    public boolean readUntil(java.util.function.Consumer<Receipt> receipts, BooleanSupplier done, long deadlineNanos,
            Runnable eachPoll) {
        while (!done.getAsBoolean()) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            relistIfDue();
            poll(receipts, Duration.ofNanos(Math.min(left, Duration.ofMillis(200).toNanos())));
            eachPoll.run();
        }
        return true;
    }

    private void poll(java.util.function.Consumer<Receipt> receipts, Duration wait) {
        if (partitions.isEmpty()) {
            try {
                Thread.sleep(wait.toMillis()); // no host's topic exists: nothing can arrive
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(wait)) {
            if (record.value() == null) {
                continue;
            }
            Receipt receipt;
            try {
                receipt = Receipt.fromJson(record.value());
            } catch (IllegalArgumentException e) {
                unreadable++;
                continue;
            }
            if (channel == ReceiptChannel.PER_HOST) {
                String owner = ReceiptChannel.hostOf(receiptsTopic, record.topic()).orElse(null);
                if (!receipt.host().equals(owner)) {
                    ignored.add("a receipt in '" + record.topic() + "' (offset " + record.offset() + ") claims host '"
                            + receipt.host() + "' (" + receipt.outcome() + (receipt.file() == null ? ""
                                    : " " + receipt.file()) + "): only '" + owner + "' writes there; ignored");
                    continue;
                }
            }
            receipts.accept(receipt);
        }
    }

    /** Records that were not receipts this reader understands (another schema, or not JSON). */
    public long unreadable() {
        return unreadable;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(1));
    }
}
