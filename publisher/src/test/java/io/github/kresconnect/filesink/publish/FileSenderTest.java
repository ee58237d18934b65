package io.github.kresconnect.filesink.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.protocol.ProtocolHeaders;
import io.github.kresconnect.filesink.publish.FileSender.Destination;

/** What the sender hands the producer: every record of a file carries that file's transfer integrity. */
class FileSenderTest {
    @TempDir
    Path dir;

    private Path randomFile(String name, int size, long seed) throws Exception {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        return Files.write(dir.resolve(name), content);
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static Map<String, String> headers(ProducerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    private List<ProducerRecord<byte[], byte[]>> send(List<String> recipients, String... args) throws Exception {
        List<String> all = new ArrayList<>();
        recipients.forEach(r -> all.addAll(List.of("--to", r)));
        all.addAll(List.of(args));
        PublishOptions options = PublishOptions.parse(all);
        PublishPlan plan = PublishPlan.build(options);
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        List<Destination> destinations = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            destinations.add(new Destination("t", recipients.get(i), i));
        }
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        new FileSender(producer, RecipientMode.HOSTNAME, destinations,
                new Progress(err, false, true, plan, destinations.size())).send(plan);
        return producer.history();
    }

    @Test
    void everyRecordOfAFileCarriesOneTransferIdAndTheWholeFilesLengthAndDigest() throws Exception {
        Path big = randomFile("big.rpz", 2500, 1);
        Path small = randomFile("small.rpz", 10, 2);
        Path empty = Files.write(dir.resolve("empty.rpz"), new byte[0]);
        List<ProducerRecord<byte[], byte[]>> records = send(List.of("r1", "r2"), "--chunk-size", "1000",
                big.toString(), small.toString(), empty.toString());
        assertEquals(10, records.size(), "3 chunks, a whole file and an empty file, for two recipients");

        Map<String, List<ProducerRecord<byte[], byte[]>>> byFile = new LinkedHashMap<>();
        records.forEach(r -> byFile.computeIfAbsent(headers(r).get("file-name"), f -> new ArrayList<>()).add(r));
        Map<String, Path> paths = Map.of("big.rpz", big, "small.rpz", small, "empty.rpz", empty);
        List<String> transferIds = new ArrayList<>();
        for (Map.Entry<String, List<ProducerRecord<byte[], byte[]>>> file : byFile.entrySet()) {
            Path path = paths.get(file.getKey());
            String transferId = headers(file.getValue().get(0)).get("transfer-id");
            assertTrue(ProtocolHeaders.isTransferId(transferId), transferId);
            transferIds.add(transferId);
            for (ProducerRecord<byte[], byte[]> record : file.getValue()) {
                Map<String, String> headers = headers(record);
                assertEquals(transferId, headers.get("transfer-id"), "one transfer id on every record of "
                        + file.getKey() + ", for every recipient");
                assertEquals(Long.toString(Files.size(path)), headers.get("file-length"));
                assertEquals(sha256(path), headers.get("file-sha256"));
            }
        }
        assertEquals(3, Set.copyOf(transferIds).size(), "a fresh transfer id per file: " + transferIds);
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                headers(byFile.get("empty.rpz").get(0)).get("file-sha256"));

        // The chunks, in order, are the file.
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        byFile.get("big.rpz").stream().filter(r -> headers(r).get("hostname").equals("r1"))
                .forEach(r -> joined.writeBytes(r.value()));
        assertArrayEquals(Files.readAllBytes(big), joined.toByteArray());
    }

    @Test
    void sendingTheSameFileAgainIsAnotherTransfer() throws Exception {
        Path file = randomFile("a.rpz", 100, 3);
        String first = headers(send(List.of("r1"), file.toString()).get(0)).get("transfer-id");
        String second = headers(send(List.of("r1"), file.toString()).get(0)).get("transfer-id");
        assertNotEquals(first, second);
    }

    @Test
    void aConfigChangedAfterItWasValidatedIsNotSent() throws Exception {
        Path data = randomFile("a.rpz", 100, 4);
        Path config = Files.writeString(dir.resolve("config.yaml"), "a: 1\n");
        PublishPlan plan = PublishPlan.build(PublishOptions.parse(List.of("--to", "r1", data.toString(),
                config.toString())));
        // Same size, no longer what was validated (here: no longer valid at all).
        Files.writeString(config, "- 12\n");
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        PublishException e = assertThrows(PublishException.class, () -> new FileSender(producer,
                RecipientMode.HOSTNAME, List.of(new Destination("t", "r1", 0)),
                new Progress(err, false, true, plan, 1)).send(plan));
        assertEquals(ExitCode.FILE, e.exitCode());
        assertTrue(e.getMessage().contains("config.yaml': it changed after it was validated"), e.getMessage());
        assertEquals(List.of("a.rpz"), producer.history().stream().map(r -> headers(r).get("file-name")).toList(),
                "the data file went, the config did not");
    }
}
