package io.github.kresconnect.filesink.notify;

import static io.github.kresconnect.filesink.notify.ManagerRequest.RELOAD;
import static io.github.kresconnect.filesink.notify.ManagerRequest.RENEW;
import static io.github.kresconnect.filesink.store.FileKind.CONFIG;
import static io.github.kresconnect.filesink.store.FileKind.DATA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.kresconnect.filesink.store.FileKind;

class NotificationSchedulerTest {
    private static final long QUIET = 5_000;
    private static final long MAX_DELAY = 60_000;
    private static final long BACKOFF = 1_000;
    private static final long BACKOFF_MAX = 8_000;

    @TempDir
    Path filesDir;

    private final ManualTime time = new ManualTime();
    private final RecordingSender sender = new RecordingSender();
    private double random = 0.5;

    /** Records what was sent when; fails or acts as told, one instruction per request. */
    private final class RecordingSender implements NotificationScheduler.Sender {
        record Sent(ManagerRequest request, long at) {
        }

        final List<Sent> sent = new ArrayList<>();
        final Deque<Consumer<ManagerRequest>> during = new ArrayDeque<>();
        final Deque<Boolean> outcomes = new ArrayDeque<>();
        /** What a failing request throws, in order; a plain refusal when empty. */
        final Deque<IOException> errors = new ArrayDeque<>();

        @Override
        public void send(ManagerRequest request) throws IOException {
            sent.add(new Sent(request, time.getAsLong()));
            Consumer<ManagerRequest> action = during.poll();
            if (action != null) {
                action.accept(request);
            }
            Boolean succeeds = outcomes.poll();
            if (succeeds != null && !succeeds) {
                IOException error = errors.poll();
                throw error != null ? error : new IOException("connection refused (as told)");
            }
        }

        List<Sent> sent() {
            return List.copyOf(sent);
        }
    }

    private NotificationScheduler scheduler(long quiet, long maxDelay) throws IOException {
        NotificationScheduler scheduler = new NotificationScheduler(
                new NotificationScheduler.Timing(Duration.ofMillis(quiet), Duration.ofMillis(maxDelay),
                        Duration.ofMillis(BACKOFF), Duration.ofMillis(BACKOFF_MAX)),
                time, () -> random, time, sender, PendingNotificationFile.open(filesDir));
        scheduler.start();
        return scheduler;
    }

    private NotificationScheduler scheduler() throws IOException {
        return scheduler(QUIET, MAX_DELAY);
    }

    private Path stateFile() {
        return filesDir.resolve(".resolver-file-sink").resolve("pending-notification");
    }

    private String persisted() throws IOException {
        return Files.exists(stateFile()) ? Files.readString(stateFile()).strip() : "(none)";
    }

    /** One file published: announced before its rename, then in place. */
    private void publish(NotificationScheduler scheduler, FileKind kind) {
        changing(scheduler, kind);
        scheduler.filesPublished();
    }

