package io.github.kresconnect.filesink.publish;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.common.utils.Utils;

/**
 * The bootstrap servers as the operator gave them, and what the network says about each: whether its host
 * name resolves, and, while the Kafka client waits for an answer, whether its port refuses connections, drops
 * them or accepts them without a Kafka answer. The Kafka client retries all of these silently until its
 * timeout; this is what the operator is told meanwhile.
 */
final class BrokerProbe {
    /** Addresses probed while waiting; the client itself tries them all. */
    private static final int MAX_PROBED = 3;

    record Address(String host, int port) {
        @Override
        public String toString() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    private BrokerProbe() {
    }

    /** Each {@code HOST:PORT} of a bootstrap list, or empty when one is not of that form. */
    static Optional<List<Address>> parse(String bootstrapServers) {
        List<Address> addresses = new ArrayList<>();
        for (String item : bootstrapServers.split(",")) {
            String entry = item.trim();
            if (entry.isEmpty()) {
                continue;
            }
            String host = Utils.getHost(entry);
            Integer port = Utils.getPort(entry);
            if (host == null || host.isEmpty() || port == null || port < 0 || port > 65535) {
                return Optional.empty();
            }
            addresses.add(new Address(host, port));
        }
        return addresses.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(addresses));
    }

    /**
     * Returns when at least one host name resolves (the Kafka client uses those that do); otherwise the
     * broker is unreachable, and the exception says which names failed.
     */
    static void requireResolvable(List<Address> addresses) throws PublishException {
        List<String> failures = new ArrayList<>();
        for (Address address : addresses) {
            try {
                InetAddress.getAllByName(address.host());
                return;
            } catch (UnknownHostException e) {
                failures.add("'" + address.host() + "' (" + address + ")");
            } catch (SecurityException e) {
                return; // not ours to decide; the client will say
            }
        }
        throw new PublishException(ExitCode.BROKER_UNREACHABLE, "cannot resolve the broker host name"
                + (failures.size() == 1 ? " " : "s ") + String.join(", ", failures) + ": no broker can be "
                + "reached. Check --bootstrap-server (or bootstrap.servers) and the DNS.");
    }

    /** One line on each of the first addresses: what a TCP connection to it finds. */
    static String describe(List<Address> addresses, Duration connectTimeout) {
        List<String> states = new ArrayList<>();
        for (Address address : addresses.subList(0, Math.min(MAX_PROBED, addresses.size()))) {
            states.add(address + " (" + state(address, connectTimeout) + ")");
        }
        if (addresses.size() > MAX_PROBED) {
            states.add("...");
        }
        return String.join(", ", states);
    }

    /** What a TCP connection to the address finds, in a few words. */
    static String state(Address address, Duration connectTimeout) {
        InetSocketAddress target;
        try {
            target = new InetSocketAddress(InetAddress.getByName(address.host()), address.port());
        } catch (UnknownHostException e) {
            return "host name not resolved";
        } catch (SecurityException e) {
            return "not checked: " + e.getMessage();
        }
        try (Socket socket = new Socket()) {
            socket.connect(target, (int) Math.max(1, connectTimeout.toMillis()));
            return "the port accepts connections but no Kafka answer came: check that security.protocol matches "
                    + "the listener and that the broker's advertised address is reachable from here";
        } catch (ConnectException e) {
            String message = e.getMessage() == null ? "" : e.getMessage();
            return message.toLowerCase(java.util.Locale.ROOT).contains("refused") ? "connection refused"
                    : "cannot connect: " + message;
        } catch (NoRouteToHostException e) {
            return "no route to host";
        } catch (SocketTimeoutException e) {
            return "no answer to a TCP connection within " + connectTimeout.toMillis() + " ms";
        } catch (IOException | SecurityException e) {
            return "cannot connect: " + e.getMessage();
        }
    }
}
