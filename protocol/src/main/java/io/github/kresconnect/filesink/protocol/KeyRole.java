package io.github.kresconnect.filesink.protocol;

import java.util.Locale;

/**
 * What a trusted key may sign ({@link KeyScope#roles}): data files, configuration files (those that make the
 * resolver reload), revocation lists ({@link RevocationList}), or freshness statements. A key trusted without a
 * scope has {@link KeyScope#DEFAULT_ROLES}: data and configuration files, as every key could before scopes.
 */
public enum KeyRole {
    /** Files that are not configuration files: zones, RPZ, lists. */
    DATA("data"),
    /** Configuration files (config.file.suffixes): a change makes the resolver reload. */
    CONFIG("config"),
    /** Revocation lists: which keys are no longer trusted, and version floors to lower. */
    REVOCATION("revocation"),
    /** Signed statements of what is current (freshness); reserved for those statements. */
    TIMESTAMP("timestamp");

    private final String text;

    KeyRole(String text) {
        this.text = text;
    }

    /** As a scope writes it. */
    public String text() {
        return text;
    }

    /** The role a scope names, or null. */
    public static KeyRole of(String text) {
        for (KeyRole role : values()) {
            if (role.text.equals(text.strip().toLowerCase(Locale.ROOT))) {
                return role;
            }
        }
        return null;
    }
}
