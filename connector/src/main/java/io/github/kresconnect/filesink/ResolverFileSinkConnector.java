package io.github.kresconnect.filesink;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.kresconnect.filesink.config.MachineHostname;
import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.config.ResolverFileSinkConfig;
import io.github.kresconnect.filesink.config.UnknownSettings;
import io.github.kresconnect.filesink.protocol.TopicLayout;

/**
 * Delivers files from Kafka into a Knot Resolver's files directory. Runs one task: a host has one files
 * directory, and one writer keeps the protocol's ordering and the manager's requests simple.
 */
public class ResolverFileSinkConnector extends SinkConnector {
    private static final Logger log = LoggerFactory.getLogger(ResolverFileSinkConnector.class);

    private Map<String, String> props;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        new ResolverFileSinkConfig(props); // fail fast on invalid settings
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return ResolverFileSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        if (maxTasks > 1) {
            log.warn("tasks.max={} but this connector runs one task: a host has one files directory, and one writer "
                    + "keeps its files in the order they were sent. Set tasks.max=1 to silence this", maxTasks);
        }
        return List.of(props);
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return ResolverFileSinkConfig.CONFIG_DEF;
    }

    /** Adds the checks one setting's validator cannot make: the directory itself, and settings that depend on each other. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        Map<String, ConfigValue> values = new java.util.HashMap<>();
        config.configValues().forEach(v -> values.put(v.name(), v));

        ConfigValue filesDir = values.get(ResolverFileSinkConfig.FILES_DIR_CONFIG);
        if (filesDir != null && filesDir.errorMessages().isEmpty() && filesDir.value() != null) {
            Path dir = Path.of(filesDir.value().toString());
            if (!Files.exists(dir)) {
                filesDir.addErrorMessage("Files directory " + dir + " does not exist: create it, owned by the "
                        + "user the worker runs as");
            } else if (!Files.isDirectory(dir)) {
                filesDir.addErrorMessage("Files directory " + dir + " is not a directory");
            } else if (!Files.isWritable(dir)) {
                filesDir.addErrorMessage("Files directory " + dir + " is not writable by the worker's user");
            }
        }

        ConfigValue mode = values.get(ResolverFileSinkConfig.RECIPIENT_MODE_CONFIG);
        ConfigValue zoneIds = values.get(ResolverFileSinkConfig.ZONE_IDS_CONFIG);
        if (mode != null && mode.errorMessages().isEmpty() && zoneIds != null && mode.value() != null
                && RecipientMode.fromConfigValue(mode.value().toString()).usesZoneId()
                && (zoneIds.value() == null || ((List<?>) zoneIds.value()).isEmpty())) {
            zoneIds.addErrorMessage("recipient.mode=" + mode.value() + " needs at least one zone id in "
                    + ResolverFileSinkConfig.ZONE_IDS_CONFIG);
        }

        ConfigValue quiet = values.get(ResolverFileSinkConfig.NOTIFY_QUIET_MS_CONFIG);
        ConfigValue maxDelay = values.get(ResolverFileSinkConfig.NOTIFY_MAX_DELAY_MS_CONFIG);
        if (quiet != null && maxDelay != null && quiet.errorMessages().isEmpty()
                && maxDelay.errorMessages().isEmpty() && quiet.value() instanceof Number quietMs
                && maxDelay.value() instanceof Number maxDelayMs) {
            ResolverFileSinkConfig.notifyTimingProblem(quietMs.longValue(), maxDelayMs.longValue())
                    .ifPresent(problem -> values.get(problem.setting()).addErrorMessage(problem.message()));
        }

        ConfigValue signaturesRequired = values.get(ResolverFileSinkConfig.SIGNATURES_REQUIRED_CONFIG);
        ConfigValue trustedKeys = values.get(ResolverFileSinkConfig.SIGNATURES_TRUSTED_KEYS_CONFIG);
        if (signaturesRequired != null && trustedKeys != null && signaturesRequired.errorMessages().isEmpty()
                && trustedKeys.errorMessages().isEmpty() && signaturesRequired.value() instanceof Boolean required) {
            ResolverFileSinkConfig.signaturesProblem(required, (String) trustedKeys.value())
                    .ifPresent(problem -> values.get(problem.setting()).addErrorMessage(problem.message()));
        }
        ConfigValue threshold = values.get(ResolverFileSinkConfig.SIGNATURES_CONFIG_THRESHOLD_CONFIG);
        if (threshold != null && signaturesRequired != null && trustedKeys != null
                && threshold.errorMessages().isEmpty() && signaturesRequired.errorMessages().isEmpty()
                && trustedKeys.errorMessages().isEmpty() && threshold.value() instanceof Integer needed
                && signaturesRequired.value() instanceof Boolean required) {
            ResolverFileSinkConfig.configThresholdProblem(needed, required, (String) trustedKeys.value())
                    .ifPresent(problem -> threshold.addErrorMessage(problem.message()));
        }
        ConfigValue freshnessRequired = values.get(ResolverFileSinkConfig.FRESHNESS_REQUIRED_CONFIG);
        if (freshnessRequired != null && trustedKeys != null && freshnessRequired.errorMessages().isEmpty()
                && freshnessRequired.value() instanceof Boolean required) {
            ResolverFileSinkConfig.freshnessProblem(required, (String) trustedKeys.value())
                    .ifPresent(problem -> freshnessRequired.addErrorMessage(problem.message()));
        }
        ConfigValue receiptsTopic = values.get(ResolverFileSinkConfig.RECEIPTS_TOPIC_CONFIG);
        ConfigValue receiptsBrokers = values.get(ResolverFileSinkConfig.RECEIPTS_BOOTSTRAP_SERVERS_CONFIG);
        if (receiptsTopic != null && receiptsBrokers != null && receiptsTopic.errorMessages().isEmpty()
                && receiptsBrokers.errorMessages().isEmpty()) {
            ResolverFileSinkConfig.receiptsProblem((String) receiptsTopic.value(), (String) receiptsBrokers.value())
                    .ifPresent(problem -> receiptsBrokers.addErrorMessage(problem.message()));
        }
        Config checked = topicsProblem(connectorConfigs, reportUnknownSettings(connectorConfigs, config, values),
                values);
        return valueConverterProblem(connectorConfigs.get(VALUE_CONVERTER_CONFIG))
                .map(problem -> {
                    List<ConfigValue> all = new ArrayList<>(checked.configValues());
                    // No value: the worker renders this key's value as a class, and the name may not load here.
                    all.add(new ConfigValue(VALUE_CONVERTER_CONFIG, null, new ArrayList<>(),
                            new ArrayList<>(List.of(problem))));
                    return new Config(all);
                })
                .orElse(checked);
    }

    /**
     * Connect's {@code topics} / {@code topics.regex} against the topic layout (see
     * {@link ResolverFileSinkConfig#topicsProblem}): a problem with Connect's own setting is added under its name,
     * one with ours on ours.
     */
    private static Config topicsProblem(Map<String, String> connectorConfigs, Config config,
            Map<String, ConfigValue> values) {
        String[] needed = {ResolverFileSinkConfig.TOPIC_LAYOUT_CONFIG, ResolverFileSinkConfig.TOPIC_BASE_CONFIG,
            ResolverFileSinkConfig.HOSTNAME_CONFIG, ResolverFileSinkConfig.ZONE_IDS_CONFIG,
            ResolverFileSinkConfig.RECIPIENT_MODE_CONFIG};
        for (String name : needed) {
            ConfigValue value = values.get(name);
            if (value == null || !value.errorMessages().isEmpty() || value.value() == null) {
                return config;
            }
        }
        String hostname = values.get(ResolverFileSinkConfig.HOSTNAME_CONFIG).value().toString().trim();
        List<String> zoneIds = ((List<?>) values.get(ResolverFileSinkConfig.ZONE_IDS_CONFIG).value()).stream()
                .map(Object::toString).toList();
        java.util.Optional<ResolverFileSinkConfig.SettingProblem> problem = ResolverFileSinkConfig.topicsProblem(
                TopicLayout.fromConfigValue(values.get(ResolverFileSinkConfig.TOPIC_LAYOUT_CONFIG).value().toString()),
                values.get(ResolverFileSinkConfig.TOPIC_BASE_CONFIG).value().toString().trim(),
                hostname.isEmpty() ? MachineHostname.get() : hostname, zoneIds,
                RecipientMode.fromConfigValue(values.get(ResolverFileSinkConfig.RECIPIENT_MODE_CONFIG).value()
                        .toString()),
                connectorConfigs.get(ResolverFileSinkConfig.CONNECT_TOPICS_CONFIG),
                connectorConfigs.get(ResolverFileSinkConfig.CONNECT_TOPICS_REGEX_CONFIG));
        if (problem.isEmpty()) {
            return config;
        }
        ConfigValue own = values.get(problem.get().setting());
        if (own != null) {
            own.addErrorMessage(problem.get().message());
            return config;
        }
        List<ConfigValue> all = new ArrayList<>(config.configValues());
        // No value: the worker renders Connect's own keys by their types (topics is a list), not ours.
        all.add(new ConfigValue(problem.get().setting(), null, new ArrayList<>(),
                new ArrayList<>(List.of(problem.get().message()))));
        return new Config(all);
    }

    /** Connect's connector-level override of the worker's value converter. */
    static final String VALUE_CONVERTER_CONFIG = "value.converter";
    static final String BYTES_CONVERTER = "org.apache.kafka.connect.converters.ByteArrayConverter";

    /**
     * Values are file bytes: any converter but ByteArrayConverter decodes them (JSON, strings, Avro) or fails on
     * them, and a record that fails conversion goes to the dead letter queue before the connector sees it. The
     * worker's own converter is not visible here; a task that gets a value other than bytes fails instead.
     */
    static java.util.Optional<String> valueConverterProblem(String valueConverter) {
        if (valueConverter == null || valueConverter.strip().equals(BYTES_CONVERTER)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("value.converter=" + valueConverter.strip() + " cannot carry file bytes: "
                + "records it cannot convert would go to the dead letter queue without reaching this connector, and "
                + "those it converts would no longer be the bytes sent. Set value.converter=" + BYTES_CONVERTER
                + ", or leave it out to use the worker's (which must be ByteArrayConverter too)");
    }

    /**
     * A key that is neither ours nor Connect's is most likely a typo. Under one of our prefixes it is refused
     * (an error on that key, which makes the worker refuse the config); otherwise only logged, as a worker or
     * another plugin may read it. When the setting it probably meant is not set and its default fails
     * validation, that error says so too.
     */
    private static Config reportUnknownSettings(Map<String, String> connectorConfigs, Config config,
            Map<String, ConfigValue> values) {
        List<ConfigValue> all = new ArrayList<>(config.configValues());
        for (UnknownSettings.Finding finding : UnknownSettings.find(connectorConfigs)) {
            if (!finding.refused()) {
                UnknownSettings.warn(finding, connectorConfigs);
                continue;
            }
            all.add(new ConfigValue(finding.key(), connectorConfigs.get(finding.key()), new ArrayList<>(),
                    new ArrayList<>(List.of(finding.message()))));
            finding.closestOwn()
                    .filter(meant -> !connectorConfigs.containsKey(meant))
                    .map(values::get)
                    .filter(meant -> !meant.errorMessages().isEmpty())
                    .ifPresent(meant -> meant.addErrorMessage("'" + meant.name() + "' is not set, so its default "
                            + "applies; the config sets '" + finding.key() + "' instead: a misspelling of '"
                            + meant.name() + "'?"));
        }
        return new Config(all);
    }
}
