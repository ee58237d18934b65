package io.github.kresconnect.filesink.publish;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.ConnectorDefaults;
import io.github.kresconnect.filesink.protocol.Chunking;
import io.github.kresconnect.filesink.protocol.TopicLayout;
import io.github.kresconnect.filesink.protocol.TopicNames;

/** The command line, parsed and checked for consistency; files are only looked at when the plan is built. */
public record PublishOptions(
        Optional<String> bootstrapServers,
        String topic,
        TopicLayout layout,
        RecipientMode recipientMode,
        List<String> recipients,
        List<FileArgument> files,
        int chunkSize,
        Set<String> configSuffixes,
        long maxFileBytes,
        long maxConfigBytes,
        int maxChunks,
        OptionalInt partition,
        OptionalInt partitions,
        Duration timeout,
        Optional<Path> producerConfig,
        boolean dryRun,
        boolean quiet,
        boolean verbose,
        boolean help,
        boolean version,
        Optional<Path> signingKey,
        String fleet,
        java.util.OptionalLong fileVersion,
        List<Path> cosigningKeys,
        Optional<Path> writeRequest,
        Optional<Path> request,
        List<Path> cosignatureFiles) {

    public static final String DEFAULT_TOPIC = "knot-resolver";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** A file to send: its name on the topic (relative to the resolver's files directory) and where it is read. */
    public record FileArgument(String name, Path path) {
        /** {@code NAME=PATH}, or a bare path whose base name becomes the name. */
        static FileArgument parse(String argument) throws UsageException {
            int equals = argument.indexOf('=');
            if (equals < 0) {
                Path path = Path.of(argument);
                Path base = path.getFileName();
                if (base == null) {
                    throw new UsageException("'" + argument + "' names no file");
                }
                return new FileArgument(base.toString(), path);
            }
            String name = argument.substring(0, equals);
            String path = argument.substring(equals + 1);
            if (name.isEmpty() || path.isEmpty()) {
                throw new UsageException("'" + argument + "': expected NAME=PATH with both parts non-empty");
            }
            return new FileArgument(name, Path.of(path));
        }
    }

    /** A fleet id as --fleet takes it (the connector's signatures.fleet). */
    static String fleetId(String name, String value) throws UsageException {
        String id = value.strip();
        if (!io.github.kresconnect.filesink.protocol.SignedTransfers.isFleetId(id)) {
            throw new UsageException("option '" + name + "': '" + value + "' is not a fleet id (letters, digits, "
                    + "'.', '_' and '-', at most 64), as the connector's signatures.fleet");
        }
        return id;
    }

    /** Bad arguments: the message says which, and the command prints a hint to --help. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    public static PublishOptions parse(List<String> args) throws UsageException {
        Parser parser = new Parser(args);
        return parser.parse();
    }

    private static final class Parser {
        private final List<String> args;

        private String bootstrapServers;
        private String topic = DEFAULT_TOPIC;
        private TopicLayout layout = TopicLayout.SINGLE;
        private final List<String> hosts = new ArrayList<>();
        private final List<String> zones = new ArrayList<>();
        private final List<FileArgument> files = new ArrayList<>();
        private int chunkSize = Chunking.DEFAULT_CHUNK_SIZE;
        private Set<String> configSuffixes = suffixes(ConnectorDefaults.CONFIG_SUFFIXES_DEFAULT);
        private long maxFileBytes = ConnectorDefaults.FILE_MAX_BYTES_DEFAULT;
        private long maxConfigBytes = ConnectorDefaults.CONFIG_MAX_BYTES_DEFAULT;
        private int maxChunks = ConnectorDefaults.CHUNKS_MAX_COUNT_DEFAULT;
        private OptionalInt partition = OptionalInt.empty();
        private OptionalInt partitions = OptionalInt.empty();
        private Duration timeout = DEFAULT_TIMEOUT;
        private Path producerConfig;
        private boolean dryRun;
        private boolean quiet;
        private boolean verbose;
        private boolean help;
        private boolean version;
        private Path signingKey;
        private String fleet = "";
        private java.util.OptionalLong fileVersion = java.util.OptionalLong.empty();
        private final List<Path> cosigningKeys = new ArrayList<>();
        private Path writeRequest;
        private Path request;
        private final List<Path> cosignatureFiles = new ArrayList<>();

        Parser(List<String> args) {
            this.args = args;
        }

        PublishOptions parse() throws UsageException {
            new CommandLines("resolver-publish")
                    .flag((name, value) -> help = noValue(name, value), "-h", "--help")
                    .flag((name, value) -> version = noValue(name, value), "--version")
                    .flag((name, value) -> dryRun = noValue(name, value), "--dry-run", "-n")
                    .flag((name, value) -> quiet = noValue(name, value), "--quiet", "-q")
                    .flag((name, value) -> verbose = noValue(name, value), "--verbose", "-v")
                    .valued((name, value) -> bootstrapServers = nonBlank(name, value),
                            "--bootstrap-server", "--bootstrap-servers", "-b")
                    .valued((name, value) -> topic = nonBlank(name, value), "--topic", "-t")
                    .valued((name, value) -> hosts.add(recipient(name, value)), "--to")
                    .valued((name, value) -> zones.add(recipient(name, value)), "--zone", "--to-group")
                    .flag((name, value) -> {
                        noValue(name, value);
                        zones.add(TopicNames.BROADCAST_ZONE_ID);
                    }, "--to-all")
                    .valued((name, value) -> layout = layout(name, value), "--layout")
                    .valued((name, value) -> chunkSize = (int) size(name, value, 1, Integer.MAX_VALUE - 1),
                            "--chunk-size")
                    .valued((name, value) -> configSuffixes = suffixList(name, value), "--config-suffixes")
                    .valued((name, value) -> maxFileBytes = size(name, value, 1, Long.MAX_VALUE), "--max-file-bytes")
                    .valued((name, value) -> maxConfigBytes = size(name, value, 1, Integer.MAX_VALUE),
                            "--max-config-bytes")
                    .valued((name, value) -> maxChunks = (int) number(name, value, 1, 1_000_000), "--max-chunks")
                    .valued((name, value) -> partition = OptionalInt.of((int) number(name, value, 0,
                            Integer.MAX_VALUE)), "--partition", "-p")
                    .valued((name, value) -> partitions = OptionalInt.of((int) number(name, value, 1,
                            Integer.MAX_VALUE)), "--partitions")
                    .valued((name, value) -> timeout = Duration.ofSeconds(number(name, value, 1, 86_400)), "--timeout")
                    .valued((name, value) -> producerConfig = Path.of(nonBlank(name, value)), "--producer-config")
                    .valued((name, value) -> signingKey = Path.of(nonBlank(name, value)), "--sign")
                    .valued((name, value) -> cosigningKeys.add(Path.of(nonBlank(name, value))), "--cosign")
                    .valued((name, value) -> writeRequest = Path.of(nonBlank(name, value)), "--write-request")
                    .valued((name, value) -> request = Path.of(nonBlank(name, value)), "--request")
                    .valued((name, value) -> cosignatureFiles.add(Path.of(nonBlank(name, value))), "--cosignature")
                    .valued((name, value) -> fleet = fleetId(name, value), "--fleet")
                    .valued((name, value) -> fileVersion = java.util.OptionalLong.of(number(name, value, 0,
                            Long.MAX_VALUE)), "--file-version")
                    .positional((name, value) -> files.add(FileArgument.parse(value)), false)
                    .parse(args);
            if (help || version) {
                return build();
            }
            if (hosts.isEmpty() && zones.isEmpty()) {
                throw new UsageException("no recipient: give --to HOST (one per resolver), --to-group ZONE_ID "
                        + "or --to-all");
            }
            if (!hosts.isEmpty() && !zones.isEmpty()) {
                throw new UsageException("--to and --to-group/--zone/--to-all cannot be mixed: a record is addressed "
                        + "either by its 'hostname' header or by a zone id in its key; run the command once per mode");
            }
            if (layout == TopicLayout.PER_GROUP) {
                try {
                    for (String recipient : zones.isEmpty() ? hosts : zones) {
                        if (zones.isEmpty()) {
                            TopicNames.forHost(topic, recipient);
                        } else {
                            TopicNames.forZoneRecipient(topic, recipient);
                        }
                    }
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--layout per-group: " + e.getMessage());
                }
            }
            if (files.isEmpty()) {
                throw new UsageException("no file to send");
            }
            if (!fleet.isEmpty() && signingKey == null) {
                throw new UsageException("--fleet goes with --sign: the fleet id is part of what is signed");
            }
            if (!cosigningKeys.isEmpty() && signingKey == null) {
                throw new UsageException("--cosign goes with --sign: a co-signature signs what the signature covers");
            }
            if ((writeRequest != null || request != null) && signingKey == null) {
                throw new UsageException((writeRequest != null ? "--write-request" : "--request") + " goes with "
                        + "--sign: the request fixes what it signs");
            }
            if (writeRequest != null && (request != null || !cosignatureFiles.isEmpty())) {
                throw new UsageException("--write-request writes a request and sends nothing: publish afterwards "
                        + "with --request and --cosignature");
            }
            if (!cosignatureFiles.isEmpty() && request == null) {
                throw new UsageException("--cosignature goes with --request: a co-signature made elsewhere signs "
                        + "the transfers the request fixed");
            }
            if (request != null && fileVersion.isPresent()) {
                throw new UsageException("--request fixes the version: --file-version cannot change it");
            }
            if (fileVersion.isPresent() && signingKey == null) {
                throw new UsageException("--file-version goes with --sign: only a signed file has a version");
            }
            if (partition.isPresent() && partitions.isPresent() && partition.getAsInt() >= partitions.getAsInt()) {
                throw new UsageException("--partition " + partition.getAsInt() + " is not below --partitions "
                        + partitions.getAsInt());
            }
            return build();
        }

        private PublishOptions build() {
            RecipientMode mode = zones.isEmpty() ? RecipientMode.HOSTNAME : RecipientMode.ZONE_ID;
            List<String> recipients = List.copyOf(new LinkedHashSet<>(zones.isEmpty() ? hosts : zones));
            return new PublishOptions(Optional.ofNullable(bootstrapServers), topic, layout, mode, recipients,
                    List.copyOf(files), chunkSize, configSuffixes, maxFileBytes, maxConfigBytes, maxChunks, partition, partitions, timeout,
                    Optional.ofNullable(producerConfig), dryRun, quiet, verbose, help, version,
                    Optional.ofNullable(signingKey), fleet, fileVersion, List.copyOf(cosigningKeys),
                    Optional.ofNullable(writeRequest), Optional.ofNullable(request), List.copyOf(cosignatureFiles));
        }
    }

    /** The layouts a publisher sends to: the single topic, or the per-group topics named from it. */
    private static TopicLayout layout(String option, String value) throws UsageException {
        String wanted = value.trim();
        if (wanted.equals(TopicLayout.SINGLE.configValue())) {
            return TopicLayout.SINGLE;
        }
        if (wanted.equals(TopicLayout.PER_GROUP.configValue())) {
            return TopicLayout.PER_GROUP;
        }
        throw new UsageException(option + " '" + value + "': expected " + TopicLayout.SINGLE.configValue() + " or "
                + TopicLayout.PER_GROUP.configValue());
    }

    /**
     * The topic a recipient's records go to: the single topic ({@code --topic}), or in the per-group layout the
     * broadcast topic ({@code --to-all}), the group's ({@code --to-group}) or the host's ({@code --to}), named
     * from {@code --topic} by {@link TopicNames}.
     */
    public String topicOf(String recipient) {
        if (layout != TopicLayout.PER_GROUP) {
            return topic;
        }
        return recipientMode == RecipientMode.ZONE_ID ? TopicNames.forZoneRecipient(topic, recipient)
                : TopicNames.forHost(topic, recipient);
    }

    /** A flag: true, unless given a value ({@code --dry-run=yes}), which it never takes. */
    private static boolean noValue(String option, String value) throws UsageException {
        if (value != null) {
            throw new UsageException("option '" + option + "' takes no value");
        }
        return true;
    }

    private static String nonBlank(String option, String value) throws UsageException {
        if (value.isBlank()) {
            throw new UsageException("option '" + option + "' needs a non-empty value");
        }
        return value.trim();
    }

    private static String recipient(String option, String value) throws UsageException {
        String id = nonBlank(option, value);
        if (!id.equals(value) || id.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new UsageException("option '" + option + "': '" + value + "' has spaces or control characters; "
                    + "the connector compares recipients exactly");
        }
        return id;
    }

    private static long number(String option, String value, long min, long max) throws UsageException {
        long parsed;
        try {
            parsed = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option '" + option + "': '" + value + "' is not a whole number");
        }
        if (parsed < min || parsed > max) {
            throw new UsageException("option '" + option + "': " + parsed + " is outside " + min + ".." + max);
        }
        return parsed;
    }

    /** Bytes, optionally with a binary unit: 512k, 512KiB, 1m, 1MiB, 1g, 1GiB. */
    static long size(String option, String value, long min, long max) throws UsageException {
        String text = value.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        for (String[] suffix : new String[][] {{"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"},
                {"k", "1024"}, {"m", "1048576"}, {"g", "1073741824"}, {"b", "1"}}) {
            if (text.endsWith(suffix[0])) {
                unit = Long.parseLong(suffix[1]);
                text = text.substring(0, text.length() - suffix[0].length()).trim();
                break;
            }
        }
        long number;
        try {
            number = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new UsageException("option '" + option + "': '" + value
                    + "' is not a size (bytes, or with a unit: 512k, 1m, 1g)");
        }
        if (number < 0 || number > Long.MAX_VALUE / unit) {
            throw new UsageException("option '" + option + "': '" + value + "' is out of range");
        }
        long bytes = number * unit;
        if (bytes < min || bytes > max) {
            throw new UsageException("option '" + option + "': " + bytes + " bytes is outside " + min + ".." + max);
        }
        return bytes;
    }

    /** {@code --config-suffixes}: the hosts' config.file.suffixes. */
    static Set<String> suffixList(String option, String value) throws UsageException {
        Set<String> result = suffixes(value);
        for (String suffix : result) {
            if (suffix.length() < 2 || suffix.charAt(0) != '.' || suffix.contains("/")) {
                throw new UsageException("option '" + option + "': each suffix must start with '.' and contain no "
                        + "'/', got '" + suffix + "'");
            }
        }
        return result;
    }

    static Set<String> suffixes(String list) {
        Set<String> result = new LinkedHashSet<>();
        for (String item : list.split(",")) {
            if (!item.isBlank()) {
                result.add(item.trim());
            }
        }
        return Set.copyOf(result);
    }
}
