package io.github.kresconnect.filesink.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.github.kresconnect.filesink.protocol.KeyFormatException;
import io.github.kresconnect.filesink.protocol.KeyRole;
import io.github.kresconnect.filesink.protocol.TrustedKey;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

import io.github.kresconnect.filesink.protocol.ConnectorDefaults;
import io.github.kresconnect.filesink.protocol.TopicLayout;
import io.github.kresconnect.filesink.protocol.TopicNames;
import io.github.kresconnect.filesink.receipts.ReceiptChannel;

/**
 * Every setting of the connector, built group by group. Names, defaults and documentation here are
 * the single source of the configuration reference, docs/reference.md.
 */
public final class ResolverFileSinkConfig extends AbstractConfig {

    public static final String GROUP_FILES = "Files";
    public static final String GROUP_RECIPIENTS = "Recipients";
    public static final String GROUP_LIMITS = "Limits";
    public static final String GROUP_RETRIES = "Retries";
    public static final String GROUP_MANAGER = "Resolver manager";
    public static final String GROUP_SIGNATURES = "Signatures";
    public static final String GROUP_RECEIPTS = "Receipts";
    public static final String GROUP_TOPICS = "Topics";
    public static final String GROUP_FRESHNESS = "Freshness";

    // ---- Files
    public static final String FILES_DIR_CONFIG = "files.dir";
    public static final String FILES_DIR_DEFAULT = "/var/lib/knot-resolver";
    private static final String FILES_DIR_DOC = "Directory the resolver reads delivered files from. Every file, chunk, "
            + "backup and state file is created inside it; nothing is ever written outside. It must exist and be "
            + "writable by the worker. File names may contain sub-directories (for example 'rpz/block.rpz'), "
            + "which are created inside this directory.";
    private static final String FILES_DIR_DISPLAY = "Files directory";

    public static final String FILES_MODE_CONFIG = "files.mode";
    public static final String FILES_MODE_DEFAULT = "0644";
    private static final String FILES_MODE_DOC = "Mode of a delivered file that did not exist before (octal). A file "
            + "that replaces another keeps that file's mode, and its group where the worker's user may set it. The "
            + "resolver must be able to read what it is sent: with Knot Resolver's files directory owned by its "
            + "user and of mode 0750, 0640 or 0644 both work.";
    private static final String FILES_MODE_DISPLAY = "Mode of new files";

    public static final String CONFIG_SUFFIXES_CONFIG = "config.file.suffixes";
    public static final String CONFIG_SUFFIXES_DEFAULT = ConnectorDefaults.CONFIG_SUFFIXES_DEFAULT;
    private static final String CONFIG_SUFFIXES_DOC = "File name suffixes that mark a resolver configuration file. "
            + "Such files are validated (JSON, then YAML) before they replace the current one, and trigger a "
            + "reload; any other file triggers a renew.";
    private static final String CONFIG_SUFFIXES_DISPLAY = "Config file suffixes";

    // ---- Recipients
    public static final String RECIPIENT_MODE_CONFIG = "recipient.mode";
    public static final String RECIPIENT_MODE_DEFAULT = RecipientMode.HOSTNAME.configValue();
    private static final String RECIPIENT_MODE_DOC = "How the connector recognises records meant for this resolver. "
            + "'hostname': the 'hostname' header must equal resolver.hostname (the original protocol). "
            + "'zone-id': the record key must equal one of resolver.zone.ids (one id for a group of resolvers; "
            + "the file name then comes from the 'file-name' header). 'hostname-or-zone-id': either matches. "
            + "Records for other recipients are skipped (and summarised in the log); a record carrying no "
            + "recipient information at "
            + "all is rejected as an error.";
    private static final String RECIPIENT_MODE_DISPLAY = "Recipient selection";

    public static final String HOSTNAME_CONFIG = "resolver.hostname";
    public static final String HOSTNAME_DEFAULT = "";
    private static final String HOSTNAME_DOC = "This resolver's host name, compared exactly with the 'hostname' "
            + "header. Empty means the machine's host name as the 'hostname' command prints it (the kernel's "
            + "node name, not a DNS lookup).";
    private static final String HOSTNAME_DISPLAY = "Resolver host name";

    public static final String ZONE_IDS_CONFIG = "resolver.zone.ids";
    public static final String ZONE_IDS_DEFAULT = "";
    private static final String ZONE_IDS_DOC = "Zone ids this resolver belongs to (comma-separated). In the zone-id "
            + "modes a record is for this resolver when its key equals one of them. Required by those modes.";
    private static final String ZONE_IDS_DISPLAY = "Resolver zone ids";

    // ---- Topics
    public static final String TOPIC_LAYOUT_CONFIG = "topic.layout";
    public static final String TOPIC_LAYOUT_DEFAULT = TopicLayout.SINGLE.configValue();
    private static final String TOPIC_LAYOUT_DOC = "Which topics carry this fleet's files (see the operator guide, "
            + "'Topic layouts'). 'single': one topic that every host reads whole; the connector's 'topics' (or "
            + "'topics.regex') is not checked. 'per-group': the topics named from topic.base: '<base>.all' "
            + "(every host), '<base>.group.<zone id>' for each of resolver.zone.ids and '<base>.host.<host name>', "
            + "so a host fetches only its own records; needs recipient.mode=hostname-or-zone-id, and 'topics' "
            + "must list exactly these topics (or 'topics.regex' be exactly the expression the error message "
            + "prints). 'single-and-per-group': both, the topic named topic.base as well, while the fleet moves "
            + "from one layout to the other.";
    private static final String TOPIC_LAYOUT_DISPLAY = "Topic layout";

    public static final String TOPIC_BASE_CONFIG = "topic.base";
    public static final String TOPIC_BASE_DEFAULT = "knot-resolver";
    private static final String TOPIC_BASE_DOC = "The name the layout's topics are named from: the single topic "
            + "itself, and the prefix of the per-group layout's topics (as resolver-publish --topic names it). "
            + "Letters, digits, '.', '_' and '-' only.";
    private static final String TOPIC_BASE_DISPLAY = "Base topic name";

    /** Connect's own settings naming what a sink connector reads; Connect reads them, this class only checks them. */
    public static final String CONNECT_TOPICS_CONFIG = "topics";
    public static final String CONNECT_TOPICS_REGEX_CONFIG = "topics.regex";

    // ---- Limits
    public static final String FILE_MAX_BYTES_CONFIG = "file.max.bytes";
    public static final long FILE_MAX_BYTES_DEFAULT = ConnectorDefaults.FILE_MAX_BYTES_DEFAULT;
    private static final String FILE_MAX_BYTES_DOC = "Largest file accepted, whole or assembled from chunks. A larger "
            + "file is rejected and its chunks are discarded.";
    private static final String FILE_MAX_BYTES_DISPLAY = "Maximum file size (bytes)";

    public static final String CONFIG_MAX_BYTES_CONFIG = "config.file.max.bytes";
    public static final long CONFIG_MAX_BYTES_DEFAULT = ConnectorDefaults.CONFIG_MAX_BYTES_DEFAULT;
    private static final String CONFIG_MAX_BYTES_DOC = "Largest configuration file accepted. Configuration files are "
            + "parsed in memory for validation, so they have their own, smaller limit.";
    private static final String CONFIG_MAX_BYTES_DISPLAY = "Maximum config file size (bytes)";

