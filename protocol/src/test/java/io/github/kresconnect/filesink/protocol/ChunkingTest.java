package io.github.kresconnect.filesink.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChunkingTest {
    @Test
    void defaultsAreUpstreams() {
        assertEquals(512 * 1024, Chunking.DEFAULT_CHUNK_SIZE);
        assertEquals(1, Chunking.FIRST_INDEX);
        assertTrue(Chunking.isWholeFile(1));
        assertFalse(Chunking.carriesChunkHeaders(1));
        assertTrue(Chunking.carriesChunkHeaders(2));
    }

    @Test
    void chunkCountsAndLengths() {
        assertEquals(1, Chunking.chunkCount(0, 1000));
        assertEquals(1, Chunking.chunkCount(1000, 1000));
        assertEquals(2, Chunking.chunkCount(1001, 1000));
        assertEquals(Long.MAX_VALUE / 2 + 1, Chunking.chunkCount(Long.MAX_VALUE, 2));
        assertEquals(0, Chunking.chunkLength(0, 1000, 1));
        assertEquals(1000, Chunking.chunkLength(2500, 1000, 2));
        assertEquals(500, Chunking.chunkLength(2500, 1000, 3));
        assertEquals(0, Chunking.chunkOffset(1, 1000));
        assertEquals(2000, Chunking.chunkOffset(3, 1000));
        assertEquals(3L * Integer.MAX_VALUE, Chunking.chunkOffset(4, Integer.MAX_VALUE));
    }

    @Test
    void positionsOutsideTheFileAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Chunking.chunkLength(2500, 1000, 0));
        assertThrows(IllegalArgumentException.class, () -> Chunking.chunkLength(2500, 1000, 4));
        assertThrows(IllegalArgumentException.class, () -> Chunking.checkPosition(0, 1));
        assertThrows(IllegalArgumentException.class, () -> Chunking.checkPosition(2, 1));
        assertThrows(IllegalArgumentException.class, () -> Chunking.chunkCount(-1, 1000));
        assertThrows(IllegalArgumentException.class, () -> Chunking.chunkCount(1, 0));
        Chunking.checkPosition(1, 1);
    }
}
