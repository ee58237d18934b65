package io.github.kresconnect.filesink.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * The disk's limit fed by Connect, for the benchmark (a plugin of its own in the worker's plugin path): a sink that
 * does for each record nothing but what the disk's limit does for each file, its value written to file
 * {@code f<offset>} aside by a thread of its own while the task polls on (as the connector's writer thread does),
 * and once {@code files} records are written, one syncfs(2), each file renamed into place in record order and one
 * fsync of the directory. No journal, digest, header, receipt or offset of its own: the least a sink in a Connect
 * worker does for durable files, with Connect's consumer, converters and task loop on the same CPUs. Reads one
 * partition from offset 0 (a fresh group) with the byte-array value converter.
 */
public final class DiskLimitSink extends SinkConnector {
    static final String DIR = "dir";
    static final String FILES = "files";
    private Map<String, String> config;

    @Override
    public void start(Map<String, String> props) {
        config = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return LimitTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of(config);
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef()
                .define(DIR, ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "Where the files go")
                .define(FILES, ConfigDef.Type.INT, ConfigDef.Importance.HIGH, "How many records to write");
    }

    @Override
    public String version() {
        return "1";
    }

    /** The task: hands each batch to its writer thread, which publishes all files once the last is written. */
    public static final class LimitTask extends SinkTask {
        private Path dir;
        private Path aside;
        private int files;
        private int taken;
        private ExecutorService writer;
        private volatile IOException failure;

        @Override
        public void start(Map<String, String> props) {
            dir = Path.of(props.get(DIR));
            files = Integer.parseInt(props.get(FILES));
            try {
                aside = Files.createDirectories(dir.resolve("aside"));
            } catch (IOException e) {
                throw new ConnectException(e);
            }
            writer = Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "disk-limit-sink-write"));
        }

        @Override
        public void put(Collection<SinkRecord> records) {
            if (failure != null) {
                throw new ConnectException(failure);
            }
            if (records.isEmpty() || taken >= files) {
                return;
            }
            List<byte[]> values = new ArrayList<>(records.size());
            for (SinkRecord record : records) {
                if (taken + values.size() < files) {
                    values.add((byte[]) record.value());
                }
            }
            int from = taken;
            taken += values.size();
            boolean last = taken == files;
            writer.execute(() -> {
                try {
                    for (int i = 0; i < values.size(); i++) {
                        AsideFiles.write(aside, from + i, values.get(i));
                    }
                    if (last) {
                        AsideFiles.publish(dir, aside, files);
                    }
                } catch (IOException e) {
                    failure = e;
                }
            });
        }

        @Override
        public void stop() {
            if (writer != null) {
                writer.shutdownNow();
            }
        }

        @Override
        public String version() {
            return "1";
        }
    }
}
