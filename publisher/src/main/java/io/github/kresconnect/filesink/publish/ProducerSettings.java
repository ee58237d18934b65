package io.github.kresconnect.filesink.publish;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The producer's and the metadata client's settings: the operator's Kafka properties (security: SSL with
 * JKS, PKCS12 or PEM, SASL) passed through, plus what delivery depends on, enforced.
 */
public final class ProducerSettings {
    /** Room in a request for the key, headers and batch framing next to one chunk. */
    public static final int REQUEST_HEADROOM = 64 * 1024;
    /** Records the producer may hold unsent, in chunks: bounds memory and how long a record waits in the queue. */
    private static final int BUFFERED_CHUNKS = 8;
    private static final int KAFKA_REQUEST_TIMEOUT_MS = 30_000;
    private static final int KAFKA_MAX_REQUEST_SIZE = 1024 * 1024;

    private static final List<String> SASL_SETTINGS = List.of(
            AdminClientConfig.SECURITY_PROTOCOL_CONFIG, SaslConfigs.SASL_MECHANISM, SaslConfigs.SASL_JAAS_CONFIG);

    private final Map<String, Object> producer;
    private final Map<String, Object> admin;
    private final int maxRequestSize;

    private ProducerSettings(Map<String, Object> producer, Map<String, Object> admin, int maxRequestSize) {
        this.producer = Map.copyOf(producer);
        this.admin = Map.copyOf(admin);
        this.maxRequestSize = maxRequestSize;
    }

    public static ProducerSettings from(PublishOptions options) throws PublishException {
        Properties user = options.producerConfig().isPresent() ? load(options.producerConfig().get()) : new Properties();
        return of(user, options.bootstrapServers(), options.timeout(), options.chunkSize());
    }

