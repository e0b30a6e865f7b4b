package dev.grokscope.backend;

import com.sun.jna.Library;
import com.sun.jna.Native;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NativeHeapTrimTest {
    private static final int BLOCK = 512;
    private static final int HEADER = 16; // glibc's chunk header on 64-bit
    private static final int BLOCKS = 400_000; // 200 MB: more than the holes a busy test JVM's heap has
    private static final int RUN = 64; // every RUN-th block stays live
    private static final long PAGE = 4096;

    /** mincore(2): which pages of a range are resident. */
    private interface LibC extends Library {
        int mincore(com.sun.jna.Pointer addr, long length, byte[] vec);
    }

    @Test
    void readsWhatTheJvmReportsGivingBack() {
        assertEquals((491L << 20) - (438L << 20), NativeHeapTrim.released("Trim native heap: RSS+Swap: 491M->438M (-54340K)"));
        assertEquals(0, NativeHeapTrim.released("Trim native heap: RSS+Swap: 100K->120K (+20K)"));
        assertEquals((1L << 30) - (512L << 20), NativeHeapTrim.released("RSS+Swap: 1G->512M"));
        assertEquals(-1, NativeHeapTrim.released("Not available"));
    }

    /**
     * Small blocks freed between live ones, the pattern ND4J's op contexts leave behind a collection:
     * glibc keeps those pages resident until the heap is trimmed. Residency is read page by page with
     * mincore for the pages wholly inside the freed memory, so what other threads of the test JVM
     * allocate or free meanwhile does not enter (the JVM's own RSS-before-and-after report, which
     * {@link NativeHeapTrim#trim()} returns, does: it said 85-94 MB alone and 22 MB once in the full suite).
     */
    @Test
    void givesBackThePagesOfFreedBlocksBetweenLiveOnes() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && NativeHeapTrim.available(),
                "System.trim_native_heap needs JDK 17.0.9+ on Linux");
        LibC libc = (LibC) Native.loadLibrary("c", LibC.class);
        NativeHeapTrim.trim();
        List<Pointer> blocks = new ArrayList<>();
        for (int i = 0; i < BLOCKS; i++) {
            Pointer p = Pointer.malloc(BLOCK);
            Pointer.memset(p, 1, BLOCK); // make its page resident
            blocks.add(p);
        }
        long[] freed = new long[BLOCKS - BLOCKS / RUN];
        int n = 0;
        for (int i = 0; i < blocks.size(); i++) {
            if (i % RUN != RUN - 1) {
                freed[n++] = blocks.get(i).address();
            }
        }
        List<long[]> freedPages = pagesInside(freed);
        for (int i = 0; i < blocks.size(); i++) {
            if (i % RUN != RUN - 1) {
                Pointer.free(blocks.get(i));
            }
        }
        long before = residentPages(libc, freedPages);
        NativeHeapTrim.trim();
        long after = residentPages(libc, freedPages);
        for (int i = RUN - 1; i < blocks.size(); i += RUN) {
            Pointer.free(blocks.get(i));
        }
        long pages = freedPages.stream().mapToLong(r -> r[1]).sum();
        assertTrue(pages > 2_000, "too few freed pages to look at: " + pages + " in " + freedPages.size() + " stretches");
        assertTrue(before > 0.9 * pages, "freed pages resident before the trim: " + before + " of " + pages);
        assertTrue(after < 0.1 * pages, "freed pages resident after the trim: " + after + " of " + pages);
    }

    /**
     * The pages wholly inside the memory of the freed blocks, as [first page, count] per stretch of blocks
     * that lie next to each other (a 16-byte chunk header apart; where malloc placed them, in fresh memory
     * or in holes earlier tests left, does not matter), less the first page of each stretch, which holds
     * the free chunk's header and list pointers.
     */
    private static List<long[]> pagesInside(long[] freed) {
        long[] a = freed.clone();
        java.util.Arrays.sort(a);
        List<long[]> out = new ArrayList<>();
        int i = 0;
        while (i < a.length) {
            int j = i;
            while (j + 1 < a.length && a[j + 1] - (a[j] + BLOCK) <= HEADER) {
                j++;
            }
            long first = (a[i] + PAGE - 1) / PAGE * PAGE + PAGE;
            long end = (a[j] + BLOCK) / PAGE * PAGE;
            if (end > first) {
                out.add(new long[] {first, (end - first) / PAGE});
            }
            i = j + 1;
        }
        return out;
    }

    private static long residentPages(LibC libc, List<long[]> ranges) {
        long resident = 0;
        for (long[] r : ranges) {
            byte[] vec = new byte[(int) r[1]];
            assertEquals(0, libc.mincore(new com.sun.jna.Pointer(r[0]), r[1] * PAGE, vec), "mincore");
            for (byte b : vec) {
                resident += b & 1;
            }
        }
        return resident;
    }
}