    private void changing(NotificationScheduler scheduler, FileKind kind) {
        try {
            scheduler.fileChanging(kind);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static RecordingSender.Sent sent(ManagerRequest request, long at) {
        return new RecordingSender.Sent(request, at);
    }

    @Test
    void sendsOnceAQuietPeriodPassedWithoutTrigger() throws IOException {
        NotificationScheduler scheduler = scheduler();
        publish(scheduler, DATA);
        time.advanceTo(3_000);
        publish(scheduler, DATA);
        time.advanceTo(6_000);
        publish(scheduler, DATA);

        time.advanceTo(10_999);
        assertEquals(List.of(), sender.sent());

        time.advanceTo(20_000);
        assertEquals(List.of(sent(RENEW, 11_000)), sender.sent());
    }

    @Test
    void aSteadyTrickleWaitsNoLongerThanTheMaxDelay() throws IOException {
        NotificationScheduler scheduler = scheduler(QUIET, 12_000);
        for (long t = 0; t <= 20_000; t += 4_000) {
            time.advanceTo(t);
            publish(scheduler, DATA);
        }
        time.advanceTo(40_000);

        // 12 000: the max delay after the first publication. The publications at 12 000 (just after the
        // request), 16 000 and 20 000 make a second one, again capped: 12 000 ms after its own first one.
        assertEquals(List.of(sent(RENEW, 12_000), sent(RENEW, 24_000)), sender.sent());
    }

    @Test
    void aPendingReloadAbsorbsRenews() throws IOException {
        NotificationScheduler scheduler = scheduler();
        publish(scheduler, DATA);
        assertEquals("renew", persisted());
        publish(scheduler, CONFIG);
        assertEquals("reload", persisted());
        publish(scheduler, DATA);
        assertEquals("reload", persisted());

        time.advanceTo(60_000);
        assertEquals(List.of(sent(RELOAD, 5_000)), sender.sent());
    }

    @Test
    void aTriggerDuringARequestGetsARequestOfItsOwnAfterIt() throws IOException {
        NotificationScheduler scheduler = scheduler();
        sender.during.add(request -> {
            time.pass(2_000); // the manager takes its time
            publish(scheduler, CONFIG);
        });
        publish(scheduler, CONFIG);

        time.advanceTo(11_999);
        assertEquals(List.of(sent(RELOAD, 5_000)), sender.sent());
        assertEquals("reload", persisted(), "the reload requested during the first one is still owed");

        time.advanceTo(60_000);
        assertEquals(List.of(sent(RELOAD, 5_000), sent(RELOAD, 12_000)), sender.sent());
        assertEquals("(none)", persisted());
    }

    @Test
    void aRenewDuringAReloadInFlightIsPersistedAndSentAfterIt() throws IOException {
        NotificationScheduler scheduler = scheduler();
        sender.during.add(request -> {
            publish(scheduler, DATA);
            try {
                assertEquals("reload", persisted(), "the reload in flight still covers the new renew");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        publish(scheduler, CONFIG);
        time.advanceTo(5_000);
        assertEquals("renew", persisted(), "the reload succeeded; the renew published during it is owed");

        time.advanceTo(60_000);
        assertEquals(List.of(sent(RELOAD, 5_000), sent(RENEW, 10_000)), sender.sent());
        assertEquals("(none)", persisted());
    }

    @Test
    void failuresAreRetriedWithADoublingJitteredBackoffUntilSuccess() throws IOException {
        NotificationScheduler scheduler = scheduler();
        random = 0.5; // each wait is 90 % of the doubled backoff
        sender.outcomes.addAll(List.of(false, false, false, true));
        publish(scheduler, CONFIG);

        time.advanceTo(100_000);
        assertEquals(List.of(sent(RELOAD, 5_000), sent(RELOAD, 5_900), sent(RELOAD, 7_700), sent(RELOAD, 11_300)),
                sender.sent());
        assertEquals("(none)", persisted());
    }

    @Test
    void theStateFileIsClearedOnlyAfterASuccess() throws IOException {
        NotificationScheduler scheduler = scheduler();
        sender.outcomes.addAll(List.of(false, false));
        scheduler.fileChanging(DATA);
        assertEquals("renew", persisted(), "durable when fileChanging returns");
        scheduler.filesPublished();

        time.advanceTo(5_000);
        assertEquals(1, sender.sent().size());
        assertEquals("renew", persisted());
        time.advanceTo(5_900);
        assertEquals(2, sender.sent().size());
        assertEquals("renew", persisted());
        time.advanceTo(7_700);
        assertEquals(3, sender.sent().size());
        assertEquals("(none)", persisted());
    }

    @Test
    void retryWaitsStayWithinTheirBoundsWhateverTheJitter() throws IOException {
        NotificationScheduler scheduler = scheduler();
        for (double r : new double[] {0.0, 0.25, 0.999_999}) {
            random = r;
            for (int failures = 1; failures <= 70; failures++) {
                long doubled = Math.min(BACKOFF_MAX, BACKOFF << Math.min(failures - 1, 20));
                long wait = scheduler.retryWait(failures);
                assertTrue(wait <= doubled && wait <= BACKOFF_MAX, failures + " failures: " + wait);
                assertTrue(wait >= (long) (doubled * (1 - NotificationScheduler.JITTER)), failures + ": " + wait);
            }
        }
        random = 0.0;
        assertEquals(List.of(1_000L, 2_000L, 4_000L, 8_000L, 8_000L),
                List.of(scheduler.retryWait(1), scheduler.retryWait(2), scheduler.retryWait(3),
                        scheduler.retryWait(4), scheduler.retryWait(5)));
    }

    @Test
    void aFailingRenewIsAbsorbedByAReloadTriggeredMeanwhile() throws IOException {
        NotificationScheduler scheduler = scheduler();
        sender.outcomes.addAll(List.of(false, true));
        sender.during.add(request -> publish(scheduler, CONFIG));
        publish(scheduler, DATA);

        time.advanceTo(100_000);
        // The renew failed at 5 000; the reload published during it covers it, sent after the backoff (900 ms)
        // and the quiet period since that publication (5 000 ms), whichever is later.
        assertEquals(List.of(sent(RENEW, 5_000), sent(RELOAD, 10_000)), sender.sent());
        assertEquals("(none)", persisted());
    }

    @Test
    void aRequestOwedByAnEarlierRunIsSentAfterOneQuietPeriod() throws IOException {
        Files.createDirectories(stateFile().getParent());
        Files.writeString(stateFile(), "reload\n");

        time.advanceTo(1_000);
        scheduler();
        time.advanceTo(5_999);
        assertEquals(List.of(), sender.sent());

        time.advanceTo(60_000);
        assertEquals(List.of(sent(RELOAD, 6_000)), sender.sent());
        assertEquals("(none)", persisted());
    }

    @Test
    void anUnreadableStateFileCountsAsAPendingReload() throws IOException {
        Files.createDirectories(stateFile().getParent());
        Files.writeString(stateFile(), "garbage");

        scheduler();
        time.advanceTo(60_000);
        assertEquals(List.of(sent(RELOAD, 5_000)), sender.sent());
    }

    @Test
    void theStateFileIsRewrittenOnlyWhenItsValueChanges() throws IOException {
        NotificationScheduler scheduler = scheduler();
        publish(scheduler, DATA);
        Object inode = Files.getAttribute(stateFile(), "unix:ino");
        for (int i = 0; i < 5; i++) {
            publish(scheduler, DATA);
        }
        assertEquals(inode, Files.getAttribute(stateFile(), "unix:ino"), "an atomic rewrite makes a new inode");

        publish(scheduler, CONFIG);
        assertFalse(inode.equals(Files.getAttribute(stateFile(), "unix:ino")));
        assertEquals("reload", persisted());
        assertEquals(List.of("pending-notification"), listStateDir());
    }

    /**
     * A stream of publications within one quiet period: each round's files are appended to the state file, not
     * every file owed so far rewritten; a newer change of a file replaces its line on reading, and a torn last
     * line (a crash while appending, before those files were published) is skipped.
     */
    @Test
    void filesOwedForTheSameRequestAreAppendedAndReadBackWhole() throws IOException {
        NotificationScheduler scheduler = scheduler();
        scheduler.fileChanging(DATA, List.of(new ChangedFile("a.rpz", "t1", 1, "aa")));
        scheduler.filesPublished();
        Object inode = Files.getAttribute(stateFile(), "unix:ino");
        String first = Files.readString(stateFile());
        scheduler.fileChanging(DATA, List.of(new ChangedFile("b.rpz", null, -1, "bb"),
                new ChangedFile("a.rpz", "t2", 2, "a2")));
        scheduler.filesPublished();
        assertEquals(inode, Files.getAttribute(stateFile(), "unix:ino"), "appended, not rewritten");
        String appended = Files.readString(stateFile());
        assertTrue(appended.startsWith(first), appended);
        assertEquals(first.lines().count() + 2, appended.lines().count(), appended);

        Files.writeString(stateFile(), "{\"file\":\"c.rp", java.nio.file.StandardOpenOption.APPEND);
        PendingNotificationFile reread = PendingNotificationFile.open(filesDir);
        assertEquals(java.util.Optional.of(RENEW), reread.get());
        assertEquals(List.of(new ChangedFile("a.rpz", "t2", 2, "a2"), new ChangedFile("b.rpz", null, -1, "bb")),
                reread.files());

        scheduler.fileChanging(CONFIG, List.of(new ChangedFile("c.json", null, -1, "cc")));
        assertFalse(inode.equals(Files.getAttribute(stateFile(), "unix:ino")), "another request: rewritten whole");
        assertEquals(List.of("reload", "a.rpz", "b.rpz", "c.json"), Files.readAllLines(stateFile()).stream()
                .map(line -> line.startsWith("{") ? ChangedFile.fromJson(line).name() : line).toList());
    }

    /**
     * A round's cost does not grow with what is already owed: while the manager is not asked (a quiet period not
     * over, or a manager down for hours), every round of publications adds its files, and handing them over must
     * cost what these files cost, not what every file owed since the last accepted request costs. Counted in
     * bytes this thread allocates for one round of 20 files, with 40 files owed before and with 10,000.
     */
    @Test
    void aRoundCostsTheSameHoweverManyFilesAreAlreadyOwed() throws IOException {
        NotificationScheduler scheduler = scheduler();
        int[] next = {0};
        java.util.function.Supplier<List<ChangedFile>> round = () -> {
            List<ChangedFile> files = new ArrayList<>();
            for (int i = 0; i < 20; i++, next[0]++) {
                files.add(new ChangedFile("zone-" + next[0] + ".rpz", "t" + next[0], -1, "ab"));
            }
            return files;
        };
        for (int i = 0; i < 2; i++) {
            scheduler.fileChanging(DATA, round.get());
            scheduler.filesPublished();
        }
        long early = leastAllocatedByARound(scheduler, round);
        for (int i = 0; i < 500; i++) {
            scheduler.fileChanging(DATA, round.get());
            scheduler.filesPublished();
        }
        assertTrue(sender.sent().isEmpty(), "the quiet period never ended: everything is still owed");
        long late = leastAllocatedByARound(scheduler, round);
        assertTrue(late < 2 * early + 16_384, "a round with 10,000 files owed allocated " + late
                + " bytes, with 40 owed " + early);
        PendingNotificationFile reread = PendingNotificationFile.open(filesDir);
        assertEquals(next[0], reread.files().size(), "every file owed is persisted");
        assertEquals(java.util.Optional.of(RENEW), reread.get());
    }

    /** The fewest bytes this thread allocated for one round (its files made beforehand), over five rounds. */
    private static long leastAllocatedByARound(NotificationScheduler scheduler,
            java.util.function.Supplier<List<ChangedFile>> round) throws IOException {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            List<ChangedFile> files = round.get();
            long before = threads.getCurrentThreadAllocatedBytes();
            scheduler.fileChanging(DATA, files);
            scheduler.filesPublished();
            least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
        }
        return least;
    }

    @Test
    void afterCloseNothingIsSentAndTheRequestStaysOwed() throws IOException {
        NotificationScheduler scheduler = scheduler();
        publish(scheduler, CONFIG);
        scheduler.close();

        time.advanceTo(60_000);
        assertEquals(List.of(), sender.sent());
        assertEquals("reload", persisted());
    }

    @Test
    void aRequestInterruptedByCloseStaysOwed() throws IOException {
        NotificationScheduler scheduler = scheduler();
        sender.during.add(request -> scheduler.close());
        sender.outcomes.add(false);
        publish(scheduler, DATA);

        time.advanceTo(60_000);
        assertEquals(List.of(sent(RENEW, 5_000)), sender.sent());
        assertEquals("renew", persisted());
    }

    // ---- Owed before the rename, eligible only once published

    @Test
    void aRequestSentBetweenFileChangingAndFilesPublishedDoesNotClearTheOwedReload() throws IOException {
        NotificationScheduler scheduler = scheduler();
        publish(scheduler, DATA); // a renew due at 5 000

        time.advanceTo(4_000);
        scheduler.fileChanging(CONFIG); // the config's rename is under way when the timer fires
        assertEquals("reload", persisted());
        time.advanceTo(5_000);
        assertEquals(List.of(sent(RENEW, 5_000)), sender.sent(), "only what was published is requested");
        assertEquals("reload", persisted(), "the config not yet in place is still owed its reload");

        time.advanceTo(30_000);
        assertEquals(List.of(sent(RENEW, 5_000)), sender.sent(), "nothing is sent for a file not yet in place");
        scheduler.filesPublished();
        time.advanceTo(60_000);
        assertEquals(List.of(sent(RENEW, 5_000), sent(RELOAD, 35_000)), sender.sent());
        assertEquals("(none)", persisted());
    }

    @Test
    void aFileChangingDuringARequestIsNotCoveredByIt() throws IOException {
        NotificationScheduler scheduler = scheduler();
        sender.during.add(request -> {
            changing(scheduler, CONFIG);
            try {
                assertEquals("reload", persisted());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        publish(scheduler, DATA);

        time.advanceTo(5_000);
        assertEquals(List.of(sent(RENEW, 5_000)), sender.sent());
        assertEquals("reload", persisted(), "the renew succeeded; the config announced during it is owed");

        time.advanceTo(7_000);
        scheduler.filesPublished();
        time.advanceTo(60_000);
        assertEquals(List.of(sent(RENEW, 5_000), sent(RELOAD, 12_000)), sender.sent());
        assertEquals("(none)", persisted());
    }

    @Test
    void withoutQuietPeriodOrMaxDelayNothingIsSentBeforeFilesPublished() throws IOException {
        NotificationScheduler scheduler = scheduler(0, 0);
        scheduler.fileChanging(CONFIG);
        scheduler.fileChanging(DATA);

        time.advanceTo(10_000);
        assertEquals(List.of(), sender.sent());
        assertEquals("reload", persisted());

        scheduler.filesPublished();
        time.advanceTo(10_000);
        assertEquals(List.of(sent(RELOAD, 10_000)), sender.sent(), "one request for the whole group");
        assertEquals("(none)", persisted());
    }

    @Test
    void theQuietPeriodCountsFromFilesPublished() throws IOException {
        NotificationScheduler scheduler = scheduler();
        scheduler.fileChanging(DATA);
        time.advanceTo(3_000); // a large file takes its time to reach its place
        scheduler.filesPublished();

        time.advanceTo(7_999);
        assertEquals(List.of(), sender.sent());
        time.advanceTo(60_000);
        assertEquals(List.of(sent(RENEW, 8_000)), sender.sent());
    }

    @Test
    void theMaxDelayCountsFromTheFirstPublicationItCovers() throws IOException {
        NotificationScheduler scheduler = scheduler(QUIET, 12_000);
        scheduler.fileChanging(DATA);
        for (long t = 2_000; t <= 14_000; t += 3_000) {
            time.advanceTo(t);
            if (t > 2_000) {
                scheduler.fileChanging(DATA);
            }
            scheduler.filesPublished();
        }
        time.advanceTo(40_000);

        // Not 12 000 (the max delay after the first fileChanging): 14 000, the max delay after the first
        // publication. The publication at 14 000, just after that request, makes a second one.
        assertEquals(List.of(sent(RENEW, 14_000), sent(RENEW, 19_000)), sender.sent());
    }

    @Test
    void filesPublishedWithNothingAnnouncedDoesNotPostponeThePendingRequest() throws IOException {
        NotificationScheduler scheduler = scheduler();
        publish(scheduler, DATA);
        time.advanceTo(4_000);
        scheduler.filesPublished(); // for example a replay: nothing was replaced

        time.advanceTo(60_000);
        assertEquals(List.of(sent(RENEW, 5_000)), sender.sent());
    }

    @Test
    void aRequestOwedButNotYetPublishedWhenTheRunEndedIsSentAfterTheNextStart() throws IOException {
        NotificationScheduler first = scheduler();
        first.fileChanging(CONFIG); // then the worker dies, the rename maybe done, maybe not
        first.close();
        assertEquals("reload", persisted());

        time.advanceTo(1_000);
        scheduler();
        time.advanceTo(5_999);
        assertEquals(List.of(), sender.sent());
        time.advanceTo(60_000);
        assertEquals(List.of(sent(RELOAD, 6_000)), sender.sent());
        assertEquals("(none)", persisted());
    }

    @Test
    void closeKeepsWhatIsOwedButNotYetPublished() throws IOException {
        NotificationScheduler scheduler = scheduler();
        publish(scheduler, DATA);
        scheduler.fileChanging(CONFIG);
        scheduler.close();
        scheduler.filesPublished();

        time.advanceTo(60_000);
        assertEquals(List.of(), sender.sent());
        assertEquals("reload", persisted());
    }

    @Test
    void aFailedRequestDoesNotCoverWhatWasAnnouncedMeanwhile() throws IOException {
        NotificationScheduler scheduler = scheduler();
        sender.outcomes.addAll(List.of(false, true));
        sender.during.add(request -> changing(scheduler, CONFIG));
        publish(scheduler, DATA);

        time.advanceTo(30_000);
        // The renew failed at 5 000 and was retried after the backoff (900 ms); the config, not yet in place,
        // was left out of both attempts and stays owed.
        assertEquals(List.of(sent(RENEW, 5_000), sent(RENEW, 5_900)), sender.sent());
        assertEquals("reload", persisted());

        scheduler.filesPublished();
        time.advanceTo(60_000);
        assertEquals(List.of(sent(RENEW, 5_000), sent(RENEW, 5_900), sent(RELOAD, 35_000)), sender.sent());
        assertEquals("(none)", persisted());
    }

    private static IOException refused(String path) {
        return new ManagerClient.ManagerException("POST " + path + ": cannot talk to the manager at socket "
                + "/run/knot-resolver/kres-api.sock: Connection refused (SocketException)");
    }

    private static IOException answered500(String path, String body) {
        return new ManagerClient.ManagerException("POST " + path + " answered HTTP 500: " + body);
    }

    private static List<String> warnings(CapturedLog log) {
        return log.at(Level.WARN).stream().map(CapturedLog.Line::message).toList();
    }

    @Test
    void aFailingManagerIsLoggedOncePerChangeOfStateNotPerRetry() throws IOException {
        try (CapturedLog log = CapturedLog.of(NotificationScheduler.class.getName())) {
            NotificationScheduler scheduler = scheduler();
            sender.outcomes.addAll(List.of(false, false, false, false, true));
            sender.errors.addAll(List.of(refused("/reload"), refused("/reload"),
                    answered500("/reload", "{\"error\": \"a\"}"), answered500("/reload", "{\"error\": \"b\"}")));
            publish(scheduler, CONFIG);

            time.advanceTo(5_000);
            assertEquals(List.of("The resolver manager is failing: the reload request failed (POST /reload: cannot "
                    + "talk to the manager at socket /run/knot-resolver/kres-api.sock: Connection refused "
                    + "(SocketException)); retrying in 900 ms, then with a backoff up to 8000 ms until it is "
                    + "accepted. Further failures for the same reason are logged at DEBUG"), warnings(log));

            time.advanceTo(5_900);
            assertEquals(1, warnings(log).size(), "the same reason again: no WARN");

            time.advanceTo(7_700);
            assertEquals(2, warnings(log).size(), warnings(log)::toString);
            assertEquals("The resolver manager still fails, now for another reason: the reload request failed (POST "
                    + "/reload answered HTTP 500: {\"error\": \"a\"}); retrying in 3600 ms (failure 3 in a row, "
                    + "failing for 2 s)", warnings(log).get(1));

            time.advanceTo(11_300);
            assertEquals(2, warnings(log).size(), "another body of the same answer is the same reason");

            time.advanceTo(18_500);
            assertEquals(List.of(sent(RELOAD, 5_000), sent(RELOAD, 5_900), sent(RELOAD, 7_700),
                    sent(RELOAD, 11_300), sent(RELOAD, 18_500)), sender.sent());
            assertEquals(3, warnings(log).size(), warnings(log)::toString);
            assertEquals("The resolver manager works again: reload accepted after 5 attempts over 13 s",
                    warnings(log).get(2));

            // A later failure starts a new episode, with a WARN of its own.
            sender.outcomes.addAll(List.of(false, true));
            publish(scheduler, DATA);
            time.advanceTo(60_000);
            assertEquals(5, warnings(log).size(), warnings(log)::toString);
            assertTrue(warnings(log).get(3).startsWith("The resolver manager is failing: the renew request failed "
                    + "(IOException: connection refused (as told)); retrying in 900 ms"), warnings(log).get(3));
            assertEquals("The resolver manager works again: renew accepted after 2 attempts over 0 s",
                    warnings(log).get(4));
            assertTrue(log.at(Level.WARN).stream().noneMatch(CapturedLog.Line::hasStackTrace));
        }
    }

    @Test
    void aRenewAbsorbedByAReloadFailingForTheSameCauseIsNoNewWarning() throws IOException {
        try (CapturedLog log = CapturedLog.of(NotificationScheduler.class.getName())) {
            NotificationScheduler scheduler = scheduler();
            sender.outcomes.addAll(List.of(false, false, true));
            sender.errors.addAll(List.of(refused("/renew"), refused("/reload")));
            sender.during.add(request -> publish(scheduler, CONFIG));
            publish(scheduler, DATA);

            time.advanceTo(100_000);
            assertEquals(List.of(sent(RENEW, 5_000), sent(RELOAD, 10_000), sent(RELOAD, 11_800)), sender.sent());
            assertEquals(2, warnings(log).size(), warnings(log)::toString);
            assertTrue(warnings(log).get(0).contains("the renew request failed (POST /renew: cannot talk to the "
                    + "manager") && warnings(log).get(0).contains("the reload now pending covers it, requesting "
                    + "that in 5000 ms"), warnings(log).get(0));
            assertEquals("The resolver manager works again: reload accepted after 3 attempts over 6 s",
                    warnings(log).get(1));
        }
    }

    @Test
    void theKindOfAReasonLeavesOutTheRequestAndTheAnswersBody() {
        assertEquals("cannot talk to the manager at socket /s: Connection refused (SocketException)",
                NotificationScheduler.reasonKind("POST /renew/force: cannot talk to the manager at socket /s: "
                        + "Connection refused (SocketException)"));
        assertEquals("answered HTTP 503", NotificationScheduler.reasonKind("POST /reload answered HTTP 503: busy"));
        assertEquals("answered HTTP 500", NotificationScheduler.reasonKind("POST /reload answered HTTP 500"));
        assertEquals("IOException: connection refused (as told)",
                NotificationScheduler.reasonKind("IOException: connection refused (as told)"));
    }

    private List<String> listStateDir() throws IOException {
        try (var entries = Files.list(stateFile().getParent())) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
