package dev.grokscope.results;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grokscope.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One writer at a time for a run or a sweep: an exclusive operating-system lock ({@code fcntl}, through
 * {@link FileChannel#tryLock()}) on a lock file that also names its owner (pid, host, start time and the
 * SLURM job, if any), so that a refusal can say who holds it.
 *
 * <p>The operating system releases the lock when its process dies, however it dies (SIGKILL included),
 * so a lock file left by a dead process is stale by construction: the next writer takes it over and logs
 * the previous owner. A live owner's lock is refused with a {@link BadInputException} (exit 2) naming it.
 * On a cluster's shared file system the same holds as far as the file system honours {@code fcntl}
 * locks (NFSv4 and Lustre do; a requeued SLURM task therefore takes over its dead predecessor's lock).
 *
 * <p>A released lock empties its file but leaves it in place: deleting it would let a process that had
 * opened the old file just before lock it while a third locks a new file at the same path.
 */
public final class WriterLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriterLock.class);

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private WriterLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock at {@code file} for writing {@code what} (e.g. "run results/x"), creating the file.
     *
     * @throws BadInputException when a live process holds it, naming that process, or when the lock file
     *     cannot be created (its directory is missing or not writable)
     */
    public static WriterLock acquire(Path file, String what) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot create the lock file for " + what + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        try {
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException held) {
                l = null; // this very process holds it already
            }
            if (l == null) {
                String owner = describe(read(ch));
                ch.close();
                throw new BadInputException(file + ": " + what + " is being written by " + owner
                        + "; wait for it to end or stop it (one writer at a time)");
            }
            JsonNode previous = read(ch);
            if (previous != null) {
                LOG.info("{}: taking over a stale lock of {} (that process is gone)", file, describe(previous));
            }
            write(ch, owner());
            return new WriterLock(file, ch, l);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new BadInputException(file + ": cannot lock " + what + " (" + e.getMessage() + ")");
        }
    }

    /** The lock file. */
    public Path file() {
        return file;
    }

    /** Empties the lock file (no owner) and releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            channel.truncate(0);
        } finally {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }

    /** Who this process is, as a lock file records it. */
    static Map<String, Object> owner() {
        Map<String, Object> m = new LinkedHashMap<>();
        ProcessHandle self = ProcessHandle.current();
        m.put("pid", self.pid());
        m.put("host", host());
        m.put("started", self.info().startInstant().map(Instant::toString).orElse(null));
        m.put("locked", Instant.now().toString());
        String job = System.getenv("SLURM_JOB_ID");
        if (job != null) {
            String array = System.getenv("SLURM_ARRAY_JOB_ID");
            String task = System.getenv("SLURM_ARRAY_TASK_ID");
            m.put("slurm_job", array != null && task != null ? array + "_" + task : job);
        }
        return m;
    }

    private static String describe(JsonNode owner) {
        if (owner == null) {
            return "another process (the lock file names no owner yet)";
        }
        StringBuilder b = new StringBuilder("pid ").append(owner.path("pid").asText("?"))
                .append(" on ").append(owner.path("host").asText("?"));
        if (!owner.path("started").isNull() && owner.has("started")) {
            b.append(" (started ").append(owner.path("started").asText()).append(')');
        }
        if (owner.has("slurm_job")) {
            b.append(", SLURM job ").append(owner.path("slurm_job").asText());
        }
        return b.toString();
    }

    private static JsonNode read(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == 0 || size > 1 << 16) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        ch.read(buf, 0);
        try {
            return Json.mapper().readTree(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null; // a torn or foreign file: no owner to name
        }
    }

    private static void write(FileChannel ch, Map<String, Object> owner) throws IOException {
        byte[] bytes = (Json.write(owner) + "\n").getBytes(StandardCharsets.UTF_8);
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(bytes), 0);
        ch.force(true);
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
