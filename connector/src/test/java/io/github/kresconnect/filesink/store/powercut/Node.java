package io.github.kresconnect.filesink.store.powercut;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** One inode of the model: what of it is durable, and what was last known of its metadata. */
final class Node {
    enum Kind {
        FILE, DIRECTORY, SYMLINK, OTHER
    }

    static final byte[] EMPTY = new byte[0];

    final int id;
    final Kind kind;
    /** The real inode's {@code fileKey()}, as it was when this node was made. */
    final Object key;
    /** A file's content as of its last force (empty if never forced). */
    byte[] durable = EMPTY;
    /** A directory's entries as of its last force (empty if never forced). */
    Map<String, Node> durableEntries = new TreeMap<>();
    /** A symbolic link's target, fixed when the link is made. */
    Path linkTarget;
    /** The last mode seen; the mode at the cut wins when the node is in the image. */
    Set<PosixFilePermission> permissions;

    Node(int id, Kind kind, Object key) {
        this.id = id;
        this.kind = kind;
        this.key = key;
    }

    @Override
    public String toString() {
        return kind + "#" + id;
    }
}
