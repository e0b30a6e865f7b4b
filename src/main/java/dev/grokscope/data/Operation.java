package dev.grokscope.data;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The binary operations of Power et al. 2022 on residues mod a prime p. Polynomials are evaluated in
 * 64-bit arithmetic and reduced once, which is exact for p < 2^15.
 */
public enum Operation {
    @JsonProperty("add") ADD("x + y"),
    @JsonProperty("sub") SUB("x - y"),
    @JsonProperty("mul") MUL("x * y"),
    /** {@code x / y = x * y^(p-2) mod p} (Fermat), defined for {@code y != 0} only. */
    @JsonProperty("div") DIV("x / y"),
    @JsonProperty("x2+y2") X2_Y2("x^2 + y^2"),
    @JsonProperty("x2+xy+y2") X2_XY_Y2("x^2 + xy + y^2"),
    @JsonProperty("x2+xy+y2+x") X2_XY_Y2_X("x^2 + xy + y^2 + x"),
    @JsonProperty("x3+xy") X3_XY("x^3 + xy"),
    @JsonProperty("x3+xy2+y") X3_XY2_Y("x^3 + xy^2 + y");

    private final String formula;

    Operation(String formula) {
        this.formula = formula;
    }

    /** The formula, e.g. {@code x^2 + y^2}. */
    public String formula() {
        return formula;
    }

    /** Whether {@code (x, y)} is in the operation's domain (every pair, except y = 0 for division). */
    public boolean defined(int x, int y) {
        return this != DIV || y != 0;
    }

    /** The number of pairs in the domain. */
    public int pairCount(int p) {
        return this == DIV ? p * (p - 1) : p * p;
    }

    /** {@code op(x, y) mod p}, in [0, p). */
    public int apply(int x, int y, int p) {
        long a = x;
        long b = y;
        long r = switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a * modPow(b, p - 2, p);
            case X2_Y2 -> a * a + b * b;
            case X2_XY_Y2 -> a * a + a * b + b * b;
            case X2_XY_Y2_X -> a * a + a * b + b * b + a;
            case X3_XY -> a * a % p * a + a * b;
            case X3_XY2_Y -> a * a % p * a + a * (b * b % p) + b;
        };
        return (int) Math.floorMod(r, (long) p);
    }

    private static long modPow(long base, int exp, int mod) {
        long result = 1;
        long b = base % mod;
        for (int e = exp; e > 0; e >>= 1) {
            if ((e & 1) == 1) {
                result = result * b % mod;
            }
            b = b * b % mod;
        }
        return result;
    }
}