    public static final String CHUNKS_MAX_COUNT_CONFIG = "chunks.max.count";
    public static final int CHUNKS_MAX_COUNT_DEFAULT = ConnectorDefaults.CHUNKS_MAX_COUNT_DEFAULT;
    private static final String CHUNKS_MAX_COUNT_DOC = "Largest 'total-chunks' accepted for one file.";
    private static final String CHUNKS_MAX_COUNT_DISPLAY = "Maximum chunk count";

    public static final String CHUNKS_STALE_AFTER_MS_CONFIG = "chunks.stale.after.ms";
    public static final long CHUNKS_STALE_AFTER_MS_DEFAULT = Duration.ofHours(1).toMillis();
    private static final String CHUNKS_STALE_AFTER_MS_DOC = "An incomplete chunk set that receives no chunk for this "
            + "long while the task runs is discarded, so it can never be mixed into a later transfer of the same "
            + "file. Time while the worker is stopped does not count.";
    private static final String CHUNKS_STALE_AFTER_MS_DISPLAY = "Incomplete chunk set expiry (ms)";

    // ---- Retries of transient I/O failures
    public static final String IO_RETRY_BACKOFF_MS_CONFIG = "io.retry.backoff.ms";
    public static final long IO_RETRY_BACKOFF_MS_DEFAULT = 1000L;
    private static final String IO_RETRY_BACKOFF_MS_DOC = "First wait before a batch that failed on a transient I/O "
            + "error (for example a full disk) is delivered again. The wait doubles on each further failure.";
    private static final String IO_RETRY_BACKOFF_MS_DISPLAY = "I/O retry backoff (ms)";

    public static final String IO_RETRY_BACKOFF_MAX_MS_CONFIG = "io.retry.backoff.max.ms";
    public static final long IO_RETRY_BACKOFF_MAX_MS_DEFAULT = 60_000L;
    private static final String IO_RETRY_BACKOFF_MAX_MS_DOC = "Longest wait between deliveries of a batch that keeps "
            + "failing on I/O errors. Such a batch is retried until it succeeds; it is never dropped.";
    private static final String IO_RETRY_BACKOFF_MAX_MS_DISPLAY = "I/O retry backoff maximum (ms)";

    // ---- Resolver manager (reload / renew)
    public static final String NOTIFY_ENABLED_CONFIG = "manager.notify.enabled";
    public static final boolean NOTIFY_ENABLED_DEFAULT = true;
    private static final String NOTIFY_ENABLED_DOC = "Ask the Knot Resolver manager to reload after a config file and "
            + "to renew after any other file. False delivers files only.";
    private static final String NOTIFY_ENABLED_DISPLAY = "Notify the manager";

    public static final String MANAGER_SOCKET_CONFIG = "manager.socket.path";
    public static final String MANAGER_SOCKET_DEFAULT = "/run/knot-resolver/kres-api.sock";
    private static final String MANAGER_SOCKET_DOC = "Unix socket of the manager's HTTP API. Used unless manager.url "
            + "is set.";
    private static final String MANAGER_SOCKET_DISPLAY = "Manager socket";

    public static final String MANAGER_URL_CONFIG = "manager.url";
    public static final String MANAGER_URL_DEFAULT = "";
    private static final String MANAGER_URL_DOC = "Base URL of the manager's HTTP API over TCP, for a resolver "
            + "configured with 'management: interface: IP@PORT' (for example http://127.0.0.1:5000). Empty means "
            + "the Unix socket.";
    private static final String MANAGER_URL_DISPLAY = "Manager URL";

    public static final String MANAGER_FORCE_CONFIG = "manager.force";
    public static final boolean MANAGER_FORCE_DEFAULT = false;
    private static final String MANAGER_FORCE_DOC = "Use /reload/force and /renew/force, which also restart the "
            + "resolver's workers when nothing changed.";
    private static final String MANAGER_FORCE_DISPLAY = "Force reload/renew";

    public static final String MANAGER_CONNECT_TIMEOUT_MS_CONFIG = "manager.connect.timeout.ms";
    public static final long MANAGER_CONNECT_TIMEOUT_MS_DEFAULT = 5_000L;
    private static final String MANAGER_CONNECT_TIMEOUT_MS_DOC = "How long to wait for a connection to the manager.";
    private static final String MANAGER_CONNECT_TIMEOUT_MS_DISPLAY = "Manager connect timeout (ms)";

    public static final String MANAGER_RESPONSE_TIMEOUT_MS_CONFIG = "manager.response.timeout.ms";
    public static final long MANAGER_RESPONSE_TIMEOUT_MS_DEFAULT = Duration.ofMinutes(5).toMillis();
    private static final String MANAGER_RESPONSE_TIMEOUT_MS_DOC = "How long to wait for the manager's answer. The "
            + "manager answers only once the reload has finished, which can take minutes with large zones.";
    private static final String MANAGER_RESPONSE_TIMEOUT_MS_DISPLAY = "Manager response timeout (ms)";

    public static final String NOTIFY_QUIET_MS_CONFIG = "notify.quiet.period.ms";
    public static final long NOTIFY_QUIET_MS_DEFAULT = 5_000L;
    private static final String NOTIFY_QUIET_MS_DOC = "A request is sent once no new file has been published for "
            + "this long, so a transfer of many files causes one request. At least 1, and at most "
            + "notify.max.delay.ms.";
    private static final String NOTIFY_QUIET_MS_DISPLAY = "Quiet period (ms)";

    public static final String NOTIFY_MAX_DELAY_MS_CONFIG = "notify.max.delay.ms";
    public static final long NOTIFY_MAX_DELAY_MS_DEFAULT = 60_000L;
    private static final String NOTIFY_MAX_DELAY_MS_DOC = "Longest wait from the first published file a request "
            + "covers to that request, so a steady trickle of files cannot postpone a reload forever. At least 1, "
            + "and at least notify.quiet.period.ms.";
    private static final String NOTIFY_MAX_DELAY_MS_DISPLAY = "Maximum delay (ms)";

    public static final String NOTIFY_RETRY_BACKOFF_MS_CONFIG = "notify.retry.backoff.ms";
    public static final long NOTIFY_RETRY_BACKOFF_MS_DEFAULT = 1_000L;
    private static final String NOTIFY_RETRY_BACKOFF_MS_DOC = "First wait before a failed request to the manager is "
            + "sent again; it doubles on each failure, with jitter.";
    private static final String NOTIFY_RETRY_BACKOFF_MS_DISPLAY = "Manager retry backoff (ms)";

    public static final String NOTIFY_RETRY_BACKOFF_MAX_MS_CONFIG = "notify.retry.backoff.max.ms";
    public static final long NOTIFY_RETRY_BACKOFF_MAX_MS_DEFAULT = 60_000L;
    private static final String NOTIFY_RETRY_BACKOFF_MAX_MS_DOC = "Longest wait between retries of a failed request "
            + "to the manager. Requests are retried until they succeed.";
    private static final String NOTIFY_RETRY_BACKOFF_MAX_MS_DISPLAY = "Manager retry backoff maximum (ms)";

