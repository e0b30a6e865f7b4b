package dev.grokscope.results;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Predicate;

/**
 * A CSV file written one whole record at a time: each record is formatted in memory and written with
 * one call; if that write fails (disk full, quota), the file is cut back to its last whole record, so
 * what was written stays a valid CSV.
 */
public final class CsvLog implements AutoCloseable {
    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').build();
    private final FileChannel channel;
    private long good;

    private CsvLog(FileChannel channel, long good) {
        this.channel = channel;
        this.good = good;
    }

    /** Creates (or truncates) the file and writes the header. */
    public static CsvLog create(Path file, List<String> header) throws IOException {
        CsvLog log = new CsvLog(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), 0);
        log.append(header);
        return log;
    }

    /**
     * Reopens an existing log for appending after keeping only the records {@code keep} accepts (for
     * resuming from a checkpoint). The kept file is written atomically before anything is appended.
     */
    public static CsvLog reopen(Path file, Predicate<CSVRecord> keep) throws IOException {
        StringWriter kept = new StringWriter();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser parser = FORMAT.builder().setHeader().setSkipHeaderRecord(true).build().parse(in);
             CSVPrinter out = new CSVPrinter(kept, FORMAT)) {
            out.printRecord(parser.getHeaderNames());
            for (CSVRecord r : parser) {
                if (r.isConsistent() && keep.test(r)) {
                    out.printRecord(r.toList());
                }
            }
        }
        AtomicFiles.writeString(file, kept.toString());
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE);
        return new CsvLog(ch, ch.size());
    }

    /** Appends one record. */
    public void append(List<?> values) throws IOException {
        appendAll(List.of(values));
    }

    /** Appends several records with one write: all of them or none. */
    public void appendAll(List<? extends List<?>> records) throws IOException {
        StringWriter w = new StringWriter();
        try (CSVPrinter p = new CSVPrinter(w, FORMAT)) {
            for (List<?> values : records) {
                p.printRecord(values);
            }
        }
        ByteBuffer bytes = ByteBuffer.wrap(w.toString().getBytes(StandardCharsets.UTF_8));
        try {
            channel.position(good);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            good = channel.position();
        } catch (IOException e) {
            try {
                channel.truncate(good);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The length of the file's whole records, to {@link #rollback} to. */
    public long mark() {
        return good;
    }

    /** Cuts the file back to a {@link #mark()}, undoing what was appended since. */
    public void rollback(long mark) throws IOException {
        channel.truncate(mark);
        good = Math.min(good, mark);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Reads all records of a CSV file with a header (for resuming and reports). */
    public static List<CSVRecord> read(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser parser = FORMAT.builder().setHeader().setSkipHeaderRecord(true).build().parse(in)) {
            return parser.getRecords();
        }
    }
}
