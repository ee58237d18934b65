package io.github.kresconnect.filesink.protocol;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What one trusted key may sign: its roles, the recipients and file names it may sign for, and the newest
 * version it may sign. Written after the key's PEM block in square brackets, fields separated by {@code ;}, values
 * by {@code ,}:
 * <pre>
 * -----BEGIN PUBLIC KEY-----MCow...-----END PUBLIC KEY-----[roles=data; recipients=resolver*; files=zones/*.rpz; not-after=2027-06-30]
 * </pre>
 * <ul>
 * <li>{@code roles}: {@code data}, {@code config}, {@code revocation}, {@code timestamp} ({@link KeyRole});
 * default {@code data,config}.</li>
 * <li>{@code recipients}: host names or zone ids, with {@code *} (any characters) and {@code ?} (one), compared
 * without regard to case; default: every recipient.</li>
 * <li>{@code files}: file names relative to the files directory, with {@code *} (any characters but {@code /}),
 * {@code **} (any, {@code /} included) and {@code ?} (one character but {@code /}); default: every file.</li>
 * <li>{@code not-after}: an instant ({@code 2027-06-30T12:00:00Z}) or a date ({@code 2027-06-30}, its first
 * instant in UTC); the key may sign versions up to that time in milliseconds, not later ones. Default: none.</li>
 * </ul>
 * {@code recipients} and {@code files} bound data and configuration files; a key whose roles are only
 * {@code revocation} or {@code timestamp} signs statements for the whole fleet and takes neither.
 *
 * @param roles what the key may sign
 * @param recipients recipient patterns as written; empty for every recipient
 * @param files file name patterns as written; empty for every file
 * @param notAfter the last instant whose version the key may sign, or null
 */
public record KeyScope(Set<KeyRole> roles, List<String> recipients, List<String> files, Instant notAfter) {
    /** The roles of a key trusted without a scope. */
    public static final Set<KeyRole> DEFAULT_ROLES = Set.copyOf(EnumSet.of(KeyRole.DATA, KeyRole.CONFIG));
    /** The scope of a key trusted without one: data and configuration files, for every recipient, forever. */
    public static final KeyScope DEFAULT = new KeyScope(DEFAULT_ROLES, List.of(), List.of(), null);

    private static final Set<String> FIELDS = Set.of("roles", "recipients", "files", "not-after");

    public KeyScope {
        roles = Set.copyOf(roles);
        recipients = List.copyOf(recipients);
        files = List.copyOf(files);
    }

    /** Whether the key may sign a file of that role (data or config) for that recipient, and that name. */
    public boolean mayRole(KeyRole role) {
        return roles.contains(role);
    }

    /** Whether the recipient matches one of the recipient patterns (always, without any). */
    public boolean coversRecipient(String recipient) {
        return recipients.isEmpty() || recipients.stream().anyMatch(p -> recipientPattern(p).matcher(recipient)
                .matches());
    }

    /** Whether the file name matches one of the file patterns (always, without any). */
    public boolean coversFile(String fileName) {
        return files.isEmpty() || files.stream().anyMatch(p -> filePattern(p).matcher(fileName).matches());
    }

    /** Whether the version (ms) is past the key's not-after. */
    public boolean expiredAt(long version) {
        return notAfter != null && version > notAfter.toEpochMilli();
    }

    /** The scope as written between the brackets; {@code ""} for the default. */
    @Override
    public String toString() {
        List<String> fields = new ArrayList<>();
        fields.add("roles=" + String.join(",", roles.stream().sorted().map(KeyRole::text).toList()));
        if (!recipients.isEmpty()) {
            fields.add("recipients=" + String.join(",", recipients));
        }
        if (!files.isEmpty()) {
            fields.add("files=" + String.join(",", files));
        }
        if (notAfter != null) {
            fields.add("not-after=" + notAfter);
        }
        return String.join("; ", fields);
    }

    /**
     * The scope written between the brackets, checked: known fields, each once, known roles, patterns that are
     * not empty, a valid date, and recipients or files only for a key that signs data or configuration files.
     */
    public static KeyScope parse(String text) throws KeyFormatException {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : text.split(";", -1)) {
            if (field.isBlank()) {
                continue;
            }
            int equals = field.indexOf('=');
            if (equals < 0) {
                throw new KeyFormatException("scope field " + FileNames.quote(field.strip()) + " is not name=value ("
                        + String.join(", ", sorted(FIELDS)) + ")");
            }
            String name = field.substring(0, equals).strip().toLowerCase(Locale.ROOT);
            if (!FIELDS.contains(name)) {
                throw new KeyFormatException("unknown scope field " + FileNames.quote(name) + " (known: "
                        + String.join(", ", sorted(FIELDS)) + ")");
            }
            if (fields.put(name, field.substring(equals + 1).strip()) != null) {
                throw new KeyFormatException("scope field '" + name + "' is given twice");
            }
        }
        Set<KeyRole> roles = EnumSet.noneOf(KeyRole.class);
        if (fields.containsKey("roles")) {
            for (String value : values(fields.get("roles"), "roles")) {
                KeyRole role = KeyRole.of(value);
                if (role == null) {
                    throw new KeyFormatException("unknown role " + FileNames.quote(value) + " (known: data, config, "
                            + "revocation, timestamp)");
                }
                roles.add(role);
            }
        } else {
            roles.addAll(DEFAULT_ROLES);
        }
        List<String> recipients = fields.containsKey("recipients") ? values(fields.get("recipients"), "recipients")
                : List.of();
        List<String> files = fields.containsKey("files") ? values(fields.get("files"), "files") : List.of();
        for (String file : files) {
            if (file.startsWith("/")) {
                throw new KeyFormatException("file pattern " + FileNames.quote(file) + " is absolute; names are "
                        + "relative to the files directory");
            }
        }
        boolean signsFiles = roles.contains(KeyRole.DATA) || roles.contains(KeyRole.CONFIG);
        if (!signsFiles && (!recipients.isEmpty() || !files.isEmpty())) {
            throw new KeyFormatException("recipients and files bound data and config files; a key with roles="
                    + String.join(",", roles.stream().map(KeyRole::text).toList()) + " signs statements for the "
                    + "whole fleet: remove them, or add role data or config");
        }
        Instant notAfter = null;
        if (fields.containsKey("not-after")) {
            notAfter = instant(fields.get("not-after"));
        }
        return new KeyScope(roles, recipients, files, notAfter);
    }

    private static Instant instant(String text) throws KeyFormatException {
        try {
            return text.contains("T") ? Instant.parse(text) : LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC)
                    .toInstant();
        } catch (DateTimeException e) {
            throw new KeyFormatException("not-after " + FileNames.quote(text) + " is neither a date (2027-06-30) nor "
                    + "an instant in UTC (2027-06-30T12:00:00Z)");
        }
    }

    private static List<String> values(String text, String field) throws KeyFormatException {
        List<String> values = new ArrayList<>();
        for (String value : text.split(",", -1)) {
            if (value.isBlank()) {
                throw new KeyFormatException("scope field '" + field + "' has an empty value: "
                        + FileNames.quote(text));
            }
            values.add(value.strip());
        }
        return values;
    }

    private static List<String> sorted(Set<String> names) {
        return names.stream().sorted().toList();
    }

    private static final Map<String, Pattern> RECIPIENT_PATTERNS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Map<String, Pattern> FILE_PATTERNS = new java.util.concurrent.ConcurrentHashMap<>();

    private static Pattern recipientPattern(String glob) {
        return RECIPIENT_PATTERNS.computeIfAbsent(glob, KeyScope::compileRecipient);
    }

    private static Pattern filePattern(String glob) {
        return FILE_PATTERNS.computeIfAbsent(glob, KeyScope::compileFile);
    }

    /** A recipient pattern: {@code *} any characters, {@code ?} one, without regard to case. */
    static Pattern compileRecipient(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.DOTALL);
    }

    /** A file pattern: {@code **} any characters, {@code *} any but {@code /}, {@code ?} one but {@code /}. */
    static Pattern compileFile(String glob) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                regex.append(".*");
                i++;
            } else if (c == '*') {
                regex.append("[^/]*");
            } else if (c == '?') {
                regex.append("[^/]");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }
}
