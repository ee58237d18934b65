package io.github.kresconnect.filesink.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.config.RecipientMode;
import io.github.kresconnect.filesink.notify.CapturedLog;

class SkippedRecipientsTest {
    private static final long MINUTE = 60_000;
    private static final String SELF = "hostname 'resolver1' (resolver.hostname, or the machine's host name when "
            + "that is empty), recipient.mode=hostname";

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final SkippedRecipients byHostname = new SkippedRecipients(RecipientMode.HOSTNAME, "resolver1", Set.of(),
            now::get);

    private Optional<String> skipHost(String host) {
        return byHostname.skipped(host, "some.rpz");
    }

    @Test
    void theFirstSkippedRecordIsLoggedAtOnceWithAHintWhenTheNamesLookAlike() {
        assertEquals(Optional.of("Skipped a record for another recipient (hostname 'resolver1.example.net'); this "
                + "host takes records for " + SELF + ". Hint: 'resolver1.example.net' is this host's name "
                + "'resolver1' with a domain suffix; host names are compared exactly: send to 'resolver1', or set "
                + "resolver.hostname=resolver1.example.net. While only other recipients' records arrive, a summary "
                + "follows at most every 300 s"), skipHost("resolver1.example.net"));
        assertEquals(Optional.empty(), skipHost("resolver1.example.net"), "not again before the interval");
    }

    @Test
    void aSummaryFollowsAtMostEveryFiveMinutesWithTheTopRecipients() {
        skipHost("resolver2"); // the early line; counted there
        for (int i = 0; i < 5; i++) {
            skipHost("Resolver1");
        }
        for (int i = 0; i < 3; i++) {
            skipHost("resolver2");
        }
        skipHost("resolver3");
        skipHost("resolver4");
        now.addAndGet(5 * MINUTE - 1);
        assertEquals(Optional.empty(), skipHost("resolver5"));
        now.addAndGet(1);
        assertEquals(Optional.of("Skipped 12 records for other recipients in the last 300 s, none for this host: "
                + "hostname 'Resolver1' (5), hostname 'resolver2' (3), hostname 'resolver5' (2) and 2 records for 2 "
                + "other recipients. This host takes records for " + SELF + ". Hint: 'Resolver1' differs from this "
                + "host's name 'resolver1' only in case; host names are compared exactly: send to 'resolver1', or "
                + "set resolver.hostname=Resolver1."), skipHost("resolver5"));

        now.addAndGet(MINUTE);
        assertEquals(Optional.empty(), skipHost("resolver2"), "the next one is five minutes later");
        now.addAndGet(4 * MINUTE);
        assertEquals(Optional.of("Skipped 2 records for other recipients in the last 300 s, none for this host: "
                + "hostname 'resolver2' (2). This host takes records for " + SELF + "."), skipHost("resolver2"));
    }

    @Test
    void aHostThatAlsoGetsItsOwnRecordsOnlySummarisesAtDebug() {
        byHostname.own();
        assertEquals(Optional.empty(), skipHost("resolver2"), "no early line once a record for this host came");
        byHostname.own();
        now.addAndGet(5 * MINUTE);
        assertEquals(Optional.empty(), skipHost("resolver2"), "a record for this host came in the interval");
        now.addAndGet(5 * MINUTE);
        assertTrue(skipHost("resolver2").orElseThrow().startsWith("Skipped 1 record for other recipients in the last "
                + "300 s, none for this host: hostname 'resolver2' (1)."));
        byHostname.own();
        now.addAndGet(5 * MINUTE);
        assertEquals(Optional.empty(), skipHost("resolver2"));
    }

    @Test
    void zoneIdsAreNamedAndCompared() {
        SkippedRecipients byZone = new SkippedRecipients(RecipientMode.ZONE_ID, "resolver1", Set.of("dc-east"),
                now::get);
        assertEquals(Optional.of("Skipped a record for another recipient (zone id 'DC-East'); this host takes "
                + "records for zone ids 'dc-east' (resolver.zone.ids), recipient.mode=zone-id. Hint: 'DC-East' "
                + "differs from this host's zone id 'dc-east' only in case or spaces; zone ids are compared exactly. "
                + "While only other recipients' records arrive, a summary follows at most every 300 s"),
                byZone.skipped(null, "DC-East"));
    }

    @Test
    void aHostNameWithoutItsDomainAndControlCharactersAreShownSafely() {
        SkippedRecipients fqdn = new SkippedRecipients(RecipientMode.HOSTNAME, "resolver1.example.net", Set.of(),
                now::get);
        assertTrue(fqdn.skipped("resolver1", null).orElseThrow().contains("Hint: 'resolver1' is this host's name "
                + "'resolver1.example.net' without its domain"));
        now.addAndGet(5 * MINUTE);
        assertTrue(fqdn.skipped("evil\nINFO forged", null).orElseThrow().contains("'evil\\x0aINFO forged'"));
    }

    @Test
    void theReaderFeedsTheSummaryAndALineWithAHintIsAWarning() throws Exception {
        try (CapturedLog log = CapturedLog.of(SkippedRecipients.class.getName())) {
            FilePartReader reader = new FilePartReader(RecipientMode.HOSTNAME, "resolver1", Set.of(), 100,
                    new SkippedRecipients(RecipientMode.HOSTNAME, "resolver1", Set.of(), now::get));
            ConnectHeaders headers = new ConnectHeaders();
            headers.addString("hostname", "resolver1.example.net");
            SinkRecord other = new SinkRecord("knot-resolver", 0, Schema.OPTIONAL_STRING_SCHEMA, "a.rpz",
                    Schema.OPTIONAL_BYTES_SCHEMA, new byte[] {1}, 7, null, null, headers);
            assertEquals(Optional.empty(), reader.read(other));
            assertEquals(Optional.empty(), reader.read(other));
            // A domain suffix: most likely this host's own name, so a WARN that journalctl -p warning shows.
            List<CapturedLog.Line> lines = log.at(Level.WARN);
            assertEquals(1, lines.size(), lines::toString);
            assertTrue(lines.get(0).message().startsWith("Skipped a record for another recipient (hostname "
                    + "'resolver1.example.net')") && lines.get(0).message().contains(" Hint: "), lines::toString);
            assertEquals(List.of(), log.at(Level.INFO));

            // Another host's name, with no likeness: an INFO.
            headers = new ConnectHeaders();
            headers.addString("hostname", "resolver2");
            SinkRecord unrelated = new SinkRecord("knot-resolver", 0, Schema.OPTIONAL_STRING_SCHEMA, "a.rpz",
                    Schema.OPTIONAL_BYTES_SCHEMA, new byte[] {1}, 8, null, null, headers);
            FilePartReader fresh = new FilePartReader(RecipientMode.HOSTNAME, "resolver1", Set.of(), 100,
                    new SkippedRecipients(RecipientMode.HOSTNAME, "resolver1", Set.of(), now::get));
            assertEquals(Optional.empty(), fresh.read(unrelated));
            assertEquals(1, log.at(Level.INFO).size(), log.at(Level.INFO)::toString);
        }
    }
}
