package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.GarbageCollectorMXBean;
import com.sun.management.GcInfo;

import io.github.kresconnect.filesink.store.FileStore;

/**
 * A standalone Connect worker for the benchmark, started as {@code connect-standalone.sh} starts it on a
 * resolver host: {@code ConnectStandalone worker.properties} from Kafka's own jars, with the JVM options the
 * shipped unit gives kafka-run-class.sh rather than the quick-start options of the tests' workers, the connector
 * logging at INFO (its timeline logger at DEBUG, see {@link Timeline}), and JMX on loopback so the benchmark can
 * read the worker's heap. Connectors are created and deleted over the REST API, so the benchmark can time from a
 * connector's creation.
 */
final class BenchmarkWorker implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code -XX:StartFlightRecording} options for every worker, from {@code bin/benchmark --jfr}; none when empty. */
    static final String JFR_PROPERTY = "benchmark.jfr";

    private final LoggedProcess process;
    private final URI rest;
    private final int jmxPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private JMXConnector jmx;

    private BenchmarkWorker(LoggedProcess process, URI rest, int jmxPort, RestCredentials credentials) {
        this.process = process;
        this.rest = rest;
        this.jmxPort = jmxPort;
        this.credentials = credentials;
    }

    private final RestCredentials credentials;

    /** The worker's process id. */
    long pid() {
        return process.pid();
    }

    /**
     * Starts a worker in {@code dir} with the shipped worker.properties (this broker, REST port, plugin path and
     * offsets file replaced, and {@code settings}, which the shipped file must set too) and the given JVM options
     * (heap, GC and JIT, as {@link DeliveryBenchmark#unitJvmOptions()} reads them from the unit) and these variables
     * in its environment; returns once its REST API answers.
     */
    static BenchmarkWorker start(KafkaDistribution dist, Path dir, String bootstrapServers, Path pluginPath,
            List<String> jvmOptions, Map<String, String> environment, Map<String, String> settings)
            throws IOException {
        Files.createDirectories(dir);
        int restPort = FreePorts.next();
        int jmxPort = FreePorts.next();
        Path workerProperties = ShippedConfig.worker("worker.properties", dir, bootstrapServers, restPort, pluginPath,
                settings, Map.of());
        List<String> command = new ArrayList<>();
        for (String option : dist.javaCommand(dir, "2G", "org.apache.kafka.connect.cli.ConnectStandalone",
                workerProperties.toString())) {
            if (option.startsWith("-Xmx")) {
                command.addAll(jvmOptions);
                command.addAll(jmxOptions(jmxPort));
                if (Boolean.getBoolean(JFR_PROPERTY)) {
                    // Java methods sampled every millisecond: at the profile's 10 ms, scenario 2's task threads
                    // got 74 samples over 30 runs (JFR samples a few threads per period), at 1 ms 486
                    command.add("-XX:StartFlightRecording=settings=profile,method-profiling=max,dumponexit=true,"
                            + "filename=" + dir.resolve("worker.jfr"));
                }
            } else if (!option.equals("-XX:TieredStopAtLevel=1") && !option.equals("-XX:+UseSerialGC")) {
                command.add(option);
            }
        }
        RestCredentials credentials = RestCredentials.forWorker(workerProperties).orElse(null);
        if (credentials != null) {
            command.add(1, credentials.jvmOption());
        }
        // as Kafka's own connect logging config, everything at INFO; the delivery's timeline at DEBUG (a few lines a
        // round, read by Timeline)
        dist.writeLoggingConfig(dir, "INFO", Map.of(FileStore.TIMELINE_LOGGER, "DEBUG"));
        String variables = environment.keySet().stream().filter(name -> !name.startsWith("KAFKA_")).sorted()
                .map(name -> name + "=" + environment.get(name) + " ").collect(java.util.stream.Collectors.joining());
        Files.writeString(dir.resolve("command.txt"), variables + String.join(" ", command) + "\n",
                StandardCharsets.UTF_8);
        LoggedProcess process = LoggedProcess.start("Connect worker (" + dist + ")", command, dir,
                dir.resolve("worker.log"), environment);
        BenchmarkWorker worker = new BenchmarkWorker(process, URI.create("http://127.0.0.1:" + restPort), jmxPort,
                credentials);
        try {
            Await.until("the worker's REST API", START_TIMEOUT, () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("the worker exited before its REST API answered\n" + process.tail());
                }
                return worker.send(HttpRequest.newBuilder(worker.rest.resolve("/")).GET()).statusCode() == 200;
            }, process::tail);
            return worker;
        } catch (RuntimeException | Error e) {
            worker.close();
            throw e;
        }
    }

    private static List<String> jmxOptions(int port) {
        return List.of("-Dcom.sun.management.jmxremote",
                "-Dcom.sun.management.jmxremote.port=" + port,
                "-Dcom.sun.management.jmxremote.rmi.port=" + port,
                "-Dcom.sun.management.jmxremote.host=127.0.0.1",
                "-Dcom.sun.management.jmxremote.local.only=true",
                "-Dcom.sun.management.jmxremote.authenticate=false",
                "-Dcom.sun.management.jmxremote.ssl=false",
                "-Djava.rmi.server.hostname=127.0.0.1");
    }

    /**
     * Creates connector {@code name} with the shipped resolver-sink.properties, only {@code overrides} replaced
     * (the copy is kept in the worker's directory); returns when the worker has accepted it.
     */
    void createConnector(Path dir, String name, Map<String, String> overrides) throws IOException, InterruptedException {
        createConnector(dir, name, overrides, Map.of());
    }

    /**
     * As {@link #createConnector(Path, String, Map)}, with {@code extra} settings the shipped file does not set
     * (for example {@code signatures.trusted.keys}) added to the config.
     */
    void createConnector(Path dir, String name, Map<String, String> overrides, Map<String, String> extra)
            throws IOException, InterruptedException {
        Map<String, String> all = new TreeMap<>(overrides);
        all.put("name", name);
        Path file = ShippedConfig.copy("resolver-sink.properties", dir.resolve(name + ".properties"), all);
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        Map<String, String> config = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> config.put(key, properties.getProperty(key)));
        config.putAll(extra);
        put(name, config);
    }

    /** Creates connector {@code name} with {@code config} as it is (another plugin than this project's). */
    void createOtherConnector(String name, Map<String, String> config) throws IOException, InterruptedException {
        Map<String, String> all = new TreeMap<>(config);
        all.put("name", name);
        put(name, all);
    }

    private void put(String name, Map<String, String> config) throws IOException, InterruptedException {
        HttpResponse<String> response = send(HttpRequest.newBuilder(rest.resolve("/connectors/" + name + "/config"))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(config))));
        if (response.statusCode() != 201 && response.statusCode() != 200) {
            throw new IOException("creating connector " + name + " answered " + response.statusCode() + ": "
                    + response.body());
        }
    }

    /** Fails with the task's trace if the connector's task has FAILED. */
    void checkNotFailed(String name) throws IOException, InterruptedException {
        HttpResponse<String> response = send(HttpRequest.newBuilder(rest.resolve("/connectors/" + name + "/status"))
                .GET());
        if (response.statusCode() != 200) {
            return; // not created yet as far as the worker's status goes
        }
        JsonNode status = JSON.readTree(response.body());
        for (JsonNode task : status.path("tasks")) {
            if ("FAILED".equals(task.path("state").asText())) {
                throw new AssertionError("the task of " + name + " FAILED: " + task.path("trace").asText() + "\n"
                        + tail());
            }
        }
        if ("FAILED".equals(status.path("connector").path("state").asText())) {
            throw new AssertionError("connector " + name + " FAILED: " + status + "\n" + tail());
        }
    }

    /** Waits until the connector and its task are RUNNING. */
    void awaitRunning(String name, Duration timeout) {
        awaitState(name, "RUNNING", timeout);
    }

    private void awaitState(String name, String state, Duration timeout) {
        Await.until("connector " + name + " and its task " + state, timeout, () -> {
            checkNotFailed(name);
            JsonNode status = JSON.readTree(send(HttpRequest.newBuilder(
                    rest.resolve("/connectors/" + name + "/status")).GET()).body());
            JsonNode tasks = status.path("tasks");
            return state.equals(status.path("connector").path("state").asText()) && tasks.size() == 1
                    && state.equals(tasks.get(0).path("state").asText());
        }, this::tail);
    }

    /**
     * Pauses the connector and waits until its task is PAUSED: the task's consumer has paused its partitions (it
     * stays in its group), so records produced now wait for {@link #resumeConnector}.
     */
    void pauseConnector(String name) throws IOException, InterruptedException {
        changeState(name, "pause");
        awaitState(name, "PAUSED", Duration.ofSeconds(60));
    }

    /** Resumes a paused connector; returns once the worker has accepted the request. */
    void resumeConnector(String name) throws IOException, InterruptedException {
        changeState(name, "resume");
    }

    private void changeState(String name, String change) throws IOException, InterruptedException {
        HttpResponse<String> response = send(HttpRequest.newBuilder(rest.resolve("/connectors/" + name + "/"
                + change)).PUT(HttpRequest.BodyPublishers.noBody()));
        if (response.statusCode() != 202) {
            throw new IOException(change + " of connector " + name + " answered " + response.statusCode() + ": "
                    + response.body());
        }
    }

    /** Deletes the connector and waits until the worker no longer lists it (its task has stopped). */
    void deleteConnector(String name) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(rest.resolve("/connectors/" + name)).DELETE());
        Await.until("connector " + name + " deleted", Duration.ofSeconds(60), () -> {
            JsonNode list = JSON.readTree(send(HttpRequest.newBuilder(rest.resolve("/connectors")).GET()).body());
            for (JsonNode listed : list) {
                if (name.equals(listed.asText())) {
                    return false;
                }
            }
            return true;
        }, this::tail);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        if (credentials != null) {
            credentials.apply(request);
        }
        return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The worker's heap as its JVM reports it over JMX. */
    record HeapSample(long usedBytes, long committedBytes, long maxBytes, long afterLastGcBytes, long gcCount) {
    }

    /**
     * Reads the worker JVM's heap: used and committed now, and the heap pools' use right after the most recent
     * garbage collection (-1 before the first one).
     */
    /** The worker process's CPU time so far (all threads), in nanoseconds. */
    long processCpuNanos() throws IOException {
        return ManagementFactory.newPlatformMXBeanProxy(jmx(), ManagementFactory.OPERATING_SYSTEM_MXBEAN_NAME,
                com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
    }

    /** The CPU time so far of each live thread of the worker, by thread id, in nanoseconds. */
    Map<Long, Long> threadCpuNanos() throws IOException {
        return threadCpuNanos("", Map.of());
    }

    /**
     * The CPU time of the worker's live threads whose names start with {@code prefix}, in nanoseconds, less what
     * each had in {@code before} (from {@link #threadCpuNanos()}): Connect runs tasks on pooled threads, which
     * may have run earlier tasks. Returns the sum under id -1 and each thread's share under its id.
     */
    Map<Long, Long> threadCpuNanos(String prefix, Map<Long, Long> before) throws IOException {
        com.sun.management.ThreadMXBean threads = threadBean();
        return perThread(threads, prefix, before, id -> Math.max(0, threads.getThreadCpuTime(id)));
    }

    /** The bytes each live thread of the worker has allocated so far, by thread id. */
    Map<Long, Long> threadAllocatedBytes() throws IOException {
        return threadAllocatedBytes("", Map.of());
    }

    /** As {@link #threadCpuNanos(String, Map)}, the bytes allocated on the heap. */
    Map<Long, Long> threadAllocatedBytes(String prefix, Map<Long, Long> before) throws IOException {
        com.sun.management.ThreadMXBean threads = threadBean();
        return perThread(threads, prefix, before, id -> Math.max(0, threads.getThreadAllocatedBytes(id)));
    }

    private com.sun.management.ThreadMXBean threadBean() throws IOException {
        return ManagementFactory.newPlatformMXBeanProxy(jmx(), ManagementFactory.THREAD_MXBEAN_NAME,
                com.sun.management.ThreadMXBean.class);
    }

    private static Map<Long, Long> perThread(java.lang.management.ThreadMXBean threads, String prefix,
            Map<Long, Long> before, java.util.function.LongUnaryOperator measure) {
        Map<Long, Long> values = new TreeMap<>();
        long sum = 0;
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith(prefix)) {
                long value = measure.applyAsLong(info.getThreadId()) - before.getOrDefault(info.getThreadId(), 0L);
                values.put(info.getThreadId(), value);
                sum += value;
            }
        }
        if (!prefix.isEmpty()) {
            values.put(-1L, sum);
        }
        return values;
    }

    /**
     * A full collection in the worker, before a timed run: the connectors of the runs before it (each run has its
     * own, deleted when it ends) leave their objects in the old generation, and the first run to fill it would pay
     * for their collection. A host's worker runs one connector for weeks; each run still pays for its own garbage.
     */
    void collectGarbage() throws IOException {
        ManagementFactory.newPlatformMXBeanProxy(jmx(), ManagementFactory.MEMORY_MXBEAN_NAME,
                java.lang.management.MemoryMXBean.class).gc();
    }

    HeapSample heap() throws IOException, javax.management.JMException {
        MBeanServerConnection server = jmx();
        MemoryUsage heap = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.MEMORY_MXBEAN_NAME,
                java.lang.management.MemoryMXBean.class).getHeapMemoryUsage();
        List<String> heapPools = new ArrayList<>();
        for (ObjectName pool : server.queryNames(new ObjectName(ManagementFactory.MEMORY_POOL_MXBEAN_DOMAIN_TYPE
                + ",*"), null)) {
            MemoryPoolMXBean proxy = ManagementFactory.newPlatformMXBeanProxy(server, pool.toString(),
                    MemoryPoolMXBean.class);
            if (proxy.getType() == MemoryType.HEAP) {
                heapPools.add(proxy.getName());
            }
        }
        long afterGc = -1;
        long latestGcEnd = -1;
        long gcCount = 0;
        Set<ObjectName> collectors = server.queryNames(
                new ObjectName(ManagementFactory.GARBAGE_COLLECTOR_MXBEAN_DOMAIN_TYPE + ",*"), null);
        for (ObjectName name : collectors) {
            GarbageCollectorMXBean collector = ManagementFactory.newPlatformMXBeanProxy(server, name.toString(),
                    GarbageCollectorMXBean.class);
            gcCount += Math.max(0, collector.getCollectionCount());
            GcInfo last = collector.getLastGcInfo();
            if (last != null && last.getEndTime() > latestGcEnd) {
                latestGcEnd = last.getEndTime();
                long sum = 0;
                for (Map.Entry<String, MemoryUsage> pool : last.getMemoryUsageAfterGc().entrySet()) {
                    if (heapPools.contains(pool.getKey())) {
                        sum += pool.getValue().getUsed();
                    }
                }
                afterGc = sum;
            }
        }
        return new HeapSample(heap.getUsed(), heap.getCommitted(), heap.getMax(), afterGc, gcCount);
    }

    /** A long attribute of the connector's task metrics bean, or -1 when it is not (yet) registered. */
    long taskMetric(String connector, String attribute) {
        try {
            ObjectName name = new ObjectName("io.github.kresconnect.filesink:type=task-metrics,connector="
                    + ObjectName.quote(connector) + ",task=0");
            Object value = jmx().getAttribute(name, attribute);
            return value instanceof Number number ? number.longValue() : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private synchronized MBeanServerConnection jmx() throws IOException {
        if (jmx == null) {
            jmx = JMXConnectorFactory.connect(new JMXServiceURL(
                    "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi"));
        }
        return jmx.getMBeanServerConnection();
    }

    Path log() {
        return process.log();
    }

    /** One thread of the worker process as /proc shows it: its name now and its CPU time so far, in ticks. */
    record NativeThread(String name, long ticks, long inKernelTicks) {
    }

    /**
     * Every thread of the worker process, JVM threads included (JIT compilers, GC, VM thread), by thread id, from
     * /proc/PID/task; empty where that is not there. Names have their digits replaced by '#'.
     */
    Map<Long, NativeThread> nativeThreads() {
        return nativeThreads(process.pid());
    }

    /** As {@link #nativeThreads()}, for any process. */
    static Map<Long, NativeThread> nativeThreads(long pid) {
        Map<Long, NativeThread> threads = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+",
                            "#");
                    threads.put(Long.parseLong(task.getFileName().toString()),
                            new NativeThread(name, CpuTicks.ofStatLine(stat), CpuTicks.inKernelOfStatLine(stat)));
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return threads;
    }

    /**
     * The CPU time each thread used between two readings of {@link #nativeThreads()}, summed by the threads' names
     * at the second, in milliseconds (a pooled thread renamed meanwhile counts under its new name, for its use
     * since); {@code inKernel}: the time in the kernel alone.
     */
    static Map<String, Long> millisBetween(Map<Long, NativeThread> before, Map<Long, NativeThread> after,
            boolean inKernel) {
        Map<String, Long> millis = new TreeMap<>();
        after.forEach((tid, now) -> {
            NativeThread then = before.get(tid);
            long used = inKernel ? now.inKernelTicks() - (then == null ? 0 : then.inKernelTicks())
                    : now.ticks() - (then == null ? 0 : then.ticks());
            millis.merge(now.name(), used * CpuTicks.MILLIS_PER_TICK, Long::sum);
        });
        return millis;
    }

    /** The worker process's resident set size now (VmRSS of /proc/PID/status), in bytes; -1 where unknown. */
    long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    String tail() {
        return process.tail();
    }

    @Override
    public synchronized void close() {
        try {
            if (jmx != null) {
                jmx.close();
            }
        } catch (IOException e) {
            // the worker is going anyway
        } finally {
            process.close();
        }
    }
}