    // ---- Signatures
    public static final String SIGNATURES_REQUIRED_CONFIG = "signatures.required";
    public static final boolean SIGNATURES_REQUIRED_DEFAULT = false;
    private static final String SIGNATURES_REQUIRED_DOC = "Accept only records signed by a key in "
            + "signatures.trusted.keys (resolver-publish --sign): an unsigned record, one signed by another key, or "
            + "one whose file name, recipient, length, SHA-256, transfer id or version differs from what was signed "
            + "is rejected (reason 'bad-signature'). False accepts unsigned records too, and records signed by a key "
            + "that is not trusted as if unsigned; a record signed by a trusted key is verified either way, and "
            + "rejected when its signature does not match. True needs at least one trusted key that may sign files "
            + "(role data or config). Either way, a record signed by a trusted key outside its scope, by a revoked "
            + "key, or for another fleet is rejected.";
    private static final String SIGNATURES_REQUIRED_DISPLAY = "Require signatures";

    public static final String SIGNATURES_TRUSTED_KEYS_CONFIG = ConnectorDefaults.SIGNATURES_TRUSTED_KEYS_CONFIG;
    public static final String SIGNATURES_TRUSTED_KEYS_DEFAULT = "";
    private static final String SIGNATURES_TRUSTED_KEYS_DOC = "Ed25519 public keys whose signatures are trusted: "
            + "PEM blocks ('-----BEGIN PUBLIC KEY-----' ... '-----END PUBLIC KEY-----'), concatenated, with or "
            + "without line breaks, as 'resolver-publish keygen' prints them, each followed by its scope in square "
            + "brackets or by nothing: [roles=data,config,revocation,timestamp; recipients=resolver1,edge-*; "
            + "files=zones/*.rpz,**.rpz; not-after=2027-06-30]. roles: what the key may sign (data files, "
            + "configuration files, revocation lists, freshness statements; default data,config); recipients: host "
            + "names or zone ids it may sign for (* and ?; default all); files: file names it may sign (* within a "
            + "directory, ** across; default all); not-after: a date or UTC instant past which its versions are "
            + "refused (default none). Recipients and files apply to keys that sign files only. Best read from a "
            + "file through a "
            + "config provider, for example ${file:/etc/kafka-connect/resolver-signatures.properties:keys} or "
            + "${dir:/etc/kafka-connect/resolver-signatures:trusted-keys.pem}. Empty: no key is trusted.";
    private static final String SIGNATURES_TRUSTED_KEYS_DISPLAY = "Trusted public keys";

    public static final String SIGNATURES_FLEET_CONFIG = "signatures.fleet";
    public static final String SIGNATURES_FLEET_DEFAULT = "";
    private static final String SIGNATURES_FLEET_DOC = "This host's fleet id (staging, production, ...): part of what "
            + "is signed (resolver-publish --fleet). A record signed for another fleet is rejected (reason "
            + "'bad-signature'), and so is a record signed in form 1 (by a publisher without --fleet support) "
            + "while this is set. Empty: no fleet; records signed for a fleet are rejected, form 1 records are "
            + "accepted. Letters, digits, '.', '_' and '-', at most 64.";
    private static final String SIGNATURES_FLEET_DISPLAY = "Fleet id";

    public static final String SIGNATURES_CONFIG_THRESHOLD_CONFIG = "signatures.config.threshold";
    public static final int SIGNATURES_CONFIG_THRESHOLD_DEFAULT = 1;
    private static final String SIGNATURES_CONFIG_THRESHOLD_DOC = "How many distinct trusted keys must sign a "
            + "configuration file (one with a config.file.suffixes suffix, whose change makes the resolver reload): "
            + "its signature and co-signatures (resolver-publish --cosign) count for each key in "
            + "signatures.trusted.keys that may sign it (role config, this recipient, the file name, the version "
            + "within its not-after), is not revoked, and whose signature verifies; a key counts once. A "
            + "configuration file signed by fewer is rejected (reason 'bad-signature') with how many keys counted "
            + "and why each other did not. 1: its signature alone, as without co-signatures. Data files are not "
            + "concerned. Above 1 needs signatures.required=true and at least that many keys with role config.";
    private static final String SIGNATURES_CONFIG_THRESHOLD_DISPLAY = "Keys needed for a configuration file";

    // ---- Receipts
    public static final String RECEIPTS_TOPIC_CONFIG = "receipts.topic";
    public static final String RECEIPTS_TOPIC_DEFAULT = "";
    private static final String RECEIPTS_TOPIC_DOC = "Topic to which the connector produces a receipt (JSON, schema 1) "
            + "for every file outcome (published, unchanged, rejected with its reason, incomplete transfer "
            + "discarded) and every request to the resolver manager, keyed by host and file. resolver-publish "
            + "--wait and resolver-publish status read it. Receipts never hold files back: they are queued in "
            + "memory and sent in the background. Empty: no receipts.";
    private static final String RECEIPTS_TOPIC_DISPLAY = "Receipts topic";

    public static final String RECEIPTS_TOPIC_MODE_CONFIG = "receipts.topic.mode";
    public static final String RECEIPTS_TOPIC_MODE_DEFAULT = ReceiptChannel.PER_HOST.word();
    private static final String RECEIPTS_TOPIC_MODE_DOC = "Where this host writes its receipts. 'per-host' (the default): "
            + "to its own topic, receipts.topic + '.host.' + resolver.hostname (for example "
            + "knot-resolver-receipts.host.resolver1), on which only this host's principal may write (a literal ACL): no "
            + "host can write a receipt in another's name, and resolver-publish --wait and status (per host by default) "
            + "trust a receipt only from its host's own topic. The task checks at start that the topic exists (which "
            + "creates it where the brokers auto-create topics and the principal may); if it does not, it logs an ERROR "
            + "naming the topic and the kafka-topics.sh and ACL fix, and goes on delivering files while its receipts are "
            + "kept and retried. 'shared': to receipts.topic itself, which every host may write, so any host can forge "
            + "another's receipts: an opt-in for small fleets whose hosts trust each other (and the mode of fleets set "
            + "up before per-host became the default: set it there, with resolver-publish --receipts-topic-mode shared, "
            + "or move them, as docs/operator.md says).";
    private static final String RECEIPTS_TOPIC_MODE_DISPLAY = "Receipts topic mode";

    public static final String RECEIPTS_BOOTSTRAP_SERVERS_CONFIG = "receipts.bootstrap.servers";
    public static final String RECEIPTS_BOOTSTRAP_SERVERS_DEFAULT = "";
    private static final String RECEIPTS_BOOTSTRAP_SERVERS_DOC = "Brokers of the receipts producer (host:port, "
            + "comma-separated); required when receipts.topic is set, since a connector does not see its worker's "
            + "settings. Any other producer setting, security settings in particular, is passed through with the "
            + "prefix 'receipts.producer.' (for example receipts.producer.security.protocol=SSL); secrets are best "
            + "written as the worker's config provider references (${file:...}), so they are stored once.";
    private static final String RECEIPTS_BOOTSTRAP_SERVERS_DISPLAY = "Receipts brokers";

    /** Producer settings passed through to the receipts producer, with this prefix removed. */
    public static final String RECEIPTS_PRODUCER_PREFIX = "receipts.producer.";

