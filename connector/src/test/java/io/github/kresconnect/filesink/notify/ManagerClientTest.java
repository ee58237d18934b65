package io.github.kresconnect.filesink.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ManagerClientTest {

    enum Transport {
        UNIX("unix"),
        TCP("tcp");

        final String recorded;

        Transport(String recorded) {
            this.recorded = recorded;
        }
    }

    @TempDir
    Path dir;

    private FakeManager manager;

    @BeforeEach
    void startManager() throws IOException {
        manager = FakeManager.start(dir.resolve("kres-api.sock"));
    }

    @AfterEach
    void stopManager() throws Exception {
        manager.close();
    }

    private ManagerClient client(Transport transport, Duration responseTimeout) {
        return transport == Transport.UNIX
                ? ManagerClient.overUnixSocket(manager.socket(), Duration.ofSeconds(2), responseTimeout)
                : ManagerClient.overTcp(manager.url(), Duration.ofSeconds(2), responseTimeout);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void postsEachRequestToItsPath(Transport transport) throws Exception {
        try (ManagerClient client = client(transport, Duration.ofSeconds(5))) {
            client.send(ManagerRequest.RELOAD, false);
            client.send(ManagerRequest.RENEW, false);
            client.send(ManagerRequest.RELOAD, true);
            client.send(ManagerRequest.RENEW, true);
        }
        List<FakeManager.Request> posts = manager.posts();
        assertEquals(List.of("/reload", "/renew", "/reload/force", "/renew/force"),
                posts.stream().map(FakeManager.Request::path).toList());
        assertTrue(posts.stream().allMatch(r -> r.transport().equals(transport.recorded)), posts::toString);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void readsTheRunningConfigEtag(Transport transport) throws Exception {
        try (ManagerClient client = client(transport, Duration.ofSeconds(5))) {
            String before = client.runningConfigEtag().orElseThrow();
            client.send(ManagerRequest.RELOAD, false);
            String after = client.runningConfigEtag().orElseThrow();

            assertNotEquals(before, after);
            assertEquals(manager.currentEtag(), after);
        }
        assertEquals(List.of("GET /v1/config", "POST /reload", "GET /v1/config"),
                manager.requests().stream().map(r -> r.method() + " " + r.path()).toList());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void anErrorStatusIsAFailureNamingTheStatusAndBody(Transport transport) {
        manager.answerPostsWith(500);
        try (ManagerClient client = client(transport, Duration.ofSeconds(5))) {
            IOException e = assertThrows(IOException.class, () -> client.send(ManagerRequest.RENEW, false));
            String reason = ManagerClient.reason(e);
            assertTrue(reason.contains("POST /renew answered HTTP 500"), reason);
            assertTrue(reason.contains("told to fail with 500"), reason);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aRefusedConnectionIsAFailure(Transport transport) throws Exception {
        manager.refuseConnections();
        try (ManagerClient client = client(transport, Duration.ofSeconds(5))) {
            IOException e = assertThrows(IOException.class, () -> client.send(ManagerRequest.RELOAD, false));
            String reason = ManagerClient.reason(e);
            assertTrue(reason.startsWith("POST /reload: cannot talk to the manager at "
                    + (transport == Transport.UNIX ? "socket " + manager.socket() : manager.url())), reason);

            manager.acceptConnections();
            client.send(ManagerRequest.RELOAD, false);
        }
        assertEquals(List.of("/reload"), manager.posts().stream().map(FakeManager.Request::path).toList());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aLateAnswerTimesOut(Transport transport) {
        manager.delayPosts(Duration.ofSeconds(3));
        try (ManagerClient client = client(transport, Duration.ofMillis(300))) {
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> client.send(ManagerRequest.RELOAD, false));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMillis < 2_500, "gave up after " + tookMillis + " ms");
            String where = transport == Transport.UNIX ? "socket " + manager.socket() : manager.url();
            assertTrue(ManagerClient.reason(e).contains("no answer from " + where + " within 300 ms"),
                    ManagerClient.reason(e));
        }
    }
}
