package io.github.kresconnect.filesink.publish;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Collection;
import java.util.OptionalLong;
import java.util.Set;

import org.apache.kafka.common.KafkaException;

import io.github.kresconnect.filesink.receipts.Receipt;
import io.github.kresconnect.filesink.receipts.ReceiptChannel;
import io.github.kresconnect.filesink.receipts.ReceiptReader;

/**
 * The version a signing run gives its files: {@code max(this machine's clock in ms, newest + 1)}, where newest is
 * the highest signed version any host reports holding of any of the run's files (receipts {@code published} or
 * {@code unchanged} on the receipts topic). So versions of a file rise from one publication to the next whichever
 * publisher, and whatever its clock, made the last one; the hosts compare versions only with each other, never
 * with their own clocks.
 */
final class VersionChoice {
    private VersionChoice() {
    }

    /** {@code max(clock, newest + 1)}; an error when newest leaves no room above it. */
    static long choose(long clockMillis, OptionalLong newest) throws PublishException {
        if (newest.isEmpty()) {
            return clockMillis;
        }
        if (newest.getAsLong() == Long.MAX_VALUE) {
            throw new PublishException(ExitCode.USAGE, "a host holds version " + Long.MAX_VALUE + ", the highest "
                    + "there is: no later version can be signed until a revocation list lowers the file's floor "
                    + "(reset-floor, see docs/security.md)");
        }
        return Math.max(clockMillis, newest.getAsLong() + 1);
    }

    /** The highest version of one of {@code files} that a receipt says a host holds, if any. */
    static OptionalLong newest(Collection<Receipt> receipts, Set<String> files) {
        long newest = -1;
        for (Receipt receipt : receipts) {
            if (receipt.file() != null && files.contains(receipt.file())
                    && ("published".equals(receipt.outcome()) || "unchanged".equals(receipt.outcome()))) {
                newest = Math.max(newest, receipt.version());
            }
        }
        return newest < 0 ? OptionalLong.empty() : OptionalLong.of(newest);
    }

    /**
     * Reads the receipts to their end (per host: every host's own topic) for the newest version of {@code files};
     * when they cannot be read (no receipts topic), says so on {@code err} and goes by the clock alone.
     */
    static OptionalLong newestOnTopic(ProducerSettings settings, String topic, ReceiptChannel channel,
            Set<String> files, Duration timeout, PrintStream err) {
        java.util.List<Receipt> receipts = new java.util.ArrayList<>();
        try (ReceiptReader reader = ReceiptReader.open(ReceiptsStep.clientSettings(settings), topic, channel,
                java.util.List.of(), timeout)) {
            reader.readAll(receipts::add, timeout);
        } catch (IllegalStateException | KafkaException e) {
            err.println("warning: cannot read the receipts topic '" + topic + "' (" + e.getMessage() + "): the file "
                    + "version is this machine's clock alone, and a host refuses it if it holds a newer one");
            return OptionalLong.empty();
        }
        return newest(receipts, files);
    }
}
