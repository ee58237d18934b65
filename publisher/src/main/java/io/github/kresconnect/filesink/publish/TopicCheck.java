package io.github.kresconnect.filesink.publish;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Asks the cluster whether the topic exists and how many partitions it has, without creating it. A metadata
 * client, unlike a producer, tells a missing topic (an answer) from an unreachable broker (no answer). It runs
 * before the producer asks for the topic: a producer's metadata request lets a broker with
 * auto.create.topics.enable=true create a topic it does not know.
 */
final class TopicCheck {
    private TopicCheck() {
    }

    /** The first "still waiting" line comes this long after the first request, the next ones this often. */
    static final Duration FIRST_REPORT = Duration.ofMillis(2_500);
    static final Duration REPORT_INTERVAL = Duration.ofSeconds(5);
    private static final Duration PROBE_CONNECT_TIMEOUT = Duration.ofSeconds(1);

    /**
     * The topic's partition count. Waits at most {@code timeout} for a broker's answer; while it waits, a
     * line on {@code err} after {@link #FIRST_REPORT} and every {@link #REPORT_INTERVAL} says what the network
     * finds at each bootstrap address. A host name that does not resolve ends the wait at once. Every way of
     * not reaching a broker exits with {@link ExitCode#BROKER_UNREACHABLE}.
     */
    static int partitionCount(ProducerSettings settings, String topic, Duration timeout, PrintStream err)
            throws PublishException {
        List<BrokerProbe.Address> addresses = BrokerProbe.parse(settings.bootstrapServers()).orElse(List.of());
        BrokerProbe.requireResolvable(addresses);
        Admin admin;
        try {
            admin = Admin.create(settings.admin());
        } catch (KafkaException e) {
            throw clientCreationFailed(e, settings);
        }
        try {
            KafkaFuture<Map<String, TopicDescription>> answer = admin.describeTopics(List.of(topic)).allTopicNames();
            long start = System.nanoTime();
            // The client gives up after default.api.timeout.ms = timeout; this is a bound in case it does not.
            long deadline = start + timeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
            long nextReport = start + FIRST_REPORT.toNanos();
            String lastState = null;
            while (true) {
                long now = System.nanoTime();
                if (now - deadline >= 0) {
                    throw unreachable(settings, timeout, lastState != null ? lastState : probe(addresses));
                }
                long waitNanos = Math.min(deadline, nextReport) - now;
                try {
                    return answer.get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos)), TimeUnit.MILLISECONDS)
                            .get(topic).partitions().size();
                } catch (ExecutionException e) {
                    // What was found while waiting, if anything; a first look otherwise.
                    String found = lastState;
                    throw classify(e.getCause(), settings, topic, timeout,
                            () -> found != null ? found : probe(addresses));
                } catch (java.util.concurrent.TimeoutException e) {
                    now = System.nanoTime();
                    if (now - nextReport >= 0 && now - deadline < 0 && !answer.isDone()) {
                        lastState = probe(addresses);
                        err.println("resolver-publish: still waiting for broker "
                                + (lastState != null ? lastState : settings.bootstrapServers()) + " after "
                                + Math.round((now - start) / 1e9) + " s; giving up after "
                                + timeout.toSeconds() + " s (--timeout)");
                        err.flush();
                        nextReport = System.nanoTime() + REPORT_INTERVAL.toNanos();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException(ExitCode.INTERNAL_ERROR, "interrupted while reading the topic's metadata");
        } finally {
            admin.close(Duration.ofSeconds(2));
        }
    }

    private static String probe(List<BrokerProbe.Address> addresses) {
        return addresses.isEmpty() ? null : BrokerProbe.describe(addresses, PROBE_CONNECT_TIMEOUT);
    }

    /**
     * A Kafka client could not be created. A bootstrap list none of whose host names resolves is a broker
     * problem (the Kafka client reports it as a configuration error); anything else is the configuration's.
     */
    static PublishException clientCreationFailed(KafkaException e, ProducerSettings settings) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConfigException && t.getMessage() != null
                    && t.getMessage().contains("No resolvable bootstrap urls")) {
                return new PublishException(ExitCode.BROKER_UNREACHABLE, "cannot resolve any broker host name in "
                        + settings.bootstrapServers() + ": no broker can be reached. Check --bootstrap-server (or "
                        + "bootstrap.servers) and the DNS.", e);
            }
        }
        if (e instanceof ConfigException) {
            return new PublishException(ExitCode.PRODUCER_CONFIG, "invalid producer configuration: " + e.getMessage(),
                    e);
        }
        return new PublishException(ExitCode.PRODUCER_CONFIG, "cannot create a Kafka client: " + causes(e), e);
    }

    private static PublishException classify(Throwable cause, ProducerSettings settings, String topic,
            Duration timeout, Supplier<String> networkState) {
        if (cause instanceof UnknownTopicOrPartitionException) {
            return new PublishException(ExitCode.TOPIC_MISSING, "topic '" + topic + "' does not exist on "
                    + settings.bootstrapServers() + "; create it (kafka-topics.sh --create --topic " + topic
                    + " ...) or name another with --topic. The publisher never creates topics.");
        }
        if (cause instanceof AuthenticationException) {
            return new PublishException(ExitCode.NOT_AUTHORIZED, "authentication with " + settings.bootstrapServers()
                    + " failed: " + causes(cause), cause);
        }
        if (cause instanceof AuthorizationException) {
            return new PublishException(ExitCode.NOT_AUTHORIZED, "not authorized to describe topic '" + topic + "': "
                    + causes(cause), cause);
        }
        if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return unreachable(settings, timeout, networkState.get());
        }
        return new PublishException(ExitCode.INTERNAL_ERROR, "cannot read the metadata of topic '" + topic + "': "
                + causes(cause), cause);
    }

    private static PublishException unreachable(ProducerSettings settings, Duration timeout, String state) {
        return new PublishException(ExitCode.BROKER_UNREACHABLE, "no broker at " + settings.bootstrapServers()
                + " answered within " + timeout.toSeconds() + " s (--timeout)"
                + (state == null ? "" : ": " + state) + ". Check the address, the network, and "
                + "that security.protocol matches the listener (a TLS or SASL listener does not answer a PLAINTEXT "
                + "client).");
    }

    /** The messages of an exception and its causes, without repeating one message. */
    static String causes(Throwable error) {
        StringBuilder text = new StringBuilder();
        String previous = null;
        for (Throwable t = error; t != null; t = t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (previous == null || !previous.contains(message)) {
                text.append(text.length() == 0 ? "" : ": ").append(message);
            }
            previous = message;
            if (t.getCause() == t) {
                break;
            }
        }
        return text.toString();
    }
}