    public static final String RECEIPTS_QUEUE_MAX_CONFIG = "receipts.queue.max.receipts";
    public static final int RECEIPTS_QUEUE_MAX_DEFAULT = 10_000;
    private static final String RECEIPTS_QUEUE_MAX_DOC = "Receipts held while they cannot be sent (in memory, and "
            + "kept in the files directory until acknowledged, so a crash does not lose them). When full, the oldest "
            + "receipt is dropped, no longer kept, and counted in the receipts-dropped metric; file delivery never "
            + "waits for receipts.";
    private static final String RECEIPTS_QUEUE_MAX_DISPLAY = "Receipts queue size";

    public static final String RECEIPTS_CLOSE_TIMEOUT_MS_CONFIG = "receipts.close.timeout.ms";
    public static final long RECEIPTS_CLOSE_TIMEOUT_MS_DEFAULT = 5_000L;
    private static final String RECEIPTS_CLOSE_TIMEOUT_MS_DOC = "When the task stops, how long queued receipts may "
            + "still be sent; those left stay kept in the files directory and are sent after the next start.";
    private static final String RECEIPTS_CLOSE_TIMEOUT_MS_DISPLAY = "Receipts close timeout (ms)";

    // ---- Freshness
    public static final String FRESHNESS_REQUIRED_CONFIG = "freshness.required";
    public static final boolean FRESHNESS_REQUIRED_DEFAULT = false;
    private static final String FRESHNESS_REQUIRED_DOC = "Whether this host expects freshness statements "
            + "(resolver-publish statement, signed by a key in signatures.trusted.keys): with true, having accepted "
            + "none is reported as a freeze, like an expired statement; with false, as 'none' until the first one "
            + "arrives. A statement accepted is kept in the files directory, so a restart does not forget it.";
    private static final String FRESHNESS_REQUIRED_DISPLAY = "Require freshness statements";

    public static final String FRESHNESS_WITHHELD_AFTER_MS_CONFIG = "freshness.withheld.after.ms";
    public static final long FRESHNESS_WITHHELD_AFTER_MS_DEFAULT = 60_000L;
    private static final String FRESHNESS_WITHHELD_AFTER_MS_DOC = "How long a file may stay older than the newest "
            + "freshness statement states before it is reported withheld: room for a transfer still arriving, or for "
            + "a partition read behind the one the statement came from.";
    private static final String FRESHNESS_WITHHELD_AFTER_MS_DISPLAY = "Withheld after (ms)";

    public static final ConfigDef CONFIG_DEF = configDef();

