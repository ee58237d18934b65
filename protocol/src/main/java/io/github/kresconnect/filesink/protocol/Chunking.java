package io.github.kresconnect.filesink.protocol;

/**
 * How a file is cut into records. A file that fits in one record is sent whole, without the chunk headers
 * (a record with {@code total-chunks} 1 and {@code chunk-index} 1 is a whole file too). A larger one is cut
 * into chunks of the chunk size (the last one shorter), numbered from 1, each carrying
 * {@link ProtocolHeaders#TOTAL_CHUNKS} and {@link ProtocolHeaders#CHUNK_INDEX} as decimal text.
 */
public final class Chunking {
    /** Upstream's chunk size, 512 KiB: well under the broker's default message.max.bytes (about 1 MiB). */
    public static final int DEFAULT_CHUNK_SIZE = 512 * 1024;
    /** Chunk indexes are 1-based. */
    public static final int FIRST_INDEX = 1;
    /** A whole file is chunk 1 of 1. */
    public static final int WHOLE_FILE_TOTAL = 1;

    private Chunking() {
    }

    /** How many records a file of that length takes: at least one (an empty file is one empty record). */
    public static long chunkCount(long fileLength, int chunkSize) {
        checkSizes(fileLength, chunkSize);
        return Math.max(WHOLE_FILE_TOTAL, fileLength / chunkSize + (fileLength % chunkSize == 0 ? 0 : 1));
    }

    /** Where chunk {@code index} (1-based) starts in the file. */
    public static long chunkOffset(int index, int chunkSize) {
        if (index < FIRST_INDEX || chunkSize < 1) {
            throw new IllegalArgumentException("chunk " + index + " of size " + chunkSize);
        }
        return (long) (index - FIRST_INDEX) * chunkSize;
    }

    /** The length of chunk {@code index} (1-based) of a file of that length. */
    public static int chunkLength(long fileLength, int chunkSize, int index) {
        long total = chunkCount(fileLength, chunkSize);
        if (index < FIRST_INDEX || index > total) {
            throw new IllegalArgumentException("chunk " + index + " of " + total);
        }
        return (int) Math.min(chunkSize, fileLength - chunkOffset(index, chunkSize));
    }

    /** Whether a file of that many chunks is a whole file (one record). */
    public static boolean isWholeFile(int totalChunks) {
        return totalChunks == WHOLE_FILE_TOTAL;
    }

    /** Whether a record of a file of that many chunks carries the chunk headers: only when there are several. */
    public static boolean carriesChunkHeaders(int totalChunks) {
        return totalChunks > WHOLE_FILE_TOTAL;
    }

    /** Checks that {@code index} is a valid 1-based position among {@code total} chunks. */
    public static void checkPosition(int index, int total) {
        if (index < FIRST_INDEX || index > total) {
            throw new IllegalArgumentException("chunk " + index + " of " + total);
        }
    }

    private static void checkSizes(long fileLength, int chunkSize) {
        if (fileLength < 0 || chunkSize < 1) {
            throw new IllegalArgumentException("file length " + fileLength + ", chunk size " + chunkSize);
        }
    }

    /**
     * The chunk size a record implies, for the signed form ({@link SignedFile.Binding#chunkSize}): the length of
     * every chunk but the last, the file's length for a whole file. From chunk {@code index} of {@code total},
     * holding {@code length} bytes, of a file of {@code fileLength} bytes: a chunk before the last is as long as
     * the chunk size; the last one holds the rest, so the size is {@code (fileLength - length) / (total - 1)}.
     * -1 when no chunk size cuts a file of that length into {@code total} chunks with this one where it is.
     */
    public static long chunkSizeOf(long fileLength, int total, int index, long length) {
        if (fileLength < 0 || total < 1 || index < FIRST_INDEX || index > total || length < 0) {
            return -1;
        }
        if (total == WHOLE_FILE_TOTAL) {
            return length == fileLength ? fileLength : -1;
        }
        long size;
        if (index < total) {
            size = length;
        } else {
            long rest = fileLength - length;
            if (rest <= 0 || rest % (total - 1) != 0) {
                return -1;
            }
            size = rest / (total - 1);
        }
        if (size < 1 || size > Integer.MAX_VALUE || chunkCount(fileLength, (int) size) != total
                || chunkLength(fileLength, (int) size, index) != length) {
            return -1;
        }
        return size;
    }
}
