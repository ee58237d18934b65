package io.github.kresconnect.filesink.notify;

import java.util.PriorityQueue;
import java.util.function.LongSupplier;

/** A clock and a timer that move only when a test says so; due tasks run on the test's thread. */
final class ManualTime implements LongSupplier, NotificationScheduler.Timer {
    private record Task(long at, long order, Runnable body) {
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.at != b.at
            ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
    private long now;
    private long order;

    @Override
    public long getAsLong() {
        return now;
    }

    @Override
    public void schedule(Runnable task, long delayMillis) {
        tasks.add(new Task(now + delayMillis, order++, task));
    }

    /** Moves to {@code time}, running every task due on the way at its own time. */
    void advanceTo(long time) {
        while (!tasks.isEmpty() && tasks.peek().at() <= time) {
            Task task = tasks.poll();
            now = Math.max(now, task.at());
            task.body().run();
        }
        now = Math.max(now, time);
    }

    /** Lets time pass without running anything, as during a request the sender waits for. */
    void pass(long millis) {
        now += millis;
    }
}
