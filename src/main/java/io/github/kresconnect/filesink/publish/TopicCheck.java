package io.github.kresconnect.filesink.publish;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
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

    static int partitionCount(ProducerSettings settings, String topic, Duration timeout) throws PublishException {
        Admin admin;
        try {
            admin = Admin.create(settings.admin());
        } catch (ConfigException e) {
            throw new PublishException(ExitCode.PRODUCER_CONFIG, "invalid producer configuration: " + e.getMessage(), e);
        } catch (KafkaException e) {
            throw new PublishException(ExitCode.PRODUCER_CONFIG, "cannot create a Kafka client: " + causes(e), e);
        }
        try {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS).get(topic);
            return description.partitions().size();
        } catch (ExecutionException e) {
            throw classify(e.getCause(), settings, topic, timeout);
        } catch (java.util.concurrent.TimeoutException e) {
            throw unreachable(settings, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException(ExitCode.INTERNAL_ERROR, "interrupted while reading the topic's metadata");
        } finally {
            admin.close(Duration.ofSeconds(2));
        }
    }

    private static PublishException classify(Throwable cause, ProducerSettings settings, String topic,
            Duration timeout) {
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
            return unreachable(settings, timeout);
        }
        return new PublishException(ExitCode.INTERNAL_ERROR, "cannot read the metadata of topic '" + topic + "': "
                + causes(cause), cause);
    }

    private static PublishException unreachable(ProducerSettings settings, Duration timeout) {
        return new PublishException(ExitCode.BROKER_UNREACHABLE, "no broker at " + settings.bootstrapServers()
                + " answered within " + timeout.toSeconds() + " s (--timeout). Check the address, the network, and "
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
