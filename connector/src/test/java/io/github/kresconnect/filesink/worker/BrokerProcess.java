package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node KRaft broker (broker and controller in one process), formatted and started from a
 * {@link KafkaDistribution} as an operator would, listening on 127.0.0.1 only.
 */
final class BrokerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final LoggedProcess process;
    private final String bootstrapServers;
    private final String sslBootstrapServers;
    private final Admin admin;

    /**
     * A user of a SASL_SSL listener, authenticating with {@code mechanism} (SCRAM-SHA-256 or SCRAM-SHA-512).
     * The credentials are written into the cluster's metadata when the storage is formatted, so the user exists
     * before the first client connects.
     */
    record ScramUser(String mechanism, String name, String password) {
        /** kafka-storage format's --add-scram value; the password must not contain ',', ']' or '"'. */
        String addScramArgument() {
            return mechanism + "=[name=" + name + ",password=" + password + "]";
        }
    }

    private BrokerProcess(LoggedProcess process, String bootstrapServers, String sslBootstrapServers, Admin admin) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
        this.sslBootstrapServers = sslBootstrapServers;
        this.admin = admin;
    }

    /** Formats a fresh log directory under {@code workDir} and starts the broker; returns once it serves clients. */
    static BrokerProcess start(KafkaDistribution dist, Path workDir, Path logDir) throws IOException, InterruptedException {
        return start(dist, workDir, logDir, null);
    }

    /**
     * Like {@link #start(KafkaDistribution, Path, Path)}, with a second listener that speaks TLS and requires
     * client certificates when {@code tls} is given. The plaintext listener stays for the tests' own clients.
     */
    static BrokerProcess start(KafkaDistribution dist, Path workDir, Path logDir, TlsMaterial tls)
            throws IOException, InterruptedException {
        return start(dist, workDir, logDir, tls, null);
    }

    /**
     * Like {@link #start(KafkaDistribution, Path, Path, TlsMaterial)}, the second listener speaking SASL_SSL
     * instead (TLS without client certificates, then SCRAM with {@code user}'s mechanism) when {@code user} is
     * given.
     */
    static BrokerProcess start(KafkaDistribution dist, Path workDir, Path logDir, TlsMaterial tls, ScramUser user)
            throws IOException, InterruptedException {
        return start(dist, workDir, logDir, tls, user, FreePorts.next());
    }

    /** A plaintext broker on a port of the caller's choice (the quickstart's, which operators type). */
    static BrokerProcess startOnPort(KafkaDistribution dist, Path workDir, int port)
            throws IOException, InterruptedException {
        return start(dist, workDir, workDir, null, null, port);
    }

    private static BrokerProcess start(KafkaDistribution dist, Path workDir, Path logDir, TlsMaterial tls,
            ScramUser user, int port) throws IOException, InterruptedException {
        if (user != null && tls == null) {
            throw new IllegalArgumentException("a SASL_SSL listener needs TLS material");
        }
        Files.createDirectories(workDir);
        int controllerPort = FreePorts.next();
        int sslPort = tls == null ? -1 : FreePorts.next();
        Path properties = workDir.resolve("server.properties");
        Files.writeString(properties, serverProperties(dist, workDir.resolve("data"), port, controllerPort)
                + (tls == null ? "" : user == null ? sslListener(port, controllerPort, sslPort, tls)
                        : saslSslListener(port, controllerPort, sslPort, tls, user)), StandardCharsets.UTF_8);

        List<String> format = new ArrayList<>(List.of("format", "-t", Uuid.randomUuid().toString(),
                "-c", properties.toString()));
        if (dist.majorVersion() >= 4) {
            format.add("--standalone"); // a dynamic quorum of this one controller (KIP-853)
        }
        if (user != null) {
            format.add("--add-scram");
            format.add(user.addScramArgument());
        }
        LoggedProcess.run("kafka-storage format (" + dist + ")",
                dist.javaCommand(workDir, "256m", "kafka.tools.StorageTool", format.toArray(String[]::new)),
                workDir, logDir.resolve("kafka-storage-format.log"), Duration.ofMinutes(2));

        LoggedProcess process = LoggedProcess.start("broker (" + dist + ")",
                dist.javaCommand(workDir, "512m", "kafka.Kafka", properties.toString()),
                workDir, logDir.resolve("broker.log"));
        String bootstrap = "127.0.0.1:" + port;
        Admin admin = null;
        try {
            process.awaitLogLine("Kafka Server started", START_TIMEOUT);
            admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
            Admin ready = admin;
            Await.until("the broker to answer an admin request", START_TIMEOUT,
                    () -> !ready.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty(), process::tail);
            return new BrokerProcess(process, bootstrap, tls == null ? null : "127.0.0.1:" + sslPort, admin);
        } catch (RuntimeException | Error e) {
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
            process.close();
            throw e;
        }
    }

    private static String serverProperties(KafkaDistribution dist, Path dataDir, int port, int controllerPort) {
        List<String> lines = new ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dataDir,
                // Topics are created by the tests, as an operator creates them; nothing appears by accident.
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0"));
        if (dist.majorVersion() >= 4) {
            lines.add("controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort);
            lines.add("share.coordinator.state.topic.replication.factor=1");
            lines.add("share.coordinator.state.topic.min.isr=1");
        } else {
            lines.add("controller.quorum.voters=1@127.0.0.1:" + controllerPort);
        }
        return String.join("\n", lines) + "\n";
    }

    /** Properties appended after the plaintext ones: later keys replace earlier ones. */
    private static String sslListener(int port, int controllerPort, int sslPort, TlsMaterial tls) {
        return String.join("\n",
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",SSL://127.0.0.1:" + sslPort
                        + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + ",SSL://127.0.0.1:" + sslPort,
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "ssl.client.auth=required",
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + tls.brokerKeystore,
                "ssl.keystore.password=" + TlsMaterial.PASSWORD,
                "ssl.key.password=" + TlsMaterial.PASSWORD,
                "ssl.truststore.type=PEM",
                "ssl.truststore.location=" + tls.brokerTruststore,
                "");
    }

    /**
     * Properties appended after the plaintext ones: a listener named SASL_SSL, whose broker side of SCRAM
     * needs only the login module (credentials come from the cluster's metadata).
     */
    private static String saslSslListener(int port, int controllerPort, int saslPort, TlsMaterial tls,
            ScramUser user) {
        String listenerPrefix = "listener.name.sasl_ssl." + user.mechanism().toLowerCase(java.util.Locale.ROOT);
        return String.join("\n",
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",SASL_SSL://127.0.0.1:" + saslPort
                        + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + ",SASL_SSL://127.0.0.1:" + saslPort,
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "sasl.enabled.mechanisms=" + user.mechanism(),
                listenerPrefix + ".sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "ssl.client.auth=none",
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + tls.brokerKeystore,
                "ssl.keystore.password=" + TlsMaterial.PASSWORD,
                "ssl.key.password=" + TlsMaterial.PASSWORD,
                "");
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** The TLS listener (SSL, or SASL_SSL when started with a user), or null when started without one. */
    String sslBootstrapServers() {
        return sslBootstrapServers;
    }

    /** An admin client of this broker, closed with it. */
    Admin admin() {
        return admin;
    }

    String tail() {
        return process.tail();
    }

    @Override
    public void close() {
        try {
            admin.close(Duration.ofSeconds(5));
        } finally {
            process.close();
        }
    }
}
