package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.publish.BrokerProbe.Address;

class BrokerProbeTest {
    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void bootstrapListsAreHostAndPortPairs() {
        assertEquals(Optional.of(List.of(new Address("kafka1", 9092), new Address("10.0.0.2", 9093),
                new Address("::1", 9094))), BrokerProbe.parse("kafka1:9092, 10.0.0.2:9093,[::1]:9094"));
        assertEquals("[::1]:9094", new Address("::1", 9094).toString());
        for (String bad : List.of("kafka1", "kafka1:", ":9092", "kafka1:port", "", " , ")) {
            assertEquals(Optional.empty(), BrokerProbe.parse(bad), bad);
        }
    }

    @Test
    void aHostNameThatDoesNotResolveIsABrokerProblem() throws Exception {
        PublishException e = assertThrows(PublishException.class,
                () -> BrokerProbe.requireResolvable(List.of(new Address("no-such-host.invalid", 9092))));
        assertEquals(ExitCode.BROKER_UNREACHABLE, e.exitCode());
        assertTrue(e.getMessage().startsWith("cannot resolve the broker host name 'no-such-host.invalid' "
                + "(no-such-host.invalid:9092)"), e.getMessage());
        // One name that resolves is enough: the client uses it.
        BrokerProbe.requireResolvable(List.of(new Address("no-such-host.invalid", 9092), new Address("127.0.0.1", 9)));
    }

    @Test
    void aClosedPortIsConnectionRefusedAndAnOpenOneSaysSo() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
            assertTrue(BrokerProbe.state(new Address("127.0.0.1", closed), SECOND)
                    .startsWith("the port accepts connections but no Kafka answer came"));
        }
        assertEquals("connection refused", BrokerProbe.state(new Address("127.0.0.1", closed), SECOND));
        assertEquals("127.0.0.1:" + closed + " (connection refused)",
                BrokerProbe.describe(List.of(new Address("127.0.0.1", closed)), SECOND));
        assertEquals("host name not resolved", BrokerProbe.state(new Address("no-such-host.invalid", 1), SECOND));
    }
}
