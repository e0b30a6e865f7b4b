package dev.grokscope.results;

import dev.grokscope.BadInputException;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files (format version 1.0, little-endian, C order).
 *
 * <p>Only what grokscope needs: 1-D and 2-D arrays of {@code float64} ({@code <f8}) and
 * {@code float32} ({@code <f4}). See {@link NpyAppender} for a 2-D file that grows by rows and stays
 * readable by {@code numpy.load} after every row.
 */
public final class Npy {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** An array read from a .npy file: its shape and its values as doubles, row-major. */
    public record Array(int[] shape, double[] data) {
        public int rows() {
            return shape.length == 2 ? shape[0] : 1;
        }

        public int cols() {
            return shape.length == 2 ? shape[1] : (shape.length == 1 ? shape[0] : 0);
        }

        /** Row-major copy as {@code double[rows][cols]}; requires a 2-D array. */
        public double[][] matrix() {
            if (shape.length != 2) {
                throw new IllegalStateException("not a 2-D array: shape " + Arrays.toString(shape));
            }
            double[][] m = new double[shape[0]][shape[1]];
            for (int i = 0; i < shape[0]; i++) {
                System.arraycopy(data, i * shape[1], m[i], 0, shape[1]);
            }
            return m;
        }
    }

    /** Writes a 2-D float64 array. */
    public static void writeFloat64(Path file, double[][] m) throws IOException {
        int rows = m.length;
        int cols = rows == 0 ? 0 : m[0].length;
        ByteBuffer body = ByteBuffer.allocate(rows * cols * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double[] row : m) {
            if (row.length != cols) {
                throw new IllegalArgumentException("ragged matrix: row of " + row.length + ", expected " + cols);
            }
            for (double v : row) {
                body.putDouble(v);
            }
        }
        write(file, "<f8", new long[] {rows, cols}, body.array());
    }

