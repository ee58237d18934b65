package io.github.kresconnect.filesink.receipts;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import io.github.kresconnect.filesink.protocol.TopicNames;

/**
 * Where hosts write their receipts, the same word for the connector (receipts.topic.mode) and the publisher
 * (--receipts-topic-mode).
 *
 * <ul>
 * <li>{@link #PER_HOST}: each host writes to its own topic, {@link TopicNames#forHost} of the receipts topic
 * ({@code knot-resolver-receipts.host.resolver1}), on which only that host's principal has Write (a literal
 * ACL); readers trust a receipt only from its own host's topic, so no host can speak for another.</li>
 * <li>{@link #SHARED}: every host writes to the one receipts topic; simpler for a small fleet whose hosts trust
 * each other, but any host (anyone with Write on the topic) can write a receipt in another host's name.</li>
 * </ul>
 */
public enum ReceiptChannel {
    SHARED("shared"),
    PER_HOST("per-host");

    private final String word;

    ReceiptChannel(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    /** The topic host {@code host} writes its receipts to. */
    public String topicFor(String receiptsTopic, String host) {
        return this == SHARED ? receiptsTopic : TopicNames.forHost(receiptsTopic, host);
    }

    /**
     * The host whose own channel {@code topic} is, in per-host mode: {@code knot-resolver-receipts.host.r1} → r1;
     * empty for a topic that is no host's channel.
     */
    public static Optional<String> hostOf(String receiptsTopic, String topic) {
        String prefix = receiptsTopic + TopicNames.HOST_INFIX;
        return topic.startsWith(prefix) && topic.length() > prefix.length()
                ? Optional.of(topic.substring(prefix.length())) : Optional.empty();
    }

    public static ReceiptChannel fromWord(String text) {
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(mode -> mode.word.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown receipts topic mode '" + text
                        + "', expected one of " + allWords()));
    }

    public static String allWords() {
        return Arrays.stream(values()).map(ReceiptChannel::word).collect(Collectors.joining(", "));
    }
}
