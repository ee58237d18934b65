package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node KRaft broker (broker and controller in one process), formatted and started from a
 * {@link KafkaDistribution} as an operator would, listening on 127.0.0.1 only.
 *
 * <p>Its plaintext listener is the cluster's own: the controller's and the broker's traffic and the tests' setup
 * client ({@link #admin()}). A second listener speaks TLS, SASL_SSL or SASL_PLAINTEXT for the clients under test.
 * Started {@linkplain #startWithAuthorizer with an authorizer}, that second listener is where ACLs apply.
 */
final class BrokerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(2);
    /** The mechanism of the authorizer broker's admin, the one the docs' SASL settings use. */
    private static final String ADMIN_MECHANISM = "SCRAM-SHA-512";

    private final LoggedProcess process;
    private final KafkaDistribution dist;
    private final Path workDir;
    private final String bootstrapServers;
    private final String sslBootstrapServers;
    private final Setup setup;
    private final Admin admin;

    /**
     * A user of a SASL listener, authenticating with {@code mechanism} (SCRAM-SHA-256 or SCRAM-SHA-512).
     * The credentials are written into the cluster's metadata when the storage is formatted, so the user exists
     * before the first client connects.
     */
    record ScramUser(String mechanism, String name, String password) {
        /** kafka-storage format's --add-scram value; the password must not contain ',', ']' or '"'. */
        String addScramArgument() {
            return mechanism + "=[name=" + name + ",password=" + password + "]";
        }
    }

    /**
     * What the second listener speaks: TLS when {@code tls} is given, SCRAM over it (SASL_SSL) or over plaintext
     * (SASL_PLAINTEXT, without {@code tls}) when there are {@code users}; with {@code admin}, the cluster runs
     * StandardAuthorizer and {@code admin} is its super user on that listener.
     */
    private record Setup(TlsMaterial tls, List<ScramUser> users, ScramUser admin) {
        boolean sasl() {
            return !users.isEmpty();
        }

        String protocol() {
            return sasl() ? (tls == null ? "SASL_PLAINTEXT" : "SASL_SSL") : "SSL";
        }

        /** Every mechanism a user authenticates with (both SCRAM ones with an authorizer); the broker enables each. */
        Set<String> mechanisms() {
            Set<String> mechanisms = new TreeSet<>();
            if (admin != null) {
                mechanisms.addAll(List.of("SCRAM-SHA-256", "SCRAM-SHA-512"));
            }
            users.forEach(u -> mechanisms.add(u.mechanism()));
            return mechanisms;
        }
    }

    private BrokerProcess(LoggedProcess process, KafkaDistribution dist, Path workDir, String bootstrapServers,
            String sslBootstrapServers, Setup setup, Admin admin) {
        this.process = process;
        this.dist = dist;
        this.workDir = workDir;
        this.bootstrapServers = bootstrapServers;
        this.sslBootstrapServers = sslBootstrapServers;
        this.setup = setup;
        this.admin = admin;
    }

    /** The broker's process id. */
    long pid() {
        return process.pid();
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
        if (user != null && tls == null) {
            throw new IllegalArgumentException("a SASL_SSL listener needs TLS material");
        }
        return start(dist, workDir, logDir, new Setup(tls, user == null ? List.of() : List.of(user), null),
                FreePorts.next());
    }

    /**
     * A cluster as a site with ACLs runs it: {@code authorizer.class.name=StandardAuthorizer}, so a principal may
     * do only what an ACL allows it (no ACL, no access), on a SASL listener (SASL_SSL with {@code tls},
     * SASL_PLAINTEXT without) where each of {@code users} (the hosts' principals, {@code User:resolver1} for a
     * user named resolver1) and an admin authenticate with SCRAM. The admin is a super user; so is the cluster's
     * own plaintext listener (controller, broker, {@link #admin()}). {@link #adminConfig()} is the admin's
     * client config for the distribution's tools, which {@link #tool} runs.
     */
    static BrokerProcess startWithAuthorizer(KafkaDistribution dist, Path workDir, Path logDir, TlsMaterial tls,
            List<ScramUser> users) throws IOException, InterruptedException {
        ScramUser admin = new ScramUser(ADMIN_MECHANISM, "admin", "admin-" + Uuid.randomUuid());
        List<ScramUser> all = new ArrayList<>(users);
        all.add(admin);
        return start(dist, workDir, logDir, new Setup(tls, List.copyOf(all), admin), FreePorts.next());
    }

    /** A plaintext broker on a port of the caller's choice (the quickstart's, which operators type). */
    static BrokerProcess startOnPort(KafkaDistribution dist, Path workDir, int port)
            throws IOException, InterruptedException {
        return start(dist, workDir, workDir, new Setup(null, List.of(), null), port);
    }

    private static BrokerProcess start(KafkaDistribution dist, Path workDir, Path logDir, Setup setup, int port)
            throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        int controllerPort = FreePorts.next();
        boolean second = setup.tls() != null || setup.sasl();
        int securePort = second ? FreePorts.next() : -1;
        Path properties = workDir.resolve("server.properties");
        Files.writeString(properties, serverProperties(dist, workDir.resolve("data"), port, controllerPort)
                + (second ? secureListener(port, controllerPort, securePort, setup) : "")
                + (setup.admin() == null ? "" : authorizer(setup.admin())), StandardCharsets.UTF_8);
        if (setup.admin() != null) {
            writeClientConfig(workDir.resolve("admin.properties"), setup, setup.admin());
        }

        List<String> format = new ArrayList<>(List.of("format", "-t", Uuid.randomUuid().toString(),
                "-c", properties.toString()));
        if (dist.majorVersion() >= 4) {
            format.add("--standalone"); // a dynamic quorum of this one controller (KIP-853)
        }
        for (ScramUser user : setup.users()) {
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
            return new BrokerProcess(process, dist, workDir, bootstrap, second ? "127.0.0.1:" + securePort : null,
                    setup, admin);
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
                "group.initial.rebalance.delay.ms=0",
                // Lets a test's consumer use a session shorter than the default minimum of 6 s (a test that
                // waits a session out); clients keep their own defaults otherwise.
                "group.min.session.timeout.ms=1000"));
        if (dist.majorVersion() >= 4) {
            lines.add("controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort);
            lines.add("share.coordinator.state.topic.replication.factor=1");
            lines.add("share.coordinator.state.topic.min.isr=1");
        } else {
            lines.add("controller.quorum.voters=1@127.0.0.1:" + controllerPort);
        }
        return String.join("\n", lines) + "\n";
    }

    /**
     * Properties appended after the plaintext ones (later keys replace earlier ones): the second listener, named
     * after its protocol. With SASL, the broker side of SCRAM needs only the login module per mechanism (the
     * credentials come from the cluster's metadata); TLS there asks for no client certificate.
     */
    private static String secureListener(int port, int controllerPort, int securePort, Setup setup) {
        String protocol = setup.protocol();
        List<String> lines = new ArrayList<>(List.of(
                "listeners=PLAINTEXT://127.0.0.1:" + port + "," + protocol + "://127.0.0.1:" + securePort
                        + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + "," + protocol + "://127.0.0.1:" + securePort,
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT," + protocol + ":" + protocol
                        + ",CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT"));
        if (setup.sasl()) {
            lines.add("sasl.enabled.mechanisms=" + String.join(",", setup.mechanisms()));
            for (String mechanism : setup.mechanisms()) {
                lines.add("listener.name." + protocol.toLowerCase(Locale.ROOT) + "." + mechanism.toLowerCase(Locale.ROOT)
                        + ".sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;");
            }
        }
        TlsMaterial tls = setup.tls();
        if (tls != null) {
            lines.add(setup.sasl() ? "ssl.client.auth=none" : "ssl.client.auth=required");
            lines.add("ssl.keystore.type=PKCS12");
            lines.add("ssl.keystore.location=" + tls.brokerKeystore);
            lines.add("ssl.keystore.password=" + TlsMaterial.PASSWORD);
            lines.add("ssl.key.password=" + TlsMaterial.PASSWORD);
            if (!setup.sasl()) {
                lines.add("ssl.truststore.type=PEM");
                lines.add("ssl.truststore.location=" + tls.brokerTruststore);
            }
        }
        return String.join("\n", lines) + "\n";
    }

    /**
     * StandardAuthorizer with no access where no ACL allows it. The super users are {@code admin} and the
     * principal of the plaintext listener (User:ANONYMOUS), which the controller, the broker and the tests' setup
     * client use: on a site, the brokers' own principal.
     */
    private static String authorizer(ScramUser admin) {
        return String.join("\n",
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found=false",
                "super.users=User:ANONYMOUS;User:" + admin.name(),
                "");
    }

    /** A client config file (as --command-config or --producer-config take it) for {@code user}. */
    private static void writeClientConfig(Path file, Setup setup, ScramUser user) throws IOException {
        List<String> lines = new ArrayList<>();
        clientProperties(setup, user).forEach((key, value) -> lines.add(key + "=" + value));
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    private static Map<String, String> clientProperties(Setup setup, ScramUser user) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("security.protocol", setup.protocol());
        properties.put("sasl.mechanism", user.mechanism());
        properties.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user.name() + "\" password=\"" + user.password() + "\";");
        if (setup.tls() != null) {
            properties.put("ssl.truststore.type", "PEM");
            properties.put("ssl.truststore.location", setup.tls().clientPemDir.resolve("ca.crt").toString());
        }
        return properties;
    }

    /**
     * The settings of a client of the SASL listener authenticating as {@code user} (one the broker was started
     * with or {@linkplain #addScramUser added}), to add to a producer's, consumer's or admin client's own.
     */
    Map<String, Object> clientProperties(ScramUser user) {
        if (!setup.sasl()) {
            throw new IllegalStateException("this broker has no SASL listener");
        }
        return new LinkedHashMap<>(clientProperties(setup, user));
    }

    /**
     * Creates (or changes the password of) a SCRAM user in the running cluster, as kafka-configs.sh --alter
     * --add-config does; the user can authenticate on the SASL listener once this returns.
     */
    void addScramUser(ScramUser user) throws Exception {
        if (!setup.sasl() || !setup.mechanisms().contains(user.mechanism())) {
            throw new IllegalArgumentException("the SASL listener does not enable " + user.mechanism());
        }
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user.name(),
                new ScramCredentialInfo(ScramMechanism.fromMechanismName(user.mechanism()), 8192), user.password())))
                .all().get(30, TimeUnit.SECONDS);
    }

    /** The admin's client config on the SASL listener (--command-config), on a broker with an authorizer. */
    Path adminConfig() {
        if (setup.admin() == null) {
            throw new IllegalStateException("this broker runs no authorizer and has no admin");
        }
        return workDir.resolve("admin.properties");
    }

    /**
     * Runs one of the distribution's bin/ scripts ({@code kafka-acls.sh}, {@code kafka-topics.sh},
     * {@code kafka-configs.sh}, ...) as the admin: {@code --bootstrap-server} the SASL listener and
     * {@code --command-config} {@link #adminConfig()}, then {@code args}. Returns its output; fails with it
     * unless the script exits with 0.
     */
    String tool(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(dist.binDir().resolve(script).toString(),
                "--bootstrap-server", sslBootstrapServers, "--command-config", adminConfig().toString()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(workDir, script + "-", ".log");
        LoggedProcess.run(script + " " + String.join(" ", args), command, workDir, log, TOOL_TIMEOUT);
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * The second listener (SSL; SASL_SSL when started with a user; SASL_SSL or SASL_PLAINTEXT with an
     * authorizer), or null when started without one.
     */
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
