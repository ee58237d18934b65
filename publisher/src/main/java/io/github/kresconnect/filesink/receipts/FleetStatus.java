package io.github.kresconnect.filesink.receipts;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import io.github.kresconnect.filesink.protocol.TopicNames;

/**
 * {@code resolver-publish status}: the receipts topic folded into each host's current files, its last reload,
 * and which hosts lag behind the newest version of a file. The newest version of a file is the highest signed
 * version any host holds; for unsigned files, the content most recently published on any host. A file delivered
 * through a group's or a host's topic (the per-group layout, {@link TopicNames#audience}) is compared only with
 * the copies other hosts received through the same topic: a group's file of one name is not another group's.
 */
public final class FleetStatus {
    /** A file as one host holds it. */
    public record HostFile(String host, String file, String sha256, long length, long version, long changedAt,
            Receipt lastRejection, String audience) {
    }

    private final Map<String, Map<String, HostFile>> files = new TreeMap<>();
    private final Map<String, Receipt> managers = new TreeMap<>();
    private final Map<String, String> machines = new TreeMap<>();
    private final Map<String, Receipt> freshness = new TreeMap<>();

    /** Folds receipts in topic order (per host, the order the host produced them). */
    public void accept(Receipt receipt) {
        machines.putIfAbsent(receipt.host(), receipt.machine());
        if (receipt.isFreshness()) {
            freshness.put(receipt.host(), receipt);
            return;
        }
        if (receipt.isManager()) {
            if ("reload".equals(receipt.request())) {
                managers.put(receipt.host(), receipt);
            }
            return;
        }
        if (receipt.file() == null) {
            return;
        }
        Map<String, HostFile> host = files.computeIfAbsent(receipt.host(), h -> new TreeMap<>());
        HostFile current = host.get(receipt.file());
        switch (receipt.outcome()) {
            case Receipt.PUBLISHED -> host.put(receipt.file(), new HostFile(receipt.host(), receipt.file(),
                    receipt.sha256(), receipt.length(), receipt.version(), receipt.atEpochMs(), null,
                    TopicNames.audience(receipt.topic())));
            case Receipt.UNCHANGED -> {
                if (current == null || current.sha256() == null) {
                    host.put(receipt.file(), new HostFile(receipt.host(), receipt.file(), receipt.sha256(),
                            receipt.length(), receipt.version(), -1, null, TopicNames.audience(receipt.topic())));
                }
            }
            case Receipt.REJECTED -> host.put(receipt.file(), current == null
                    ? new HostFile(receipt.host(), receipt.file(), null, -1, -1, -1, receipt,
                            TopicNames.audience(receipt.topic()))
                    : new HostFile(current.host(), current.file(), current.sha256(), current.length(),
                            current.version(), current.changedAt(), receipt, current.audience()));
            default -> {
            }
        }
    }

    /** What the host last reported of its freshness. */
    String freshness(String host) {
        Receipt state = freshness.get(host);
        if (state == null) {
            return "freshness not reported";
        }
        StringBuilder text = new StringBuilder("freshness ").append(state.outcome().toUpperCase(java.util.Locale.ROOT));
        if (state.version() >= 0) {
            text.append(" (statement ").append(state.version());
            if (state.expiresEpochMs() >= 0) {
                text.append(", expires ").append(Instant.ofEpochMilli(state.expiresEpochMs()));
            }
            text.append(")");
        }
        if (!state.files().isEmpty()) {
            text.append(": withheld ").append(String.join(", ", state.files().stream()
                    .map(f -> f.file() + " (version " + f.version() + " stated)").toList()));
        }
        return text.toString();
    }

    /**
     * The newest content of a file across the hosts that received it through the same audience as {@code held}:
     * highest signed version, else the latest published.
     */
    Optional<HostFile> newest(HostFile held) {
        HostFile best = null;
        for (Map<String, HostFile> host : files.values()) {
            HostFile candidate = host.get(held.file());
            if (candidate == null || candidate.sha256() == null || !candidate.audience().equals(held.audience())) {
                continue;
            }
            if (best == null || candidate.version() > best.version()
                    || (candidate.version() == best.version() && candidate.changedAt() > best.changedAt())) {
                best = candidate;
            }
        }
        return Optional.ofNullable(best);
    }

    /** True when the host holds the file but not its newest content. */
    boolean lags(HostFile held) {
        Optional<HostFile> newest = newest(held);
        return newest.isPresent() && held.sha256() != null && !newest.get().sha256().equals(held.sha256());
    }

    private List<HostFile> selected(String hostFilter, String fileFilter) {
        List<HostFile> out = new ArrayList<>();
        files.forEach((host, held) -> {
            if (hostFilter == null || hostFilter.equals(host)) {
                held.values().stream().filter(f -> fileFilter == null || fileFilter.equals(f.file())).forEach(out::add);
            }
        });
        return out;
    }

