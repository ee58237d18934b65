package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Map;

import org.apache.kafka.clients.admin.NewTopic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real standalone Connect worker, started exactly as connect-standalone.sh starts it:
 * {@code ConnectStandalone worker.properties [connector.properties ...]}. Talks to it over its REST API.
 */
final class StandaloneWorkerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LoggedProcess process;
    private final URI rest;
    private final RestCredentials credentials;
    private final HttpClient http = newClient();

    private StandaloneWorkerProcess(LoggedProcess process, URI rest, RestCredentials credentials) {
        this.process = process;
        this.rest = rest;
        this.credentials = credentials;
    }

    /**
     * Starts the worker and returns once its REST API answers. {@code restPort} must be the port of the
     * {@code listeners} setting in {@code workerProperties}.
     */
    static StandaloneWorkerProcess start(KafkaDistribution dist, Path workDir, Path logFile, int restPort,
            Path workerProperties, Path... connectorProperties) throws IOException {
        List<String> args = new ArrayList<>();
        args.add(workerProperties.toString());
        for (Path connector : connectorProperties) {
            args.add(connector.toString());
        }
        List<String> command = new ArrayList<>(dist.javaCommand(workDir, "512m",
                "org.apache.kafka.connect.cli.ConnectStandalone", args.toArray(String[]::new)));
        // A worker config with the REST API's Basic authentication gets its credentials as the install does.
        RestCredentials credentials = RestCredentials.forWorker(workerProperties).orElse(null);
        if (credentials != null) {
            command.add(1, credentials.jvmOption());
        }
        LoggedProcess process = LoggedProcess.start("Connect worker (" + dist + ")", command, workDir, logFile);
        return attach(process, restPort, credentials);
    }

    /**
     * A worker started by the caller (with a command line of its own); returns once its REST API on
     * {@code restPort} answers, or fails (stopping it) if it exits first.
     */
    static StandaloneWorkerProcess attach(LoggedProcess process, int restPort, RestCredentials credentials) {
        StandaloneWorkerProcess worker = new StandaloneWorkerProcess(process, URI.create("http://127.0.0.1:" + restPort),
                credentials);
        try {
            Await.until("the worker's REST API", START_TIMEOUT, () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("the worker exited before its REST API answered\n" + process.tail());
                }
                return worker.get("/").statusCode() == 200;
            }, process::tail);
            return worker;
        } catch (RuntimeException | Error e) {
            worker.close();
            throw e;
        }
    }

    /**
     * A worker on a secured broker, as users run it: the topic and the dead letter queue created, the zip
     * unzipped into {@code dir/plugins}, the shipped {@code workerFile} (its secrets directory moved by
     * {@code directories}) and the shipped resolver-sink.properties writing into {@code filesDir}; returns once
     * the connector runs.
     */
    static StandaloneWorkerProcess startShipped(KafkaDistribution dist, Path dir, BrokerProcess broker,
            String workerFile, Map<String, String> directories, Path filesDir) throws Exception {
        String dlqTopic = ShippedConfig.value("resolver-sink.properties", "errors.deadletterqueue.topic.name");
        broker.admin().createTopics(List.of(new NewTopic(FileDeliveryScenario.TOPIC, 1, (short) 1),
                new NewTopic(dlqTopic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        Path pluginPath = dir.resolve("plugins");
        HubComponent.installInto(pluginPath);
        int restPort = FreePorts.next();
        Path worker = ShippedConfig.worker(workerFile, dir, broker.sslBootstrapServers(), restPort, pluginPath,
                Map.of(), directories);
        Path sink = ShippedConfig.copy("resolver-sink.properties", dir.resolve("resolver-sink.properties"), Map.of(
                "files.dir", filesDir.toString(),
                "manager.socket.path", dir.resolve("kres-api.sock").toString()));
        StandaloneWorkerProcess connect = start(dist, dir, dir.resolve("worker.log"), restPort, worker, sink);
        try {
            connect.awaitRunning(ShippedConfig.value("resolver-sink.properties", "name"), Duration.ofSeconds(90));
            return connect;
        } catch (RuntimeException | Error e) {
            connect.close();
            throw e;
        }
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(rest.resolve(path)).timeout(Duration.ofSeconds(30)).GET(), true);
    }

    HttpResponse<String> put(String path, String json) throws IOException, InterruptedException {
        return put(path, json, true);
    }

    /** A PUT, with the worker's REST credentials or (to check that it is refused) without. */
    HttpResponse<String> put(String path, String json, boolean withCredentials)
            throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(rest.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)), withCredentials);
    }

    /**
     * Any request, with the worker's REST credentials (when it has any) or without. One without goes on a
     * connection of its own: the worker refuses it with 401 before reading its body, and may then close the
     * connection, which a client that pooled it sees only when it sends the next request there ("header parser
     * received no bytes", for a method the client does not retry).
     */
    HttpResponse<String> send(HttpRequest.Builder request, boolean withCredentials)
            throws IOException, InterruptedException {
        if (withCredentials && credentials != null) {
            credentials.apply(request);
        }
        HttpClient client = withCredentials ? http : newClient();
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    URI rest() {
        return rest;
    }

    RestCredentials credentials() {
        return credentials;
    }

    /** GET returning JSON; fails unless the answer is 200. */
    JsonNode getJson(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = get(path);
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** Waits until the connector and its single task are RUNNING, as the worker reports them. */
    void awaitRunning(String connector, Duration timeout) {
        Await.until("connector " + connector + " and its task to be RUNNING", timeout, () -> {
            JsonNode status = getJson("/connectors/" + connector + "/status");
            JsonNode tasks = status.path("tasks");
            if (tasks.size() == 1 && "FAILED".equals(tasks.get(0).path("state").asText())) {
                throw new AssertionError("the task FAILED: " + tasks.get(0).path("trace").asText() + "\n" + tail());
            }
            return "RUNNING".equals(status.path("connector").path("state").asText())
                    && tasks.size() == 1 && "RUNNING".equals(tasks.get(0).path("state").asText());
        }, this::tail);
    }

    String logText() {
        return process.logText();
    }

    String tail() {
        return process.tail();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Kills the worker with SIGKILL (no shutdown hooks, no final offset commit); returns its exit code. */
    int kill() throws InterruptedException {
        return process.kill();
    }

    @Override
    public void close() {
        process.close();
    }
}