    static ProducerSettings of(Properties userProperties, Optional<String> bootstrapServers, Duration timeout,
            int chunkSize) throws PublishException {
        Map<String, String> user = new HashMap<>();
        userProperties.stringPropertyNames().forEach(name -> user.put(name, userProperties.getProperty(name).trim()));
        Optional<String> saslProblem = saslProblem(user);
        if (saslProblem.isPresent()) {
            throw new PublishException(ExitCode.PRODUCER_CONFIG, saslProblem.get());
        }
        rejectConflicts(user);

        String bootstrap = bootstrapServers.orElse(user.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new PublishException(ExitCode.USAGE,
                    "no broker given: use --bootstrap-server HOST:PORT (or bootstrap.servers in --producer-config)");
        }
        if (BrokerProbe.parse(bootstrap).isEmpty()) {
            throw new PublishException(bootstrapServers.isPresent() ? ExitCode.USAGE : ExitCode.PRODUCER_CONFIG,
                    (bootstrapServers.isPresent() ? "--bootstrap-server" : "bootstrap.servers") + " '" + bootstrap
                            + "' is not a list of HOST:PORT");
        }
        long timeoutMs = timeout.toMillis();
        long requestTimeoutMs = longSetting(user, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                Math.min(KAFKA_REQUEST_TIMEOUT_MS, timeoutMs));
        int maxRequestSize = (int) longSetting(user, ProducerConfig.MAX_REQUEST_SIZE_CONFIG, KAFKA_MAX_REQUEST_SIZE);
        if ((long) chunkSize + REQUEST_HEADROOM > maxRequestSize) {
            throw new PublishException(ExitCode.USAGE, "--chunk-size " + chunkSize + " does not fit in a request: "
                    + "the producer's max.request.size is " + maxRequestSize + " and a record needs "
                    + REQUEST_HEADROOM + " bytes beside its chunk; use --chunk-size "
                    + Math.max(1, maxRequestSize - REQUEST_HEADROOM) + " or less, or raise max.request.size in "
                    + "--producer-config (and the broker's message.max.bytes)");
        }

        Map<String, Object> producer = new HashMap<>(user);
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        // No duplicates, no reordering within a partition after retries, nothing lost when a broker fails.
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "resolver-publish");
        producer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeoutMs));
        producer.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(requestTimeoutMs));
        long lingerMs = longSetting(user, ProducerConfig.LINGER_MS_CONFIG, 0);
        producer.put(ProducerConfig.LINGER_MS_CONFIG, Long.toString(lingerMs));
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms.
        producer.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                Long.toString(Math.max(timeoutMs, lingerMs + requestTimeoutMs)));
        producer.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG,
                Long.toString((long) BUFFERED_CHUNKS * (chunkSize + REQUEST_HEADROOM)));

        Map<String, Object> admin = new HashMap<>();
        user.forEach((name, value) -> {
            if (AdminClientConfig.configNames().contains(name)) {
                admin.put(name, value);
            }
        });
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        admin.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "resolver-publish-metadata");
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(requestTimeoutMs, timeoutMs)));
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
        return new ProducerSettings(producer, admin, maxRequestSize);
    }

    /**
     * SASL settings are all or nothing (as in the seed's producer configuration): once any of them is given,
     * security.protocol (SASL_PLAINTEXT or SASL_SSL), sasl.mechanism and sasl.jaas.config must all be.
     * Otherwise the client would silently connect without authentication, or fail with a vague error.
     */
    public static Optional<String> saslProblem(Map<String, String> settings) {
        String protocol = settings.getOrDefault(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "").trim();
        boolean saslProtocol = protocol.toUpperCase(Locale.ROOT).startsWith("SASL_");
        List<String> given = new ArrayList<>();
        for (String name : SASL_SETTINGS) {
            if (!settings.getOrDefault(name, "").isBlank()) {
                given.add(name);
            }
        }
        List<String> foreign = new ArrayList<>();
        for (String name : List.of("sasl.username", "sasl.password")) {
            if (settings.containsKey(name)) {
                foreign.add(name);
            }
        }
        if (!foreign.isEmpty()) {
            return Optional.of(String.join(" and ", foreign) + " are not Kafka client settings: give the credentials "
                    + "in sasl.jaas.config, for example sasl.jaas.config=org.apache.kafka.common.security.plain."
                    + "PlainLoginModule required username=\"NAME\" password=\"SECRET\"; (with sasl.mechanism=PLAIN, "
                    + "or ScramLoginModule with SCRAM-SHA-256/512)");
        }
        boolean anySasl = saslProtocol || given.contains(SaslConfigs.SASL_MECHANISM)
                || given.contains(SaslConfigs.SASL_JAAS_CONFIG);
        if (!anySasl) {
            return Optional.empty();
        }
        List<String> missing = new ArrayList<>();
        for (String name : SASL_SETTINGS) {
            if (!given.contains(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            return Optional.of("incomplete SASL settings in the producer configuration: " + String.join(", ", missing)
                    + (missing.size() == 1 ? " is" : " are") + " missing. SASL needs all of "
                    + String.join(", ", SASL_SETTINGS) + " (security.protocol=SASL_SSL or SASL_PLAINTEXT)");
        }
        if (!saslProtocol) {
            return Optional.of("security.protocol is " + protocol + " but SASL settings are given: use SASL_SSL "
                    + "(or SASL_PLAINTEXT), or remove sasl.mechanism and sasl.jaas.config");
        }
        return Optional.empty();
    }

    /** Settings the publisher's guarantees depend on: an operator's different value is refused, not overridden. */
    private static void rejectConflicts(Map<String, String> user) throws PublishException {
        List<String> conflicts = new ArrayList<>();
        String acks = user.get(ProducerConfig.ACKS_CONFIG);
        if (acks != null && !acks.equalsIgnoreCase("all") && !acks.equals("-1")) {
            conflicts.add("acks=" + acks + " (the publisher needs acks=all)");
        }
        String idempotence = user.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG);
        if (idempotence != null && !idempotence.equalsIgnoreCase("true")) {
            conflicts.add("enable.idempotence=" + idempotence + " (the publisher needs true)");
        }
        if (user.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG)) {
            conflicts.add("transactional.id (the publisher does not use transactions)");
        }
        for (String serializer : List.of(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG)) {
            String value = user.get(serializer);
            if (value != null && !value.equals(ByteArraySerializer.class.getName())) {
                conflicts.add(serializer + "=" + value + " (files are sent as raw bytes)");
            }
        }
        String protocol = user.get(AdminClientConfig.SECURITY_PROTOCOL_CONFIG);
        if (protocol != null && !SecurityProtocol.names().contains(protocol.toUpperCase(Locale.ROOT))) {
            conflicts.add("security.protocol=" + protocol + " (expected one of " + SecurityProtocol.names() + ")");
        }
        if (!conflicts.isEmpty()) {
            throw new PublishException(ExitCode.PRODUCER_CONFIG,
                    "the producer configuration conflicts with safe delivery: " + String.join("; ", conflicts));
        }
    }

    private static long longSetting(Map<String, String> user, String name, long fallback) throws PublishException {
        String value = user.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed < 0 || parsed > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new PublishException(ExitCode.PRODUCER_CONFIG, name + "=" + value + " is not a valid number");
        }
    }

    static Properties load(Path file) throws PublishException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new PublishException(ExitCode.PRODUCER_CONFIG, "producer configuration '" + file + "' does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new PublishException(ExitCode.PRODUCER_CONFIG, "producer configuration '" + file
                    + "' cannot be read: " + e.getMessage(), e);
        }
        return properties;
    }

    public Map<String, Object> producer() {
        return producer;
    }

    /** For the metadata client: the operator's settings it knows (security included), nothing else. */
    public Map<String, Object> admin() {
        return admin;
    }

    public int maxRequestSize() {
        return maxRequestSize;
    }

    public String bootstrapServers() {
        return (String) producer.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
    }
}