    /** The text report: per host its files, its last reload, and the lagging hosts at the end. */
    public List<String> lines(String hostFilter, String fileFilter) {
        List<String> lines = new ArrayList<>();
        List<String> lagging = new ArrayList<>();
        String lastHost = null;
        for (HostFile held : selected(hostFilter, fileFilter)) {
            if (!held.host().equals(lastHost)) {
                lastHost = held.host();
                String machine = machines.get(held.host());
                lines.add(held.host() + (machine != null && !machine.equals(held.host()) ? " (" + machine + ")" : "")
                        + ": " + Optional.ofNullable(managers.get(held.host())).map(ReceiptWait::reload)
                                .map(r -> "last " + r).orElse("no reload reported")
                        + (freshness.containsKey(held.host()) ? "; " + freshness(held.host()) : ""));
            }
            StringBuilder line = new StringBuilder("  ").append(held.file()).append("  ");
            if (held.sha256() == null) {
                line.append("not held");
            } else {
                line.append("sha256 ").append(held.sha256(), 0, Math.min(16, held.sha256().length()));
                if (held.version() >= 0) {
                    line.append(" version ").append(held.version());
                }
                line.append(held.changedAt() > 0 ? "  changed " + Instant.ofEpochMilli(held.changedAt())
                        : "  changed (before the receipts kept)");
            }
            if (lags(held)) {
                line.append("  BEHIND");
                lagging.add(held.host() + " " + held.file() + " (has " + held.sha256().substring(0, 16)
                        + ", newest " + newest(held).get().sha256().substring(0, 16) + " on "
                        + newest(held).get().host() + ")");
            }
            if (held.lastRejection() != null && held.lastRejection().atEpochMs() >= held.changedAt()) {
                line.append("  last rejected ").append(Instant.ofEpochMilli(held.lastRejection().atEpochMs()))
                        .append(": ").append(held.lastRejection().reason());
            }
            lines.add(line.toString());
        }
        List<String> notFresh = new ArrayList<>();
        freshness.forEach((host, state) -> {
            if ((hostFilter == null || hostFilter.equals(host)) && !Receipt.FRESH.equals(state.outcome())) {
                notFresh.add(host + ": " + freshness(host));
            }
        });
        if (lines.isEmpty()) {
            lines.add("No receipts" + (hostFilter != null || fileFilter != null ? " match the filters" : "") + ".");
        } else if (lagging.isEmpty()) {
            lines.add("No host lags behind the newest version of a file.");
        } else {
            lines.add("Behind the newest version:");
            lagging.forEach(lag -> lines.add("  " + lag));
        }
        if (!notFresh.isEmpty()) {
            lines.add("Not fresh:");
            notFresh.forEach(line -> lines.add("  " + line));
        }
        return lines;
    }

    /** The same as JSON: {"hosts":[{"host":..,"lastReload":{..},"files":[{..,"behind":bool}]}]}. */
    public String json(String hostFilter, String fileFilter) {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = new JsonFactory().createGenerator(text)) {
            json.useDefaultPrettyPrinter();
            json.writeStartObject();
            json.writeNumberField("schema", Receipt.SCHEMA);
            json.writeArrayFieldStart("hosts");
            Map<String, List<HostFile>> byHost = new TreeMap<>();
            selected(hostFilter, fileFilter).forEach(f -> byHost.computeIfAbsent(f.host(), h -> new ArrayList<>())
                    .add(f));
            for (Map.Entry<String, List<HostFile>> host : byHost.entrySet()) {
                json.writeStartObject();
                json.writeStringField("host", host.getKey());
                if (machines.get(host.getKey()) != null) {
                    json.writeStringField("machine", machines.get(host.getKey()));
                }
                Receipt reload = managers.get(host.getKey());
                if (reload != null) {
                    json.writeObjectFieldStart("lastReload");
                    json.writeStringField("outcome", reload.outcome());
                    json.writeStringField("at", Instant.ofEpochMilli(reload.atEpochMs()).toString());
                    if (reload.configChanged() != null) {
                        json.writeBooleanField("configChanged", reload.configChanged());
                    }
                    if (reload.reason() != null) {
                        json.writeStringField("reason", reload.reason());
                    }
                    json.writeEndObject();
                }
                Receipt fresh = freshness.get(host.getKey());
                if (fresh != null) {
                    json.writeObjectFieldStart("freshness");
                    json.writeStringField("state", fresh.outcome());
                    if (fresh.version() >= 0) {
                        json.writeNumberField("statement", fresh.version());
                    }
                    if (fresh.expiresEpochMs() >= 0) {
                        json.writeStringField("expires", Instant.ofEpochMilli(fresh.expiresEpochMs()).toString());
                    }
                    json.writeArrayFieldStart("withheld");
                    for (Receipt.RequestFile file : fresh.files()) {
                        json.writeStartObject();
                        json.writeStringField("file", file.file());
                        json.writeNumberField("stated", file.version());
                        json.writeEndObject();
                    }
                    json.writeEndArray();
                    json.writeEndObject();
                }
                json.writeArrayFieldStart("files");
                for (HostFile held : host.getValue()) {
                    json.writeStartObject();
                    json.writeStringField("file", held.file());
                    if (held.sha256() != null) {
                        json.writeStringField("sha256", held.sha256());
                        json.writeNumberField("length", held.length());
                    }
                    if (held.version() >= 0) {
                        json.writeNumberField("version", held.version());
                    }
                    if (held.changedAt() > 0) {
                        json.writeStringField("changedAt", Instant.ofEpochMilli(held.changedAt()).toString());
                    }
                    json.writeBooleanField("behind", lags(held));
                    if (held.lastRejection() != null) {
                        json.writeStringField("lastRejection", held.lastRejection().reason());
                    }
                    json.writeEndObject();
                }
                json.writeEndArray();
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }
}
