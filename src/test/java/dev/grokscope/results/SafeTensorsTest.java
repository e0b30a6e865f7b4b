package dev.grokscope.results;

import dev.grokscope.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * .safetensors files built byte for byte from the published format (huggingface.co/docs/safetensors):
 * u64 little-endian header length, the JSON header, the raw little-endian tensors.
 */
class SafeTensorsTest {
    @TempDir
    Path tmp;

    /** F32 2x3, F64 2x2, F16 1x4, BF16 2x1, I64 [3] (skipped), in that buffer order. */
    private static byte[] body() {
        ByteBuffer b = ByteBuffer.allocate(24 + 32 + 8 + 4 + 24).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : new float[] {1, 2, 3, -4, 0.5f, 6}) {
            b.putFloat(f);
        }
        for (double d : new double[] {Math.PI, -1e-300, 7, 8}) {
            b.putDouble(d);
        }
        // binary16: 1.0 = 0x3C00, -2.0 = 0xC000, 0.000061035156 (min normal) = 0x0400, 2^-24 (min subnormal) = 0x0001
        for (int h : new int[] {0x3C00, 0xC000, 0x0400, 0x0001}) {
            b.putShort((short) h);
        }
        // bfloat16: upper half of the float32 bits: 1.5 = 0x3FC0, -3.0 = 0xC040
        b.putShort((short) 0x3FC0).putShort((short) 0xC040);
        for (long l : new long[] {1, 2, 3}) {
            b.putLong(l);
        }
        return b.array();
    }

    private static final String HEADER = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
            + "\"b.weight\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[24,56]},"
            + "\"c.weight\":{\"dtype\":\"F16\",\"shape\":[1,4],\"data_offsets\":[56,64]},"
            + "\"d.weight\":{\"dtype\":\"BF16\",\"shape\":[2,1],\"data_offsets\":[64,68]},"
            + "\"ids\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[68,92]}}";

    private Path file(String name, long declaredLength, String header, byte[] body) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declaredLength).array());
        out.write(h);
        out.write(body);
        Path f = tmp.resolve(name);
        Files.write(f, out.toByteArray());
        return f;
    }

    private Path file(String name, String header, byte[] body) throws Exception {
        return file(name, header.getBytes(StandardCharsets.UTF_8).length, header, body);
    }

    @Test
    void readsEveryFloatDtype() throws Exception {
        Map<String, Npy.Array> t = SafeTensors.read(file("m.safetensors", HEADER, body()));
        assertEquals(List.of("a.weight", "b.weight", "c.weight", "d.weight"), List.copyOf(t.keySet()));
        assertArrayEquals(new int[] {2, 3}, t.get("a.weight").shape());
        assertArrayEquals(new double[] {1, 2, 3, -4, 0.5, 6}, t.get("a.weight").data(), 0.0);
        assertArrayEquals(new double[] {Math.PI, -1e-300, 7, 8}, t.get("b.weight").data(), 0.0);
        assertArrayEquals(new double[] {1.0, -2.0, Math.pow(2, -14), Math.pow(2, -24)}, t.get("c.weight").data(), 0.0);
        assertArrayEquals(new double[] {1.5, -3.0}, t.get("d.weight").data(), 0.0);
    }

    @Test
    void headerPaddedWithSpacesIsFine() throws Exception {
        Map<String, Npy.Array> t = SafeTensors.read(file("pad.safetensors", HEADER + "   ", body()));
        assertEquals(4, t.size());
    }

    private void refused(String why, Path f, String expected) {
        BadInputException e = assertThrows(BadInputException.class, () -> SafeTensors.read(f), why);
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), why + ": " + e.getMessage());
    }

    @Test
    void headersThatLieAreBadInput() throws Exception {
        byte[] body = body();
        int n = HEADER.getBytes(StandardCharsets.UTF_8).length;
        refused("length past the end", file("long.safetensors", n + body.length + 1, HEADER, body), "does not fit");
        refused("length cuts the JSON", file("short.safetensors", n - 5, HEADER, body), "not valid JSON");
        refused("size not shape x width", file("size.safetensors",
                HEADER.replace("\"shape\":[2,3]", "\"shape\":[3,3]"), body), "needs 36");
        refused("offsets past the buffer", file("past.safetensors",
                HEADER.replace("[68,92]", "[68,100]").replace("\"shape\":[3]", "\"shape\":[4]"), body), "outside");
        refused("overlap", file("overlap.safetensors",
                HEADER.replace("[24,56]", "[20,52]"), body), "overlaps");
        refused("trailing bytes in the buffer", file("trail.safetensors", HEADER, java.util.Arrays.copyOf(body, body.length + 4)),
                "cover 92 bytes of a 96-byte buffer");
        refused("truncated buffer", file("trunc.safetensors", HEADER, java.util.Arrays.copyOf(body, 80)), "outside");
        refused("unknown dtype", file("dtype.safetensors", HEADER.replace("\"BF16\"", "\"Q4\""), body), "unknown dtype Q4");
        refused("not 8 bytes", Files.write(tmp.resolve("tiny.safetensors"), new byte[] {1, 2}), "shorter than");
    }

    @Test
    void halfPrecisionSpecialValues() {
        assertEquals(Float.POSITIVE_INFINITY, SafeTensors.halfToFloat((short) 0x7C00));
        assertTrue(Float.isNaN(SafeTensors.halfToFloat((short) 0x7E00)));
        assertEquals(65504f, SafeTensors.halfToFloat((short) 0x7BFF));
        assertEquals(-0f, SafeTensors.halfToFloat((short) 0x8000));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(SafeTensors.halfToFloat((short) 0x8000)));
    }
}
