package io.github.kresconnect.filesink.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The ports handed to worker and broker processes: never one the kernel could give a client's connection. */
class FreePortsTest {
    @Test
    void portsAreFreeDistinctAndOutsideTheEphemeralRange() throws IOException {
        String[] bounds;
        try (BufferedReader reader = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            bounds = reader.readLine().trim().split("\\s+");
        }
        int low = Integer.parseInt(bounds[0]);
        int high = Integer.parseInt(bounds[1]);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int port = FreePorts.next();
            assertTrue(port < low || port > high, port + " is in the ephemeral range " + low + ".." + high);
            assertTrue(port >= 1024 && port <= 65_535, String.valueOf(port));
            assertTrue(seen.add(port), port + " handed out twice");
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                assertEquals(port, socket.getLocalPort());
            }
        }
    }

    @Test
    void aPortInUseIsSkipped() throws IOException {
        int taken = FreePorts.next();
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), taken));
            int[] range = FreePorts.range();
            // One pass over the whole range passes the bound port at least once.
            for (int i = 0; i <= range[1] - range[0]; i++) {
                assertTrue(FreePorts.next() != taken, "handed out " + taken + ", which is bound");
            }
        }
    }
}
