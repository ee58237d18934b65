/**
 * A test-only file system layer that simulates a power cut.
 *
 * <p>{@link io.github.kresconnect.filesink.store.powercut.PowerCutFileSystem} wraps a real directory and hands
 * out {@link java.nio.file.Path}s whose every operation goes to the real file system, while a model keeps apart
 * what was <em>written</em> (the real tree) from what was made <em>durable</em>:
 * <ul>
 *   <li>everything under the root when the layer is created is durable;</li>
 *   <li>a file's data becomes durable by {@code force} on a channel to that file (either argument; any channel
 *       to the same inode counts, as with fsync(2)): its whole content at that moment;</li>
 *   <li>a directory's entries (creations, renames, deletions, hard links, new subdirectories) become durable
 *       by {@code force} on a channel opened on that directory: its entries as they are at that moment;</li>
 *   <li>a barrier ({@code DurabilityBarrier}, as syncfs(2)) makes every file's data and every directory's entries
 *       under the root durable at once, as they are at that moment;</li>
 *   <li>files are tracked by inode ({@code fileKey()}), and a freshly created file is a new inode in the model even
 *       when the real inode number was used before.</li>
 * </ul>
 * A cut freezes an image of the real tree; {@code reboot} then rebuilds the real tree from the durable state
 * (and, depending on the variant, from the image) and a new layer starts over it.
 */
package io.github.kresconnect.filesink.store.powercut;
