package io.github.kresconnect.filesink.publish;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One in-process run of the command, with what it printed. */
record PublisherRun(int exitCode, String out, String err) {

    static PublisherRun run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = new PublishCommand(outStream, errStream, false).run(args);
        }
        return new PublisherRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A run against the broker at {@code bootstrapServers} ({@code --bootstrap-server} first). */
    static PublisherRun against(String bootstrapServers, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = bootstrapServers;
        System.arraycopy(args, 0, all, 2, args.length);
        return run(all);
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