    /** Writes a 1-D float64 array. */
    public static void writeFloat64(Path file, double[] v) throws IOException {
        ByteBuffer body = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            body.putDouble(x);
        }
        write(file, "<f8", new long[] {v.length}, body.array());
    }

    /** Writes a 2-D float32 array given in row-major order. */
    public static void writeFloat32(Path file, float[] rowMajor, int rows, int cols) throws IOException {
        if ((long) rows * cols != rowMajor.length) {
            throw new IllegalArgumentException(rows + "x" + cols + " does not match " + rowMajor.length + " values");
        }
        ByteBuffer body = ByteBuffer.allocate(rowMajor.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : rowMajor) {
            body.putFloat(x);
        }
        write(file, "<f4", new long[] {rows, cols}, body.array());
    }

    private static void write(Path file, String descr, long[] shape, byte[] body) throws IOException {
        byte[] header = header(descr, shape, 0);
        byte[] all = new byte[header.length + body.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(body, 0, all, header.length, body.length);
        AtomicFiles.write(file, all);
    }

    /**
     * The magic string, header length and header dictionary, padded with spaces to a multiple of 64
     * bytes and at least {@code minLength} bytes in all (so that a growing file can rewrite it in place).
     */
    static byte[] header(String descr, long[] shape, int minLength) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(shape[i]).append(i == 0 && shape.length == 1 ? "," : (i < shape.length - 1 ? ", " : ""));
        }
        s.append(')');
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + s + ", }";
        int unpadded = MAGIC.length + 2 + dict.length() + 1;
        int total = Math.max(minLength, ((unpadded + 63) / 64) * 64);
        String padded = dict + " ".repeat(total - unpadded) + "\n";
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC);
        b.putShort((short) (total - MAGIC.length - 2));
        b.put(padded.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    /**
     * Reads a float64 or float32 .npy file (C order, little-endian) as doubles.
     *
     * @throws BadInputException naming the file when it is not such a file (bad magic, truncated,
     *     other dtype, Fortran order)
     */
    public static Array read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage(), e);
        }
        return decode(bytes, file.toString());
    }

    /**
     * An array encoded as .npy bytes, in its own dtype (float32 or float64) and shape, C order.
     */
    public static byte[] encode(org.nd4j.linalg.api.ndarray.INDArray a) {
        org.nd4j.linalg.api.ndarray.INDArray c = a.dup('c');
        boolean f64 = c.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE;
        if (!f64 && c.dataType() != org.nd4j.linalg.api.buffer.DataType.FLOAT) {
            org.nd4j.linalg.api.ndarray.INDArray cast = c.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
            c.close();
            c = cast;
        }
        try {
            long n = c.length();
            ByteBuffer body = ByteBuffer.allocate((int) (n * (f64 ? 8 : 4))).order(ByteOrder.LITTLE_ENDIAN);
            if (f64) {
                for (double v : c.data().asDouble()) {
                    body.putDouble(v);
                }
            } else {
                for (float v : c.data().asFloat()) {
                    body.putFloat(v);
                }
            }
            byte[] header = header(f64 ? "<f8" : "<f4", c.shape(), 0);
            byte[] all = new byte[header.length + body.capacity()];
            System.arraycopy(header, 0, all, 0, header.length);
            System.arraycopy(body.array(), 0, all, header.length, body.capacity());
            return all;
        } finally {
            c.close(); // our own copy: freed now rather than left for the collector (states are written often)
        }
    }

    /** Decodes .npy bytes; {@code name} names the source in errors. */
    public static Array decode(byte[] bytes, String name) {
        Header h = Header.parse(bytes, name);
        if (h.count() > (bytes.length - h.dataStart()) / h.width()) {
            throw new BadInputException(name + ": truncated .npy data: header promises " + h.count()
                    + " values, file holds " + (bytes.length - h.dataStart()) / h.width());
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        double[] data = new double[(int) h.count()];
        b.position(h.dataStart());
        for (int i = 0; i < data.length; i++) {
            data[i] = h.width() == 8 ? b.getDouble() : b.getFloat();
        }
        return new Array(h.shape(), data);
    }

    /** What a .npy header says: element width (4 or 8 bytes), shape, and where the data starts. */
    private record Header(int width, int[] shape, int dataStart) {
        long count() {
            long count = 1;
            for (int n : shape) {
                count *= n;
            }
            return count;
        }

        /** Parses the header at the start of {@code bytes} (which may hold only the header). */
        static Header parse(byte[] bytes, String name) {
            if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), Arrays.copyOf(MAGIC, 6))) {
                throw new BadInputException(name + ": not a .npy file (no NUMPY magic)");
            }
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int major = bytes[6];
            int headerLen;
            int offset;
            if (major == 1) {
                headerLen = Short.toUnsignedInt(b.getShort(8));
                offset = 10;
            } else if (major == 2 || major == 3) {
                if (bytes.length < 12) {
                    throw new BadInputException(name + ": truncated .npy header");
                }
                headerLen = b.getInt(8);
                offset = 12;
            } else {
                throw new BadInputException(name + ": unsupported .npy version " + major);
            }
            if (headerLen < 0 || offset + headerLen > bytes.length) {
                throw new BadInputException(name + ": truncated .npy header");
            }
            String header = new String(bytes, offset, headerLen, StandardCharsets.ISO_8859_1);
            Matcher d = DESCR.matcher(header);
            Matcher o = ORDER.matcher(header);
            Matcher s = SHAPE.matcher(header);
            if (!d.find() || !o.find() || !s.find()) {
                throw new BadInputException(name + ": malformed .npy header");
            }
            String descr = d.group(1);
            int width;
            if (descr.equals("<f8") || descr.equals("=f8")) {
                width = 8;
            } else if (descr.equals("<f4") || descr.equals("=f4")) {
                width = 4;
            } else {
                throw new BadInputException(name + ": dtype " + descr + " is not float64 or float32");
            }
            if (o.group(1).equals("True")) {
                throw new BadInputException(name + ": Fortran-order arrays are not supported; save with C order");
            }
            String[] parts = s.group(1).split(",");
            int[] shape = Arrays.stream(parts).map(String::trim).filter(p -> !p.isEmpty())
                    .mapToInt(p -> {
                        try {
                            return Integer.parseInt(p.endsWith("L") ? p.substring(0, p.length() - 1) : p);
                        } catch (NumberFormatException e) {
                            throw new BadInputException(name + ": malformed shape in .npy header: (" + s.group(1) + ")");
                        }
                    }).toArray();
            for (int n : shape) {
                if (n < 0) {
                    throw new BadInputException(name + ": negative dimension in .npy header");
                }
            }
            return new Header(width, shape, offset + headerLen);
        }
    }

    /**
     * A 2-D float32 or float64 .npy file read one row at a time, for files too large to hold whole (a long
     * run's singular vectors): only the header and the row asked for are read.
     */
    public static final class Rows implements AutoCloseable {
        private final java.nio.channels.FileChannel channel;
        private final Header header;
        private final String name;
        private final int rows;
        private final int cols;
        private ByteBuffer buffer; // one row's bytes, reused

        private Rows(java.nio.channels.FileChannel channel, Header header, String name, int rows) {
            this.channel = channel;
            this.header = header;
            this.name = name;
            this.rows = rows;
            this.cols = header.shape()[1];
        }

        /**
         * Opens a 2-D .npy file; rows the file does not hold whole (a writer's crash) are not counted.
         *
         * @throws BadInputException naming the file when it is not a readable 2-D float .npy file
         */
        public static Rows open(Path file) {
            java.nio.channels.FileChannel ch = null;
            try {
                ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ);
                ByteBuffer start = ByteBuffer.allocate((int) Math.min(ch.size(), 1 << 16));
                while (start.hasRemaining() && ch.read(start, start.position()) > 0) {
                    // the header is at most a few hundred bytes; read what there is of the first 64 KB
                }
                Header h = Header.parse(Arrays.copyOf(start.array(), start.position()), file.toString());
                if (h.shape().length != 2) {
                    throw new BadInputException(file + ": expected a 2-D .npy array, got shape "
                            + Arrays.toString(h.shape()));
                }
                long rowBytes = (long) h.shape()[1] * h.width();
                long whole = rowBytes == 0 ? h.shape()[0] : (ch.size() - h.dataStart()) / rowBytes;
                return new Rows(ch, h, file.toString(), (int) Math.min(h.shape()[0], whole));
            } catch (IOException e) {
                closeQuietly(ch);
                throw new BadInputException(file + ": cannot read: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                closeQuietly(ch);
                throw e;
            }
        }

        public int rows() {
            return rows;
        }

        public int cols() {
            return cols;
        }

        /** Row {@code i} as doubles. */
        public double[] row(int i) {
            return row(i, new double[cols]);
        }

        /**
         * Row {@code i} into {@code out} (at least {@link #cols()} long), returned; reading every row of a
         * long run this way allocates nothing per row (sva_final.csv of a 3,000-epoch quickstart read
         * ~0.9 GB of rows and buffers in half a second, and the collector grew the heap by ~300 MB for it).
         */
        public double[] row(int i, double[] out) {
            if (i < 0 || i >= rows) {
                throw new IndexOutOfBoundsException(name + ": row " + i + " of " + rows);
            }
            if (buffer == null) {
                buffer = ByteBuffer.allocate(cols * header.width()).order(ByteOrder.LITTLE_ENDIAN);
            }
            ByteBuffer b = buffer.clear();
            long at = header.dataStart() + (long) i * cols * header.width();
            try {
                while (b.hasRemaining()) {
                    if (channel.read(b, at + b.position()) < 0) {
                        throw new BadInputException(name + ": truncated at row " + i);
                    }
                }
            } catch (IOException e) {
                throw new BadInputException(name + ": cannot read row " + i + ": " + e.getMessage(), e);
            }
            b.flip();
            if (header.width() == 8) {
                b.asDoubleBuffer().get(out, 0, cols);
            } else {
                for (int j = 0; j < cols; j++) {
                    out[j] = b.getFloat();
                }
            }
            return out;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }

        private static void closeQuietly(java.nio.channels.FileChannel ch) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
        }
    }

    /**
     * A 2-D float64 .npy file that grows one row at a time and is a valid .npy file after every
     * {@link #append}: the row is written first, then the header's row count is rewritten in place
     * (the header is padded so it never changes length). A crash between the two leaves trailing bytes
     * that numpy ignores.
     */
    /**
     * Closes every appender, even after one fails; the first failure is rethrown once all are closed.
     */
    @SafeVarargs
    public static void closeAll(java.util.Collection<NpyAppender>... groups) throws IOException {
        IOException first = null;
        for (java.util.Collection<NpyAppender> g : groups) {
            for (NpyAppender a : g) {
                try {
                    a.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    public static final class NpyAppender implements AutoCloseable {
        private static final int HEADER_BYTES = 128;
        private final RandomAccessFile file;
        private final int cols;
        private final boolean vector;
        private long rows;

        private NpyAppender(RandomAccessFile file, int cols, long rows, boolean vector) {
            this.file = file;
            this.cols = cols;
            this.rows = rows;
            this.vector = vector;
        }

        /** Creates (or truncates) {@code path} as an empty {@code (0, cols)} array. */
        public static NpyAppender create(Path path, int cols) throws IOException {
            return create(path, cols, false);
        }

        /** Creates (or truncates) {@code path} as an empty 1-D array that grows one value per append. */
        public static NpyAppender createVector(Path path) throws IOException {
            return create(path, 1, true);
        }

        private static NpyAppender create(Path path, int cols, boolean vector) throws IOException {
            RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw");
            f.setLength(0);
            NpyAppender app = new NpyAppender(f, cols, 0, vector);
            app.rewriteHeader();
            return app;
        }

        /**
         * Opens an existing file and keeps only its first {@code keepRows} rows (for resuming a run
         * from a checkpoint that had written that many).
         */
        public static NpyAppender reopen(Path path, int cols, long keepRows) throws IOException {
            Array a = read(path);
            boolean vector = a.shape().length == 1;
            long have = vector ? a.shape()[0] : a.rows();
            if ((vector ? 1 : a.cols()) != cols || have < keepRows) {
                throw new IOException(path + ": has " + java.util.Arrays.toString(a.shape()) + ", cannot keep "
                        + keepRows + "x" + cols);
            }
            RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw");
            NpyAppender app = new NpyAppender(f, cols, keepRows, vector);
            f.setLength(HEADER_BYTES + keepRows * cols * 8L);
            app.rewriteHeader();
            return app;
        }

        public int cols() {
            return cols;
        }

        public long rows() {
            return rows;
        }

        /** Appends one row; {@code row.length} must equal {@link #cols()}. */
        public void append(double[] row) throws IOException {
            if (row.length != cols) {
                throw new IllegalArgumentException("row of " + row.length + " values, file has " + cols + " columns");
            }
            ByteBuffer b = ByteBuffer.allocate(row.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (double v : row) {
                b.putDouble(v);
            }
            file.seek(HEADER_BYTES + rows * cols * 8L);
            file.write(b.array());
            rows++;
            rewriteHeader();
        }

        /** Cuts the array back to its first {@code keep} rows (undoing appends). */
        public void truncate(long keep) throws IOException {
            if (keep < rows) {
                rows = keep;
                rewriteHeader();
                file.setLength(HEADER_BYTES + rows * cols * 8L);
            }
        }

        private void rewriteHeader() throws IOException {
            file.seek(0);
            file.write(header("<f8", vector ? new long[] {rows} : new long[] {rows, cols}, HEADER_BYTES));
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}
