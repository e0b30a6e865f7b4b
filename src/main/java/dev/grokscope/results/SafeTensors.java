package dev.grokscope.results;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.grokscope.BadInputException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Hugging Face {@code .safetensors} files (https://huggingface.co/docs/safetensors): an unsigned
 * 64-bit little-endian header length N, N bytes of UTF-8 JSON mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets into the byte buffer after the
 * header; an optional {@code "__metadata__"} of strings), then the buffer of raw little-endian, C-order
 * tensors.
 *
 * <p>Strict, as the format asks: the header must fit in the file, every tensor's byte length must equal
 * its shape times its dtype's width, offsets must lie in the buffer, and the tensors must tile the
 * buffer exactly (no overlap, no hole, nothing after the last). A header that lies is bad input.
 * Floating-point tensors (F64, F32, F16, BF16) are read as float64; tensors of other dtypes are checked
 * and skipped.
 */
public final class SafeTensors {
    /** The format's own limit on the header (100 MB). */
    static final long MAX_HEADER = 100L << 20;
    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final Map<String, Integer> WIDTH = Map.ofEntries(Map.entry("F64", 8), Map.entry("F32", 4),
            Map.entry("F16", 2), Map.entry("BF16", 2), Map.entry("I64", 8), Map.entry("I32", 4), Map.entry("I16", 2),
            Map.entry("I8", 1), Map.entry("U64", 8), Map.entry("U32", 4), Map.entry("U16", 2), Map.entry("U8", 1),
            Map.entry("BOOL", 1), Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1));

    private static final java.util.Set<String> FLOATS = java.util.Set.of("F64", "F32", "F16", "BF16");

    /** One tensor's header entry. */
    private record Entry(String name, String dtype, int[] shape, long begin, long end) {
    }

    private SafeTensors() {
    }

    /**
     * Every floating-point tensor by name, in header order, as float64.
     *
     * @throws BadInputException naming the file and the broken rule
     */
    public static Map<String, Npy.Array> read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new BadInputException(file + ": not a .safetensors file: " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.getLong(0);
            if (n < 2 || n > MAX_HEADER || n > size - 8) {
                throw new BadInputException(file + ": header length " + Long.toUnsignedString(n) + " does not fit: the file holds "
                        + (size - 8) + " bytes after the length (and a header is 2.." + MAX_HEADER + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            String header;
            try {
                header = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(hb.flip()).toString();
            } catch (CharacterCodingException e) {
                throw new BadInputException(file + ": header is not UTF-8");
            }
            long dataStart = 8 + n;
            List<Entry> entries = parse(file, header, size - dataStart);
            Map<String, Npy.Array> out = new LinkedHashMap<>();
            for (Entry e : entries) {
                if (FLOATS.contains(e.dtype)) {
                    out.put(e.name, new Npy.Array(e.shape, values(ch, dataStart, e)));
                }
            }
            return out;
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage());
        }
    }

    private static List<Entry> parse(Path file, String header, long buffer) {
        JsonNode root;
        try (JsonParser p = JSON.createParser(header)) {
            root = JSON.readTree(p);
            if (p.nextToken() != null) {
                throw new BadInputException(file + ": header has trailing content after its JSON object");
            }
        } catch (IOException e) {
            throw new BadInputException(file + ": header is not valid JSON: " + String.valueOf(e.getMessage()).split("\\R")[0]);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(file + ": header must be a JSON object of tensors");
        }
        List<Entry> entries = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode t = f.getValue();
            if (name.equals("__metadata__")) {
                continue;
            }
            String where = file + ": tensor " + name;
            if (!t.isObject() || !t.path("dtype").isTextual() || !t.path("shape").isArray()
                    || !t.path("data_offsets").isArray() || t.path("data_offsets").size() != 2) {
                throw new BadInputException(where + ": needs dtype (string), shape (list) and data_offsets [begin, end]");
            }
            String dtype = t.get("dtype").asText();
            Integer width = WIDTH.get(dtype);
            if (width == null) {
                throw new BadInputException(where + ": unknown dtype " + dtype);
            }
            int[] shape = new int[t.get("shape").size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = t.get("shape").get(i);
                if (!d.canConvertToInt() || !d.isIntegralNumber() || d.asInt() < 0) {
                    throw new BadInputException(where + ": shape must hold non-negative integers, got " + t.get("shape"));
                }
                shape[i] = d.asInt();
                try {
                    count = Math.multiplyExact(count, shape[i]);
                } catch (ArithmeticException overflow) {
                    throw new BadInputException(where + ": shape " + t.get("shape") + " has too many elements");
                }
            }
            JsonNode b = t.get("data_offsets").get(0);
            JsonNode e = t.get("data_offsets").get(1);
            if (!b.isIntegralNumber() || !e.isIntegralNumber() || !b.canConvertToLong() || !e.canConvertToLong()) {
                throw new BadInputException(where + ": data_offsets must be integers, got " + t.get("data_offsets"));
            }
            long begin = b.asLong();
            long end = e.asLong();
            if (begin < 0 || end < begin || end > buffer) {
                throw new BadInputException(where + ": data_offsets [" + begin + ", " + end + "] outside the "
                        + buffer + "-byte buffer");
            }
            if (count > buffer || end - begin != count * width) {
                throw new BadInputException(where + ": data_offsets span " + (end - begin) + " bytes, but shape "
                        + t.get("shape") + " of " + dtype + " needs " + count * width);
            }
            entries.add(new Entry(name, dtype, shape, begin, end));
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry en : sorted) {
            if (en.begin != at) {
                throw new BadInputException(file + ": tensor " + en.name + " starts at byte " + en.begin + " of the buffer, expected "
                        + at + (en.begin < at ? " (overlaps the previous tensor)" : " (a hole before it)"));
            }
            at = en.end;
        }
        if (at != buffer) {
            throw new BadInputException(file + ": tensors cover " + at + " bytes of a " + buffer + "-byte buffer");
        }
        return entries;
    }

    private static double[] values(FileChannel ch, long dataStart, Entry e) throws IOException {
        long bytes = e.end - e.begin;
        if (bytes > Integer.MAX_VALUE) {
            throw new BadInputException("tensor " + e.name + ": larger than 2 GB");
        }
        ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, b, dataStart + e.begin);
        b.flip();
        int n = (int) (bytes / WIDTH.get(e.dtype));
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = switch (e.dtype) {
                case "F64" -> b.getDouble();
                case "F32" -> b.getFloat();
                case "F16" -> halfToFloat(b.getShort());
                case "BF16" -> Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                default -> throw new IllegalStateException(e.dtype);
            };
        }
        return d;
    }

    /** IEEE 754 binary16 to float (exact: every half is a float). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf, NaN
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal (or zero)
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += r;
        }
    }
}
