package io.github.kresconnect.filesink.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.FileNames;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.protocol.SignatureBatch;
import io.github.kresconnect.filesink.protocol.SignedFile;
import io.github.kresconnect.filesink.protocol.TransferIntegrity;

/**
 * What a run will sign, fixed in advance, so that a co-signing key can sign it on another machine
 * ({@code resolver-publish --write-request}, {@code resolver-publish cosign}, {@code --request}): the version, the
 * fleet, how recipients are addressed and which, the chunk size, and each file's name, length, SHA-256 and transfer
 * id, in sending order. From it, every side builds the same transfers, grouped as the sender groups them
 * ({@link #groups}), and so the same signed bytes: the co-signer signs them without the files or the first key, and
 * the run that sends them uses the request's transfer ids and version.
 *
 * <p>Text, UTF-8, one field per line:
 * <pre>
 * resolver-cosign-request-v1
 * version=1764500000000
 * fleet=production
 * mode=hostname
 * chunk-size=524288
 * recipient=resolver1
 * file=&lt;transfer id&gt; &lt;length&gt; &lt;sha256&gt; &lt;name&gt;
 * </pre>
 */
record CosignRequest(long version, String fleet, RecipientMode mode, int chunkSize, List<String> recipients,
        List<Entry> files) {
    static final String FORMAT = "resolver-cosign-request-v1";

    /** One file: its name and its transfer's integrity (transfer id, length, SHA-256). */
    record Entry(String name, TransferIntegrity integrity) {
    }

    CosignRequest {
        recipients = List.copyOf(recipients);
        files = List.copyOf(files);
    }

    /** How many files a sender signs together: up to {@link SignatureBatch#PUBLISHER_LEAVES} transfers. */
    static int filesPerGroup(int recipients) {
        return Math.max(1, SignatureBatch.PUBLISHER_LEAVES / recipients);
    }

    /**
     * The transfers, file by file and within a file recipient by recipient, in the groups the sender signs together
     * ({@link FileSender}), as {@code signer} (its version and fleet) builds them.
     */
    List<List<SignedFile>> groups(TransferSigner signer) {
        List<List<SignedFile>> groups = new ArrayList<>();
        int perGroup = filesPerGroup(recipients.size());
        for (int start = 0; start < files.size(); start += perGroup) {
            List<SignedFile> group = new ArrayList<>();
            for (Entry file : files.subList(start, Math.min(files.size(), start + perGroup))) {
                for (String recipient : recipients) {
                    group.add(signer.transfer(mode, recipient, file.name(), file.integrity(), chunkSize));
                }
            }
            groups.add(group);
        }
        return groups;
    }

    /**
     * What this run would sign ({@code --write-request}): its version, fleet, recipients and chunk size, and each
     * file's transfer id (fresh), length and SHA-256 (the files are read once).
     */
    static CosignRequest of(PublishOptions options, PublishPlan plan, long version) throws PublishException {
        List<Entry> files = new ArrayList<>();
        for (PublishPlan.PlannedFile file : plan.files()) {
            files.add(new Entry(file.name(), FileSender.integrityOf(file)));
        }
        return new CosignRequest(version, options.fleet(), options.recipientMode(), plan.chunkSize(),
                options.recipients(), files);
    }

    /** The command line must send what the request fixed: the same files, recipients, fleet and chunk size. */
    void checkSends(PublishOptions options, PublishPlan plan) throws PublishException {
        List<String> names = plan.files().stream().map(PublishPlan.PlannedFile::name).toList();
        List<String> wanted = files.stream().map(Entry::name).toList();
        String differs = !names.equals(wanted) ? "files " + names + ", the request's " + wanted
                : !options.recipients().equals(recipients) ? "recipients " + options.recipients() + ", the request's "
                        + recipients
                : options.recipientMode() != mode ? "how recipients are addressed"
                : !options.fleet().equals(fleet) ? "fleet '" + options.fleet() + "', the request's '" + fleet + "'"
                : plan.chunkSize() != chunkSize ? "chunk size " + plan.chunkSize() + ", the request's " + chunkSize
                : null;
        if (differs != null) {
            throw new PublishException(ExitCode.USAGE, "--request " + options.request().orElseThrow() + ": this "
                    + "command sends " + differs + ": give the command line the request was written with");
        }
    }

    /** Writes the request ({@code --write-request FILE}) and says what to do next; nothing is sent. */
    void write(Path file, java.io.PrintStream out) throws PublishException {
        write(file);
        out.println("Wrote the co-signing request for " + files.size() + " file(s) at file version " + version
                + " to " + file + "; nothing was sent. Co-sign it with 'resolver-publish cosign --key KEYFILE --out "
                + "FILE " + file + "', then run this command with --request " + file + " --cosignature FILE instead "
                + "of --write-request.");
    }

    String text() {
        StringBuilder out = new StringBuilder(FORMAT).append('\n');
        out.append("version=").append(version).append('\n');
        out.append("fleet=").append(fleet).append('\n');
        out.append("mode=").append(mode == RecipientMode.ZONE_ID ? "zone-id" : "hostname").append('\n');
        out.append("chunk-size=").append(chunkSize).append('\n');
        recipients.forEach(r -> out.append("recipient=").append(r).append('\n'));
        files.forEach(f -> out.append("file=").append(f.integrity().transferId()).append(' ')
                .append(f.integrity().length()).append(' ').append(f.integrity().sha256Hex()).append(' ')
                .append(f.name()).append('\n'));
        return out.toString();
    }

    void write(Path file) throws PublishException {
        try {
            Files.writeString(file, text(), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new PublishException(ExitCode.FILE, "'" + file + "' exists: the request is not overwritten", e);
        } catch (IOException e) {
            throw new PublishException(ExitCode.FILE, "cannot write '" + file + "': " + e.getMessage(), e);
        }
    }

    static CosignRequest read(Path file) throws PublishException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PublishException(ExitCode.USAGE, "cannot read the co-signing request '" + file + "': "
                    + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new PublishException(ExitCode.USAGE, "'" + file + "' is not a co-signing request: "
                    + e.getMessage(), e);
        }
    }

    /** The request's text, checked field by field; its own canonical form, or it is refused. */
    static CosignRequest parse(String text) {
        List<String> lines = List.of(text.split("\n", -1));
        if (lines.size() < 6 || !lines.get(0).equals(FORMAT) || !lines.get(lines.size() - 1).isEmpty()) {
            throw new IllegalArgumentException("expected '" + FORMAT + "' and one field per line");
        }
        long version = Long.parseLong(field(lines.get(1), "version"));
        String fleet = field(lines.get(2), "fleet");
        String modeText = field(lines.get(3), "mode");
        RecipientMode mode = switch (modeText) {
            case "hostname" -> RecipientMode.HOSTNAME;
            case "zone-id" -> RecipientMode.ZONE_ID;
            default -> throw new IllegalArgumentException("mode " + FileNames.quote(modeText));
        };
        int chunkSize = Integer.parseInt(field(lines.get(4), "chunk-size"));
        List<String> recipients = new ArrayList<>();
        List<Entry> files = new ArrayList<>();
        for (String line : lines.subList(5, lines.size() - 1)) {
            if (line.startsWith("recipient=") && files.isEmpty()) {
                recipients.add(field(line, "recipient"));
            } else if (line.startsWith("file=")) {
                String[] parts = field(line, "file").split(" ", 4);
                if (parts.length != 4 || !ProtocolHeaders.isTransferId(parts[0]) || !ProtocolHeaders.isDecimal(parts[1])
                        || !ProtocolHeaders.isSha256(parts[2]) || parts[3].isEmpty()) {
                    throw new IllegalArgumentException("line " + FileNames.quote(line));
                }
                files.add(new Entry(parts[3], new TransferIntegrity(parts[0], Long.parseLong(parts[1]), parts[2])));
            } else {
                throw new IllegalArgumentException("line " + FileNames.quote(line));
            }
        }
        if (recipients.isEmpty() || files.isEmpty() || version < 0 || chunkSize < 1) {
            throw new IllegalArgumentException("no recipient, no file, or a negative number");
        }
        CosignRequest request = new CosignRequest(version, fleet, mode, chunkSize, recipients, files);
        if (!request.text().equals(text)) {
            throw new IllegalArgumentException("not in its canonical form");
        }
        return request;
    }

    private static String field(String line, String name) {
        if (!line.startsWith(name + "=")) {
            throw new IllegalArgumentException("expected '" + name + "=' in line " + FileNames.quote(line));
        }
        return line.substring(name.length() + 1);
    }
}
