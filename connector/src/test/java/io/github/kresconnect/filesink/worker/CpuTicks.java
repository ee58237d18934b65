package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time as Linux's /proc counts it, in ticks of {@link #MILLIS_PER_TICK} ms (USER_HZ is 100 on Linux): a
 * process's or a thread's (utime + stime of its stat line) and the whole machine's (every CPU's time outside idle
 * and I/O wait, from /proc/stat: every process, the kernel's own threads and interrupts included). -1 where /proc
 * does not have it (not Linux, or the process is gone).
 */
final class CpuTicks {
    static final long MILLIS_PER_TICK = 10;

    private CpuTicks() {
    }

    /** utime + stime of a /proc/PID/stat or /proc/PID/task/TID/stat line. */
    static long ofStatLine(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** stime alone (the time in the kernel, on the process's or thread's behalf) of such a line. */
    static long inKernelOfStatLine(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[12]);
    }

    /** The CPU time process {@code pid} used so far. */
    static long ofProcess(long pid) {
        try {
            return ofStatLine(Files.readString(Path.of("/proc/" + pid + "/stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The machine's busy time so far, summed over its CPUs: user, nice, system, irq, softirq and steal. */
    static long ofMachine() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] fields = cpu.trim().split("\\s+");
            if (!fields[0].equals("cpu")) {
                return -1;
            }
            long busy = 0;
            for (int i = 1; i < fields.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(fields[i]);
                }
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The number of CPUs this JVM may use. */
    static int cpus() {
        return Runtime.getRuntime().availableProcessors();
    }
}
