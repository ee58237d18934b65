package io.github.kresconnect.filesink;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The plugin's own version, filled in by the build (never the worker's version). */
public final class Version {
    private static final String RESOURCE = "/kafka-connect-resolver-files-version.properties";
    private static final String VERSION = load();

    private Version() {
    }

    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "unknown";
            }
            Properties props = new Properties();
            props.load(in);
            return props.getProperty("version", "unknown").trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
