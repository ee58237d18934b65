package io.github.kresconnect.filesink.receipts;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@code resolver-publish --wait} waits for: a receipt of every transfer it sent (matched by transfer id)
 * from every host it addressed, or from {@code hostCount} hosts in zone mode, and, from a host that published a
 * configuration file, the receipt of the reload that was for it: a reload receipt whose files include that
 * transfer id. Receipts of other transfers, and reloads for other files, are ignored.
 */
public final class ReceiptWait {
    private final Map<String, SentTransfer> byTransferId = new HashMap<>();
    private final List<SentTransfer> sent;
    private final List<String> hosts;
    private final int hostCount;
    private final Map<String, HostState> states = new TreeMap<>();

    private static final class HostState {
        final Map<String, Receipt> files = new LinkedHashMap<>();
        /** Transfer ids of the configuration files the host published. */
        final Set<String> configsPublished = new LinkedHashSet<>();
        /** Per configuration transfer id, the reload receipts for it: the first accepted one, else the latest. */
        final Map<String, Receipt> reloads = new HashMap<>();

        /** The reload to report: one not (yet) accepted for a published config if any, else an accepted one. */
        Receipt reload() {
            Receipt accepted = null;
            for (String transferId : configsPublished) {
                Receipt reload = reloads.get(transferId);
                if (reload == null || !Receipt.ACCEPTED.equals(reload.outcome())) {
                    return reload;
                }
                accepted = accepted == null ? reload : accepted;
            }
            return accepted;
        }
    }

    /**
     * @param hosts     the hosts addressed with --to, in order; empty in zone mode
     * @param hostCount in zone mode, how many hosts must answer (--wait-hosts); ignored with hosts
     */
    public ReceiptWait(List<SentTransfer> sent, List<String> hosts, int hostCount) {
        this.sent = List.copyOf(sent);
        this.hosts = List.copyOf(hosts);
        this.hostCount = hosts.isEmpty() ? hostCount : hosts.size();
        sent.forEach(transfer -> byTransferId.put(transfer.transferId(), transfer));
        this.hosts.forEach(host -> states.put(host, new HostState()));
    }

    /** Takes in one receipt from the topic; receipts of other transfers and hosts are ignored. */
    public synchronized void accept(Receipt receipt) {
        if (receipt.isManager()) {
            // Only a reload that was for a configuration file this run sent; it may be read before the file's
            // own receipt.
            if (!"reload".equals(receipt.request()) || (!hosts.isEmpty() && !hosts.contains(receipt.host()))) {
                return;
            }
            for (SentTransfer transfer : sent) {
                if (transfer.config() && receipt.covers(transfer.transferId())) {
                    HostState state = states.computeIfAbsent(receipt.host(), host -> new HostState());
                    Receipt previous = state.reloads.get(transfer.transferId());
                    if (previous == null || !Receipt.ACCEPTED.equals(previous.outcome())) {
                        state.reloads.put(transfer.transferId(), receipt);
                    }
                }
            }
            return;
        }
        SentTransfer transfer = receipt.transferId() == null ? null : byTransferId.get(receipt.transferId());
        if (transfer == null || (!hosts.isEmpty() && !hosts.contains(receipt.host()))) {
            return;
        }
        HostState state = states.computeIfAbsent(receipt.host(), host -> new HostState());
        Receipt previous = state.files.get(transfer.file());
        if (previous != null && isFinal(previous) && !isFinal(receipt)) {
            return; // a discarded copy does not undo what the host did with the transfer
        }
        state.files.put(transfer.file(), receipt);
        if (transfer.config() && Receipt.PUBLISHED.equals(receipt.outcome())) {
            state.configsPublished.add(transfer.transferId());
        }
    }

    private static boolean isFinal(Receipt receipt) {
        return !Receipt.DISCARDED.equals(receipt.outcome());
    }

    private boolean hostDone(Map.Entry<String, HostState> entry) {
        HostState state = entry.getValue();
        if (state.files.size() < sent.size()) {
            return false;
        }
        return state.configsPublished.stream().allMatch(transferId -> state.reloads.get(transferId) != null
                && Receipt.ACCEPTED.equals(state.reloads.get(transferId).outcome()));
    }

    /** Every host expected has answered for every file (and its reload). */
    public synchronized boolean done() {
        long answered = states.entrySet().stream().filter(this::hostDone).count();
        return hosts.isEmpty() ? answered >= hostCount
                : hosts.stream().allMatch(host -> hostDone(Map.entry(host, states.get(host))));
    }

    /** Done, and no host rejected or discarded a file, nor failed its reload. */
    public synchronized boolean allConfirmed() {
        if (!done()) {
            return false;
        }
        for (HostState state : states.values()) {
            for (Receipt receipt : state.files.values()) {
                if (Receipt.REJECTED.equals(receipt.outcome()) || Receipt.DISCARDED.equals(receipt.outcome())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** How many hosts answered completely, for the progress display. */
    public synchronized String progress() {
        long answered = states.entrySet().stream().filter(this::hostDone).count();
        return answered + "/" + hostCount + " hosts answered";
    }

    /** One line per host: what it did with each file, and its reload. */
    public synchronized List<String> lines() {
        List<String> lines = new ArrayList<>();
        int width = states.keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, HostState> entry : states.entrySet()) {
            if (hosts.isEmpty() && entry.getValue().files.isEmpty()) {
                continue; // zone mode: only its reload was read so far
            }
            lines.add(String.format("%-" + Math.max(1, width) + "s  %s", entry.getKey(),
                    describe(entry.getValue())));
        }
        long answered = states.values().stream().filter(state -> !state.files.isEmpty()).count();
        if (hosts.isEmpty() && answered < hostCount) {
            lines.add((hostCount - answered) + " more host(s) expected (--wait-hosts " + hostCount
                    + "): no answer");
        }
        return lines;
    }

    private String describe(HostState state) {
        if (state.files.isEmpty()) {
            return "no answer";
        }
        Map<String, List<String>> byOutcome = new LinkedHashMap<>();
        List<String> details = new ArrayList<>();
        for (SentTransfer transfer : sent) {
            Receipt receipt = state.files.get(transfer.file());
            if (receipt == null) {
                byOutcome.computeIfAbsent("no answer for", k -> new ArrayList<>()).add(transfer.file());
            } else if (Receipt.REJECTED.equals(receipt.outcome()) || Receipt.DISCARDED.equals(receipt.outcome())) {
                details.add(receipt.outcome() + " " + transfer.file() + ": " + receipt.reason());
            } else {
                byOutcome.computeIfAbsent(receipt.outcome(), k -> new ArrayList<>()).add(transfer.file());
            }
        }
        List<String> parts = new ArrayList<>(details);
        byOutcome.forEach((outcome, files) -> parts.add(outcome + " " + String.join(", ", files)));
        if (!state.configsPublished.isEmpty()) {
            parts.add(reload(state.reload()));
        }
        return String.join("; ", parts);
    }

    static String reload(Receipt reload) {
        if (reload == null) {
            return "reload: no answer";
        }
        if (!Receipt.ACCEPTED.equals(reload.outcome())) {
            return "reload failed (retrying): " + reload.reason();
        }
        Boolean changed = reload.configChanged();
        if (changed == null) {
            return "reload accepted (whether the running configuration changed is unknown)";
        }
        return changed ? "reload accepted, running configuration changed"
                : "reload accepted, running configuration unchanged (see the manager's log)";
    }
}
