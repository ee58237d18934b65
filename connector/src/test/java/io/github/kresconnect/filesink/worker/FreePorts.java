package io.github.kresconnect.filesink.worker;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports free on 127.0.0.1 right now, for processes that need them on their command line or config.
 *
 * <p>They are taken from outside the kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}): a port the
 * kernel hands out for a listening socket on port 0 is also one it hands out as the local port of any client's
 * outgoing connection, so between the check here and the process binding it a broker's or producer's connection
 * could take it (a worker's REST server once failed to start with "Address already in use" that way). Outside that
 * range only a process told the port binds it. The integration tests' JVMs, which run side by side, each take a
 * share of the range of their own (system properties {@code ports.fork}, from 1, and {@code ports.forks}), so two
 * of them never hand out the same port before either process has bound it. Each JVM starts at a random place in its
 * range and goes round it, so it gives no port twice before it has gone through them all. A port from here that
 * nothing binds is a closed port no connection can reach itself through (a client retrying a closed port in the
 * ephemeral range may be given that very port as its own source port, and connect to itself).
 */
public final class FreePorts {
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int[] RANGE = range();
    private static final AtomicInteger NEXT = new AtomicInteger(
            ThreadLocalRandom.current().nextInt(RANGE[1] - RANGE[0]));

    private FreePorts() {
    }

    /** A port free on 127.0.0.1 now, outside the ephemeral range. */
    public static int next() {
        int size = RANGE[1] - RANGE[0];
        for (int tried = 0; tried < size; tried++) {
            int port = RANGE[0] + Math.floorMod(NEXT.getAndIncrement(), size);
            if (bindable(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port on 127.0.0.1 in " + RANGE[0] + ".." + (RANGE[1] - 1));
    }

    /**
     * The ports to hand out, [from, to): this JVM's share of 10,000 ports below the ephemeral range, or of those
     * above it when it starts too low.
     */
    static int[] range() {
        int[] all = outsideEphemeralRange();
        int forks = Integer.getInteger("ports.forks", 1);
        int fork = Integer.getInteger("ports.fork", 1);
        if (forks < 2 || fork < 1 || fork > forks) {
            return all;
        }
        int share = (all[1] - all[0]) / forks;
        return new int[] {all[0] + (fork - 1) * share, all[0] + fork * share};
    }

    private static int[] outsideEphemeralRange() {
        int low = 32768;
        int high = 60999;
        try {
            // Read by line: a whole-file read sees a single byte of this procfs file.
            String[] bounds;
            try (BufferedReader reader = Files.newBufferedReader(EPHEMERAL_RANGE)) {
                bounds = reader.readLine().trim().split("\\s+");
            }
            low = Integer.parseInt(bounds[0]);
            high = Integer.parseInt(bounds[1]);
        } catch (IOException | RuntimeException e) {
            // Not Linux, or no procfs: Linux's default range.
        }
        if (low - 10_000 >= 1024) {
            return new int[] {low - 10_000, low};
        }
        if (high + 1_000 <= 65_536) {
            return new int[] {high + 1, 65_536};
        }
        throw new IllegalStateException("the ephemeral range " + low + ".." + high
                + " leaves no room for fixed ports");
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
