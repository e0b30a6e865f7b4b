package dev.grokscope.state;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Linear mode connectivity of branches (Frankle et al. 2020; Yunis et al. 2024): the interpolation
 * {@link Line} of every pair of branches of one parent state, and their means per branch epoch, the
 * curve the papers plot (loss barrier and error instability against the epoch the branches split off).
 */
public final class ModeConnectivity {
    /** One pair of branches of the parent state (trunk, epoch), and the line between their final states. */
    public record Pair(String trunk, int branchEpoch, String a, String b, Line line) {
    }

    /** The means over the pairs of one branch epoch; {@code sva} per weight matrix, top-10. */
    public record EpochMeans(int branchEpoch, int pairs, double lossBarrierVal, double lossBarrierTrain,
                             double errorInstabilityVal, Map<String, Double> sva) {
    }

    private final List<String> matrices;
    private final List<Pair> pairs = new ArrayList<>();

    /** @param matrices the weight matrices whose SVA is averaged (every pair's line has them) */
    public ModeConnectivity(List<String> matrices) {
        this.matrices = List.copyOf(matrices);
    }

    public void add(Pair p) {
        for (String m : matrices) {
            if (!p.line().sva().containsKey(m)) {
                throw new IllegalArgumentException(p.a() + " x " + p.b() + ": no SVA for " + m);
            }
        }
        pairs.add(p);
    }

    /** The pairs in the order added. */
    public List<Pair> pairs() {
        return List.copyOf(pairs);
    }

    public List<String> matrices() {
        return matrices;
    }

    /** The means per branch epoch, in numeric order of the epoch. */
    public List<EpochMeans> byBranchEpoch() {
        Map<Integer, List<Line>> byEpoch = new TreeMap<>();
        for (Pair p : pairs) {
            byEpoch.computeIfAbsent(p.branchEpoch(), e -> new ArrayList<>()).add(p.line());
        }
        List<EpochMeans> out = new ArrayList<>();
        byEpoch.forEach((epoch, lines) -> {
            Map<String, Double> sva = new LinkedHashMap<>();
            for (String m : matrices) {
                sva.put(m, lines.stream().mapToDouble(l -> l.sva().get(m)).average().orElseThrow());
            }
            out.add(new EpochMeans(epoch, lines.size(),
                    lines.stream().mapToDouble(Line::lossBarrierVal).average().orElseThrow(),
                    lines.stream().mapToDouble(Line::lossBarrierTrain).average().orElseThrow(),
                    lines.stream().mapToDouble(Line::errorInstabilityVal).average().orElseThrow(),
                    java.util.Collections.unmodifiableMap(sva)));
        });
        return out;
    }
}