    /** @throws ConfigException when a setting is invalid, alone or together with another one */
    public ResolverFileSinkConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals);
        Optional<SettingProblem> problem = notifyTimingProblem(getLong(NOTIFY_QUIET_MS_CONFIG),
                getLong(NOTIFY_MAX_DELAY_MS_CONFIG));
        if (problem.isPresent()) {
            throw problem.get().toException();
        }
        Optional<SettingProblem> signatures = signaturesProblem(getBoolean(SIGNATURES_REQUIRED_CONFIG),
                getString(SIGNATURES_TRUSTED_KEYS_CONFIG));
        if (signatures.isPresent()) {
            throw signatures.get().toException();
        }
        Optional<SettingProblem> threshold = configThresholdProblem(getInt(SIGNATURES_CONFIG_THRESHOLD_CONFIG),
                getBoolean(SIGNATURES_REQUIRED_CONFIG), getString(SIGNATURES_TRUSTED_KEYS_CONFIG));
        if (threshold.isPresent()) {
            throw threshold.get().toException();
        }
        Optional<SettingProblem> receipts = receiptsProblem(getString(RECEIPTS_TOPIC_CONFIG),
                getString(RECEIPTS_BOOTSTRAP_SERVERS_CONFIG));
        if (receipts.isPresent()) {
            throw receipts.get().toException();
        }
        Optional<SettingProblem> topics = topicsProblem(topicLayout(), getString(TOPIC_BASE_CONFIG),
                hostname(), getList(ZONE_IDS_CONFIG), recipientMode(), stringOriginal(originals, CONNECT_TOPICS_CONFIG),
                stringOriginal(originals, CONNECT_TOPICS_REGEX_CONFIG));
        if (topics.isPresent()) {
            throw topics.get().toException();
        }
        Optional<SettingProblem> channel = receiptsChannelProblem(receiptsTopic(), receiptsTopicMode(), hostname());
        if (channel.isPresent()) {
            throw channel.get().toException();
        }
        Optional<SettingProblem> freshness = freshnessProblem(getBoolean(FRESHNESS_REQUIRED_CONFIG),
                getString(SIGNATURES_TRUSTED_KEYS_CONFIG));
        if (freshness.isPresent()) {
            throw freshness.get().toException();
        }
    }

    private static String stringOriginal(Map<?, ?> originals, String key) {
        Object value = originals.get(key);
        return value == null ? null : value.toString();
    }

    /** What is wrong with one setting's value, given the others. */
    public record SettingProblem(String setting, Object value, String reason) {
        /** The exception the configuration throws, in the form Kafka uses for an invalid value. */
        public ConfigException toException() {
            return new ConfigException(setting, value, reason);
        }

        /** The message reported on the setting, as the exception's. */
        public String message() {
            return toException().getMessage();
        }
    }

    /**
     * The rules tying the quiet period to the maximum delay: each at least 1 ms, and the quiet period no longer
     * than the maximum delay (else the maximum delay alone would time every request). The one check behind
     * both the constructor and the connector's validation; the reason names both settings.
     */
    public static Optional<SettingProblem> notifyTimingProblem(long quietMs, long maxDelayMs) {
        if (quietMs < 1) {
            return Optional.of(new SettingProblem(NOTIFY_QUIET_MS_CONFIG, quietMs, "must be at least 1 ms, and at "
                    + "most " + NOTIFY_MAX_DELAY_MS_CONFIG + " (" + maxDelayMs + " ms)"));
        }
        if (maxDelayMs < 1) {
            return Optional.of(new SettingProblem(NOTIFY_MAX_DELAY_MS_CONFIG, maxDelayMs, "must be at least 1 ms, "
                    + "and at least " + NOTIFY_QUIET_MS_CONFIG + " (" + quietMs + " ms)"));
        }
        if (quietMs > maxDelayMs) {
            return Optional.of(new SettingProblem(NOTIFY_QUIET_MS_CONFIG, quietMs, "must be at most "
                    + NOTIFY_MAX_DELAY_MS_CONFIG + " (" + maxDelayMs + " ms), since a request is sent at the "
                    + "latest that long after the first file it covers"));
        }
        return Optional.empty();
    }

    /**
     * The rule tying signatures.required to signatures.trusted.keys: requiring signatures needs at least one
     * trusted key that may sign files, role data or config (else every record would be rejected). Keys that do not
     * parse are the validator's to report.
     */
    public static Optional<SettingProblem> signaturesProblem(boolean required, String trustedKeys) {
        if (!required) {
            return Optional.empty();
        }
        List<TrustedKey> keys;
        try {
            keys = TrustedKey.parseAll(trustedKeys);
        } catch (KeyFormatException e) {
            return Optional.empty();
        }
        if (keys.isEmpty()) {
            return Optional.of(new SettingProblem(SIGNATURES_REQUIRED_CONFIG, true, "needs at least one key in "
                    + SIGNATURES_TRUSTED_KEYS_CONFIG + ": with none, every record would be rejected"));
        }
        if (keys.stream().noneMatch(key -> key.scope().mayRole(KeyRole.DATA) || key.scope().mayRole(KeyRole.CONFIG))) {
            return Optional.of(new SettingProblem(SIGNATURES_REQUIRED_CONFIG, true, "needs at least one key in "
                    + SIGNATURES_TRUSTED_KEYS_CONFIG + " with role data or config: the keys there "
                    + keys.stream().map(TrustedKey::id).toList() + " sign no files, so every file would be rejected"));
        }
        return Optional.empty();
    }

    /**
     * The rule tying signatures.config.threshold to the other signature settings: above 1, signatures must be
     * required (else an unsigned configuration file would pass) and at least that many trusted keys must have role
     * config (else every configuration file would be rejected). Keys that do not parse are the validator's to report.
     */
    public static Optional<SettingProblem> configThresholdProblem(int threshold, boolean required,
            String trustedKeys) {
        if (threshold <= 1) {
            return Optional.empty();
        }
        if (!required) {
            return Optional.of(new SettingProblem(SIGNATURES_CONFIG_THRESHOLD_CONFIG, threshold, "needs "
                    + SIGNATURES_REQUIRED_CONFIG + "=true: without it an unsigned configuration file is accepted, "
                    + "and no threshold applies to it"));
        }
        List<TrustedKey> keys;
        try {
            keys = TrustedKey.parseAll(trustedKeys);
        } catch (KeyFormatException e) {
            return Optional.empty();
        }
        List<String> config = keys.stream().filter(key -> key.scope().mayRole(KeyRole.CONFIG)).map(TrustedKey::id)
                .toList();
        if (config.size() < threshold) {
            return Optional.of(new SettingProblem(SIGNATURES_CONFIG_THRESHOLD_CONFIG, threshold, "needs at least "
                    + threshold + " keys in " + SIGNATURES_TRUSTED_KEYS_CONFIG + " with role config, and "
                    + config.size() + (config.size() == 1 ? " has it " : " have it ") + config
                    + ": every configuration file would be rejected"));
        }
        return Optional.empty();
    }

    /** Receipts need their brokers named: the connector does not see its worker's bootstrap.servers. */
    /** Requiring freshness statements needs a key to verify them with. */
    public static Optional<SettingProblem> freshnessProblem(boolean required, String trustedKeys) {
        if (!required || (trustedKeys != null && !trustedKeys.isBlank())) {
            return Optional.empty();
        }
        return Optional.of(new SettingProblem(FRESHNESS_REQUIRED_CONFIG, true, "needs at least one key in "
                + SIGNATURES_TRUSTED_KEYS_CONFIG + ": statements are verified with those keys, so with none this host "
                + "would always report a freeze"));
    }

    /** In per-host mode, this host's receipts topic must be a legal topic name. */
    public static Optional<SettingProblem> receiptsChannelProblem(String topic, ReceiptChannel mode, String host) {
        if (topic.isEmpty() || mode != ReceiptChannel.PER_HOST) {
            return Optional.empty();
        }
        try {
            mode.topicFor(topic, host);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(new SettingProblem(RECEIPTS_TOPIC_MODE_CONFIG, mode.word(), "cannot name this host's "
                    + "receipts topic: " + e.getMessage()));
        }
    }

    public static Optional<SettingProblem> receiptsProblem(String topic, String bootstrapServers) {
        if (topic == null || topic.isBlank() || (bootstrapServers != null && !bootstrapServers.isBlank())) {
            return Optional.empty();
        }
        return Optional.of(new SettingProblem(RECEIPTS_BOOTSTRAP_SERVERS_CONFIG, "", "is required when "
                + RECEIPTS_TOPIC_CONFIG + " is set: the connector does not see its worker's bootstrap.servers"));
    }

    /**
     * The rule tying Connect's {@code topics} / {@code topics.regex} to the topic layout. Connect subscribes the
     * task to what those say before the connector runs, and cannot be told otherwise at run time; so in the
     * per-group layouts they must name exactly the topics the layout gives this host (from topic.base, its host
     * name and zone ids): a topic missing would leave its files undelivered, a topic too many would fetch other
     * hosts' records. The single layout leaves them as the operator sets them.
     *
     * @param topics      the connector's {@code topics}, or null when not set
     * @param topicsRegex the connector's {@code topics.regex}, or null when not set
     */
    public static Optional<SettingProblem> topicsProblem(TopicLayout layout, String base, String hostname,
            List<String> zoneIds, RecipientMode mode, String topics, String topicsRegex) {
        if (!layout.readsPerGroup()) {
            return Optional.empty();
        }
        if (mode != RecipientMode.HOSTNAME_OR_ZONE_ID) {
            return Optional.of(new SettingProblem(RECIPIENT_MODE_CONFIG, mode.configValue(), "must be "
                    + RecipientMode.HOSTNAME_OR_ZONE_ID.configValue() + " with " + TOPIC_LAYOUT_CONFIG + "="
                    + layout.configValue() + ": the host's topic addresses it by its 'hostname' header, the "
                    + "broadcast and group topics by the zone id in the record key"));
        }
        for (String zoneId : zoneIds) {
            if (zoneId.equals(TopicNames.BROADCAST_ZONE_ID)) {
                return Optional.of(new SettingProblem(ZONE_IDS_CONFIG, String.join(",", zoneIds), "'"
                        + TopicNames.BROADCAST_ZONE_ID + "' addresses every host and is no group's zone id"));
            }
        }
        java.util.Set<String> expected;
        try {
            expected = layout.topicsOf(base, hostname, zoneIds);
        } catch (IllegalArgumentException e) {
            return Optional.of(new SettingProblem(TOPIC_LAYOUT_CONFIG, layout.configValue(), "cannot name this "
                    + "host's topics: " + e.getMessage()));
        }
        String list = String.join(",", expected);
        String regex = TopicNames.exactRegex(expected);
        String wanted = "this host (" + hostname + ", zone ids " + zoneIds + ") reads exactly " + list
                + ": set " + CONNECT_TOPICS_CONFIG + "=" + list + " (or " + CONNECT_TOPICS_REGEX_CONFIG + "=" + regex
                + ")";
        boolean hasTopics = topics != null && !topics.isBlank();
        boolean hasRegex = topicsRegex != null && !topicsRegex.isBlank();
        if (hasRegex && !hasTopics) {
            return topicsRegex.strip().equals(regex) ? Optional.empty()
                    : Optional.of(new SettingProblem(CONNECT_TOPICS_REGEX_CONFIG, topicsRegex, "does not match "
                            + TOPIC_LAYOUT_CONFIG + "=" + layout.configValue() + ": " + wanted));
        }
        java.util.Set<String> given = new java.util.TreeSet<>();
        if (hasTopics) {
            for (String topic : topics.split(",")) {
                if (!topic.isBlank()) {
                    given.add(topic.strip());
                }
            }
        }
        if (given.equals(expected)) {
            return Optional.empty();
        }
        java.util.Set<String> missing = new java.util.TreeSet<>(expected);
        missing.removeAll(given);
        java.util.Set<String> extra = new java.util.TreeSet<>(given);
        extra.removeAll(expected);
        return Optional.of(new SettingProblem(CONNECT_TOPICS_CONFIG, hasTopics ? topics : "", "does not match "
                + TOPIC_LAYOUT_CONFIG + "=" + layout.configValue() + (missing.isEmpty() ? "" : "; missing " + missing)
                + (extra.isEmpty() ? "" : "; not this host's " + extra) + ": " + wanted));
    }

    public static ConfigDef configDef() {
        ConfigDef def = new ConfigDef();
        defineFiles(def);
        defineRecipients(def);
        defineTopics(def);
        defineLimits(def);
        defineRetries(def);
        defineManager(def);
        defineSignatures(def);
        defineReceipts(def);
        defineFreshness(def);
        return def;
    }

    private static void defineFiles(ConfigDef def) {
        int order = 0;
        def.define(FILES_DIR_CONFIG, Type.STRING, FILES_DIR_DEFAULT, Validators.absolutePath(), Importance.HIGH,
                FILES_DIR_DOC, GROUP_FILES, ++order, Width.LONG, FILES_DIR_DISPLAY);
        def.define(FILES_MODE_CONFIG, Type.STRING, FILES_MODE_DEFAULT, Validators.fileMode(), Importance.MEDIUM,
                FILES_MODE_DOC, GROUP_FILES, ++order, Width.SHORT, FILES_MODE_DISPLAY);
        def.define(CONFIG_SUFFIXES_CONFIG, Type.LIST, CONFIG_SUFFIXES_DEFAULT, Validators.suffixList(),
                Importance.MEDIUM, CONFIG_SUFFIXES_DOC, GROUP_FILES, ++order, Width.MEDIUM, CONFIG_SUFFIXES_DISPLAY);
    }

    private static void defineRecipients(ConfigDef def) {
        int order = 0;
        def.define(RECIPIENT_MODE_CONFIG, Type.STRING, RECIPIENT_MODE_DEFAULT, Validators.recipientMode(),
                Importance.HIGH, RECIPIENT_MODE_DOC, GROUP_RECIPIENTS, ++order, Width.MEDIUM, RECIPIENT_MODE_DISPLAY);
        def.define(HOSTNAME_CONFIG, Type.STRING, HOSTNAME_DEFAULT, Validators.hostname(), Importance.HIGH,
                HOSTNAME_DOC, GROUP_RECIPIENTS, ++order, Width.MEDIUM, HOSTNAME_DISPLAY);
        def.define(ZONE_IDS_CONFIG, Type.LIST, ZONE_IDS_DEFAULT, Validators.nonBlankItems(), Importance.MEDIUM,
                ZONE_IDS_DOC, GROUP_RECIPIENTS, ++order, Width.MEDIUM, ZONE_IDS_DISPLAY);
    }

    private static void defineTopics(ConfigDef def) {
        int order = 0;
        def.define(TOPIC_LAYOUT_CONFIG, Type.STRING, TOPIC_LAYOUT_DEFAULT, Validators.topicLayout(), Importance.HIGH,
                TOPIC_LAYOUT_DOC, GROUP_TOPICS, ++order, Width.MEDIUM, TOPIC_LAYOUT_DISPLAY);
        def.define(TOPIC_BASE_CONFIG, Type.STRING, TOPIC_BASE_DEFAULT, Validators.topic(), Importance.HIGH,
                TOPIC_BASE_DOC, GROUP_TOPICS, ++order, Width.MEDIUM, TOPIC_BASE_DISPLAY);
    }

    private static void defineLimits(ConfigDef def) {
        int order = 0;
        def.define(FILE_MAX_BYTES_CONFIG, Type.LONG, FILE_MAX_BYTES_DEFAULT, ConfigDef.Range.atLeast(1),
                Importance.MEDIUM, FILE_MAX_BYTES_DOC, GROUP_LIMITS, ++order, Width.SHORT, FILE_MAX_BYTES_DISPLAY);
        def.define(CONFIG_MAX_BYTES_CONFIG, Type.LONG, CONFIG_MAX_BYTES_DEFAULT,
                ConfigDef.Range.between(1, Integer.MAX_VALUE), Importance.LOW, CONFIG_MAX_BYTES_DOC, GROUP_LIMITS,
                ++order, Width.SHORT, CONFIG_MAX_BYTES_DISPLAY);
        def.define(CHUNKS_MAX_COUNT_CONFIG, Type.INT, CHUNKS_MAX_COUNT_DEFAULT, ConfigDef.Range.between(1, 1_000_000),
                Importance.LOW, CHUNKS_MAX_COUNT_DOC, GROUP_LIMITS, ++order, Width.SHORT, CHUNKS_MAX_COUNT_DISPLAY);
        def.define(CHUNKS_STALE_AFTER_MS_CONFIG, Type.LONG, CHUNKS_STALE_AFTER_MS_DEFAULT,
                ConfigDef.Range.atLeast(1), Importance.LOW, CHUNKS_STALE_AFTER_MS_DOC, GROUP_LIMITS, ++order,
                Width.SHORT, CHUNKS_STALE_AFTER_MS_DISPLAY);
    }

    private static void defineRetries(ConfigDef def) {
        int order = 0;
        def.define(IO_RETRY_BACKOFF_MS_CONFIG, Type.LONG, IO_RETRY_BACKOFF_MS_DEFAULT, ConfigDef.Range.atLeast(1),
                Importance.LOW, IO_RETRY_BACKOFF_MS_DOC, GROUP_RETRIES, ++order, Width.SHORT,
                IO_RETRY_BACKOFF_MS_DISPLAY);
        def.define(IO_RETRY_BACKOFF_MAX_MS_CONFIG, Type.LONG, IO_RETRY_BACKOFF_MAX_MS_DEFAULT,
                ConfigDef.Range.atLeast(1), Importance.LOW, IO_RETRY_BACKOFF_MAX_MS_DOC, GROUP_RETRIES, ++order,
                Width.SHORT, IO_RETRY_BACKOFF_MAX_MS_DISPLAY);
    }

    private static void defineManager(ConfigDef def) {
        int order = 0;
        def.define(NOTIFY_ENABLED_CONFIG, Type.BOOLEAN, NOTIFY_ENABLED_DEFAULT, null, Importance.HIGH,
                NOTIFY_ENABLED_DOC, GROUP_MANAGER, ++order, Width.SHORT, NOTIFY_ENABLED_DISPLAY);
        def.define(MANAGER_SOCKET_CONFIG, Type.STRING, MANAGER_SOCKET_DEFAULT, Validators.absolutePath(),
                Importance.HIGH, MANAGER_SOCKET_DOC, GROUP_MANAGER, ++order, Width.LONG, MANAGER_SOCKET_DISPLAY);
        def.define(MANAGER_URL_CONFIG, Type.STRING, MANAGER_URL_DEFAULT, Validators.httpUrlOrEmpty(),
                Importance.MEDIUM, MANAGER_URL_DOC, GROUP_MANAGER, ++order, Width.LONG, MANAGER_URL_DISPLAY);
        def.define(MANAGER_FORCE_CONFIG, Type.BOOLEAN, MANAGER_FORCE_DEFAULT, null, Importance.LOW,
                MANAGER_FORCE_DOC, GROUP_MANAGER, ++order, Width.SHORT, MANAGER_FORCE_DISPLAY);
        def.define(MANAGER_CONNECT_TIMEOUT_MS_CONFIG, Type.LONG, MANAGER_CONNECT_TIMEOUT_MS_DEFAULT,
                ConfigDef.Range.atLeast(1), Importance.LOW, MANAGER_CONNECT_TIMEOUT_MS_DOC, GROUP_MANAGER, ++order,
                Width.SHORT, MANAGER_CONNECT_TIMEOUT_MS_DISPLAY);
        def.define(MANAGER_RESPONSE_TIMEOUT_MS_CONFIG, Type.LONG, MANAGER_RESPONSE_TIMEOUT_MS_DEFAULT,
                ConfigDef.Range.atLeast(1), Importance.LOW, MANAGER_RESPONSE_TIMEOUT_MS_DOC, GROUP_MANAGER, ++order,
                Width.SHORT, MANAGER_RESPONSE_TIMEOUT_MS_DISPLAY);
        // No range for these two: notifyTimingProblem checks them together, naming both.
        def.define(NOTIFY_QUIET_MS_CONFIG, Type.LONG, NOTIFY_QUIET_MS_DEFAULT, null,
                Importance.MEDIUM, NOTIFY_QUIET_MS_DOC, GROUP_MANAGER, ++order, Width.SHORT, NOTIFY_QUIET_MS_DISPLAY);
        def.define(NOTIFY_MAX_DELAY_MS_CONFIG, Type.LONG, NOTIFY_MAX_DELAY_MS_DEFAULT, null,
                Importance.MEDIUM, NOTIFY_MAX_DELAY_MS_DOC, GROUP_MANAGER, ++order, Width.SHORT,
                NOTIFY_MAX_DELAY_MS_DISPLAY);
        def.define(NOTIFY_RETRY_BACKOFF_MS_CONFIG, Type.LONG, NOTIFY_RETRY_BACKOFF_MS_DEFAULT,
                ConfigDef.Range.atLeast(1), Importance.LOW, NOTIFY_RETRY_BACKOFF_MS_DOC, GROUP_MANAGER, ++order,
                Width.SHORT, NOTIFY_RETRY_BACKOFF_MS_DISPLAY);
        def.define(NOTIFY_RETRY_BACKOFF_MAX_MS_CONFIG, Type.LONG, NOTIFY_RETRY_BACKOFF_MAX_MS_DEFAULT,
                ConfigDef.Range.atLeast(1), Importance.LOW, NOTIFY_RETRY_BACKOFF_MAX_MS_DOC, GROUP_MANAGER, ++order,
                Width.SHORT, NOTIFY_RETRY_BACKOFF_MAX_MS_DISPLAY);
    }

    private static void defineSignatures(ConfigDef def) {
        int order = 0;
        def.define(SIGNATURES_REQUIRED_CONFIG, Type.BOOLEAN, SIGNATURES_REQUIRED_DEFAULT, null, Importance.HIGH,
                SIGNATURES_REQUIRED_DOC, GROUP_SIGNATURES, ++order, Width.SHORT, SIGNATURES_REQUIRED_DISPLAY);
        def.define(SIGNATURES_TRUSTED_KEYS_CONFIG, Type.STRING, SIGNATURES_TRUSTED_KEYS_DEFAULT,
                Validators.publicKeys(), Importance.HIGH, SIGNATURES_TRUSTED_KEYS_DOC, GROUP_SIGNATURES, ++order,
                Width.LONG, SIGNATURES_TRUSTED_KEYS_DISPLAY);
        def.define(SIGNATURES_FLEET_CONFIG, Type.STRING, SIGNATURES_FLEET_DEFAULT, Validators.fleetId(),
                Importance.MEDIUM, SIGNATURES_FLEET_DOC, GROUP_SIGNATURES, ++order, Width.SHORT,
                SIGNATURES_FLEET_DISPLAY);
        def.define(SIGNATURES_CONFIG_THRESHOLD_CONFIG, Type.INT, SIGNATURES_CONFIG_THRESHOLD_DEFAULT,
                ConfigDef.Range.between(1, 64), Importance.MEDIUM, SIGNATURES_CONFIG_THRESHOLD_DOC, GROUP_SIGNATURES,
                ++order, Width.SHORT, SIGNATURES_CONFIG_THRESHOLD_DISPLAY);
    }

    private static void defineReceipts(ConfigDef def) {
        int order = 0;
        def.define(RECEIPTS_TOPIC_CONFIG, Type.STRING, RECEIPTS_TOPIC_DEFAULT, Validators.topicOrEmpty(),
                Importance.MEDIUM,
                RECEIPTS_TOPIC_DOC, GROUP_RECEIPTS, ++order, Width.MEDIUM, RECEIPTS_TOPIC_DISPLAY);
        def.define(RECEIPTS_TOPIC_MODE_CONFIG, Type.STRING, RECEIPTS_TOPIC_MODE_DEFAULT,
                ConfigDef.ValidString.in(ReceiptChannel.SHARED.word(), ReceiptChannel.PER_HOST.word()),
                Importance.MEDIUM, RECEIPTS_TOPIC_MODE_DOC, GROUP_RECEIPTS, ++order, Width.SHORT,
                RECEIPTS_TOPIC_MODE_DISPLAY);
        def.define(RECEIPTS_BOOTSTRAP_SERVERS_CONFIG, Type.STRING, RECEIPTS_BOOTSTRAP_SERVERS_DEFAULT,
                Validators.hostPortListOrEmpty(),
                Importance.MEDIUM, RECEIPTS_BOOTSTRAP_SERVERS_DOC, GROUP_RECEIPTS, ++order, Width.LONG,
                RECEIPTS_BOOTSTRAP_SERVERS_DISPLAY);
        def.define(RECEIPTS_QUEUE_MAX_CONFIG, Type.INT, RECEIPTS_QUEUE_MAX_DEFAULT, ConfigDef.Range.atLeast(1),
                Importance.LOW, RECEIPTS_QUEUE_MAX_DOC, GROUP_RECEIPTS, ++order, Width.SHORT,
                RECEIPTS_QUEUE_MAX_DISPLAY);
        def.define(RECEIPTS_CLOSE_TIMEOUT_MS_CONFIG, Type.LONG, RECEIPTS_CLOSE_TIMEOUT_MS_DEFAULT,
                ConfigDef.Range.atLeast(0), Importance.LOW, RECEIPTS_CLOSE_TIMEOUT_MS_DOC, GROUP_RECEIPTS, ++order,
                Width.SHORT, RECEIPTS_CLOSE_TIMEOUT_MS_DISPLAY);
    }

    private static void defineFreshness(ConfigDef def) {
        int order = 0;
        def.define(FRESHNESS_REQUIRED_CONFIG, Type.BOOLEAN, FRESHNESS_REQUIRED_DEFAULT, null, Importance.MEDIUM,
                FRESHNESS_REQUIRED_DOC, GROUP_FRESHNESS, ++order, Width.SHORT, FRESHNESS_REQUIRED_DISPLAY);
        def.define(FRESHNESS_WITHHELD_AFTER_MS_CONFIG, Type.LONG, FRESHNESS_WITHHELD_AFTER_MS_DEFAULT,
                ConfigDef.Range.atLeast(0), Importance.LOW, FRESHNESS_WITHHELD_AFTER_MS_DOC, GROUP_FRESHNESS, ++order,
                Width.SHORT, FRESHNESS_WITHHELD_AFTER_MS_DISPLAY);
    }

    // ---- Typed accessors

    public boolean freshnessRequired() {
        return getBoolean(FRESHNESS_REQUIRED_CONFIG);
    }

    public long freshnessWithheldAfterMs() {
        return getLong(FRESHNESS_WITHHELD_AFTER_MS_CONFIG);
    }

    public ReceiptChannel receiptsTopicMode() {
        return ReceiptChannel.fromWord(getString(RECEIPTS_TOPIC_MODE_CONFIG));
    }

    /** The topic this host writes its receipts to (receipts.topic, or its own in per-host mode); empty: none. */
    public String receiptsTopicOfThisHost() {
        return receiptsTopic().isEmpty() ? "" : receiptsTopicMode().topicFor(receiptsTopic(), hostname());
    }

    /** The receipts topic, or empty when receipts are off. */
    public String receiptsTopic() {
        return getString(RECEIPTS_TOPIC_CONFIG).trim();
    }

    public String receiptsBootstrapServers() {
        return getString(RECEIPTS_BOOTSTRAP_SERVERS_CONFIG).trim();
    }

    /** The receipts producer's passthrough settings (receipts.producer.*), prefix removed. */
    public Map<String, Object> receiptsProducerSettings() {
        return originalsWithPrefix(RECEIPTS_PRODUCER_PREFIX);
    }

    public int receiptsQueueMax() {
        return getInt(RECEIPTS_QUEUE_MAX_CONFIG);
    }

    public Duration receiptsCloseTimeout() {
        return Duration.ofMillis(getLong(RECEIPTS_CLOSE_TIMEOUT_MS_CONFIG));
    }

    public Path filesDir() {
        return Path.of(getString(FILES_DIR_CONFIG));
    }

    /** The permissions of a delivered file that did not exist before. */
    public Set<java.nio.file.attribute.PosixFilePermission> filesMode() {
        return FileMode.parse(getString(FILES_MODE_CONFIG));
    }

    public Set<String> configSuffixes() {
        return new TreeSet<>(getList(CONFIG_SUFFIXES_CONFIG));
    }

    public RecipientMode recipientMode() {
        return RecipientMode.fromConfigValue(getString(RECIPIENT_MODE_CONFIG));
    }

    /** The configured host name, or the machine's own when none is configured. */
    public String hostname() {
        String configured = getString(HOSTNAME_CONFIG).trim();
        return configured.isEmpty() ? MachineHostname.get() : configured;
    }

    public TopicLayout topicLayout() {
        return TopicLayout.fromConfigValue(getString(TOPIC_LAYOUT_CONFIG));
    }

    /** The topics this host reads in its layout (the per-group layouts), or empty in the single layout. */
    public Set<String> layoutTopics() {
        TopicLayout layout = topicLayout();
        return layout.readsPerGroup() ? layout.topicsOf(getString(TOPIC_BASE_CONFIG).trim(), hostname(),
                getList(ZONE_IDS_CONFIG)) : Set.of();
    }

    /**
     * What to tell the operator when the task's assignment leaves out some of its layout's topics: they do not
     * exist, this host may not read them, or the consumer, a static group member that rejoined within its session
     * with new topics, kept its old assignment. Empty when every topic of the layout has a partition assigned.
     */
    public static Optional<String> unassignedTopicsWarning(Set<String> layoutTopics, Set<String> assignedTopics) {
        Set<String> missing = new TreeSet<>(layoutTopics);
        missing.removeAll(assignedTopics);
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("No partition of " + missing + " is assigned to this task, though its layout reads them "
                + "(assigned: " + new TreeSet<>(assignedTopics) + "). Files sent there are not delivered until they "
                + "are. Check that these topics exist and that this host may read them; after a change of topics, a "
                + "consumer that is a static group member (consumer.group.instance.id) and rejoined within "
                + "consumer.session.timeout.ms keeps its previous assignment: stop the worker, wait until its group "
                + "has no member, then start it (see the operator guide, 'Topic layouts')");
    }

    public Set<String> zoneIds() {
        return Set.copyOf(getList(ZONE_IDS_CONFIG));
    }

    public long fileMaxBytes() {
        return getLong(FILE_MAX_BYTES_CONFIG);
    }

    public long configMaxBytes() {
        return getLong(CONFIG_MAX_BYTES_CONFIG);
    }

    public int chunksMaxCount() {
        return getInt(CHUNKS_MAX_COUNT_CONFIG);
    }

    public Duration chunksStaleAfter() {
        return Duration.ofMillis(getLong(CHUNKS_STALE_AFTER_MS_CONFIG));
    }

    public Duration ioRetryBackoff() {
        return Duration.ofMillis(getLong(IO_RETRY_BACKOFF_MS_CONFIG));
    }

    public Duration ioRetryBackoffMax() {
        return Duration.ofMillis(getLong(IO_RETRY_BACKOFF_MAX_MS_CONFIG));
    }

    public boolean notifyEnabled() {
        return getBoolean(NOTIFY_ENABLED_CONFIG);
    }

    public Path managerSocket() {
        return Path.of(getString(MANAGER_SOCKET_CONFIG));
    }

    /** The manager's TCP base URL, or empty for the Unix socket. */
    public String managerUrl() {
        return getString(MANAGER_URL_CONFIG).trim();
    }

    public boolean managerForce() {
        return getBoolean(MANAGER_FORCE_CONFIG);
    }

    public Duration managerConnectTimeout() {
        return Duration.ofMillis(getLong(MANAGER_CONNECT_TIMEOUT_MS_CONFIG));
    }

    public Duration managerResponseTimeout() {
        return Duration.ofMillis(getLong(MANAGER_RESPONSE_TIMEOUT_MS_CONFIG));
    }

    public Duration notifyQuietPeriod() {
        return Duration.ofMillis(getLong(NOTIFY_QUIET_MS_CONFIG));
    }

    public Duration notifyMaxDelay() {
        return Duration.ofMillis(getLong(NOTIFY_MAX_DELAY_MS_CONFIG));
    }

    public Duration notifyRetryBackoff() {
        return Duration.ofMillis(getLong(NOTIFY_RETRY_BACKOFF_MS_CONFIG));
    }

    public Duration notifyRetryBackoffMax() {
        return Duration.ofMillis(getLong(NOTIFY_RETRY_BACKOFF_MAX_MS_CONFIG));
    }

    public boolean signaturesRequired() {
        return getBoolean(SIGNATURES_REQUIRED_CONFIG);
    }

    /** The trusted public keys with their scopes (validated when the configuration was built). */
    public List<TrustedKey> signaturesTrustedKeys() {
        try {
            return TrustedKey.parseAll(getString(SIGNATURES_TRUSTED_KEYS_CONFIG));
        } catch (KeyFormatException e) {
            throw new ConfigException(SIGNATURES_TRUSTED_KEYS_CONFIG, "(keys)", e.getMessage());
        }
    }

    /** This host's fleet id, {@code ""} for none. */
    public int signaturesConfigThreshold() {
        return getInt(SIGNATURES_CONFIG_THRESHOLD_CONFIG);
    }

    public String signaturesFleet() {
        return getString(SIGNATURES_FLEET_CONFIG).strip();
    }

    /** Settings as the reference documents them, for generating it. */
    public static List<ConfigDef.ConfigKey> documentedKeys() {
        return List.copyOf(CONFIG_DEF.configKeys().values());
    }
}
