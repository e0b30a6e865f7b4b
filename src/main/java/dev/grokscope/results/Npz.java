package dev.grokscope.results;

import dev.grokscope.BadInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a numpy {@code .npz} archive ({@code np.savez}, {@code np.savez_compressed}): a zip whose entries
 * {@code <name>.npy} are .npy arrays; float64 and float32 arrays are read (see {@link Npy#decode}).
 */
public final class Npz {
    /** Larger entries are refused rather than read into memory. */
    static final long MAX_ENTRY = 1L << 31;

    private Npz() {
    }

    /**
     * Every array of the archive by name (entry name without {@code .npy}), in archive order.
     *
     * @throws BadInputException naming the file (and entry) when it is not a readable .npz of float arrays
     */
    public static Map<String, Npy.Array> read(Path file) {
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> en = z.entries();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                if (!e.getName().endsWith(".npy")) {
                    throw new BadInputException(file + "!" + e.getName() + ": not an .npy entry; not an .npz archive");
                }
                if (e.getSize() > MAX_ENTRY) {
                    throw new BadInputException(file + "!" + e.getName() + ": entry larger than 2 GB");
                }
                byte[] b;
                try (InputStream in = z.getInputStream(e)) {
                    b = in.readAllBytes(); // checks the CRC
                }
                String name = e.getName().substring(0, e.getName().length() - ".npy".length());
                out.put(name, Npy.decode(b, file + "!" + e.getName()));
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException b) {
                throw b;
            }
            throw new BadInputException(file + ": unreadable or corrupt .npz (" + e.getMessage() + ")");
        }
        if (out.isEmpty()) {
            throw new BadInputException(file + ": .npz archive holds no arrays");
        }
        return out;
    }
}
