package dev.grokscope.cli;

import dev.grokscope.backend.Backend;
import dev.grokscope.backend.NativeMemory;
import dev.grokscope.backend.ProcessMemory;
import dev.grokscope.config.ConfigLoader;
import dev.grokscope.config.Experiment;
import dev.grokscope.data.ModularDataset;
import dev.grokscope.data.Split;
import dev.grokscope.model.Network;
import dev.grokscope.model.Networks;
import dev.grokscope.results.Json;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code grokscope bench CONFIG [--steps N] [--warmup W] [--set key=value]...}: times optimiser steps of
 * an experiment's network on its training batch (the whole training set when full-batch) and prints one
 * JSON object: ms per step (median and mean over N steps after W warm-up steps), peak RSS (VmHWM) at
 * the start, middle and end, threads and backend. Nothing is written to disk.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time training steps of an experiment's network and report ms/step and peak memory as JSON.")
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "Experiment YAML (see configs/).")
    Path config;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "50", description = "Timed steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", paramLabel = "W", defaultValue = "5", description = "Untimed steps first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config value (repeatable).")
    List<String> sets = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || warmup < 0) {
            throw new dev.grokscope.BadInputException("--steps must be >= 1 and --warmup >= 0, got " + steps + ", " + warmup);
        }
        Experiment e = ConfigLoader.load(config, sets);
        Backend.Info backend = Backend.start();
        Split split = Split.of(e.data(), e.seeds());
        Network network = Networks.build(e);
        ModularDataset train = split.train();
        INDArray x = network.features(train);
        INDArray y = Nd4j.zeros(x.dataType(), train.size(), train.p());
        for (int i = 0; i < train.size(); i++) {
            y.putScalar(i, train.labels()[i], 1.0);
        }
        int batch = e.training().batchSize() == 0 ? train.size() : Math.min(e.training().batchSize(), train.size());
        if (batch < train.size()) {
            x = x.get(NDArrayIndex.interval(0, batch), NDArrayIndex.all()).dup();
            y = y.get(NDArrayIndex.interval(0, batch), NDArrayIndex.all()).dup();
        }
        NativeMemory nativeMemory = NativeMemory.fromSystemProperty(); // as a run does
        Map<String, Long> peak = new LinkedHashMap<>();
        peak.put("start", ProcessMemory.peakRssKb());
        for (int i = 0; i < warmup; i++) {
            network.step(x, y);
            nativeMemory.tick();
        }
        double[] ms = new double[steps];
        long cpu0 = processCpuNanos();
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            network.step(x, y);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            nativeMemory.tick();
            if (i == steps / 2) {
                peak.put("middle", ProcessMemory.peakRssKb());
            }
        }
        double cpuMsPerStep = (processCpuNanos() - cpu0) / 1e6 / steps;
        peak.put("end", ProcessMemory.peakRssKb());
        long evalStart = System.nanoTime();
        network.output(network.features(split.val()));
        double evalMs = (System.nanoTime() - evalStart) / 1e6;

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("config", config.toString());
        out.put("model", e.model().getClass().getSimpleName().replace("Spec", "").toLowerCase(java.util.Locale.ROOT));
        out.put("p", e.data().p());
        out.put("parameters", network.parameterCount());
        out.put("batch", batch);
        out.put("dtype", e.training().dtype().name().toLowerCase());
        out.put("warmup_steps", warmup);
        out.put("steps", steps);
        Map<String, Double> msPerStep = new LinkedHashMap<>();
        msPerStep.put("median", median(ms));
        msPerStep.put("mean", Arrays.stream(ms).average().orElse(Double.NaN));
        msPerStep.put("min", Arrays.stream(ms).min().orElse(Double.NaN));
        out.put("ms_per_step", msPerStep);
        out.put("step_ms", Arrays.stream(ms).map(t -> Math.round(t * 1000) / 1000.0).toArray()); // in order
        out.put("cpu_ms_per_step", cpuMsPerStep); // process CPU time (all threads): less sensitive to a busy machine
        out.put("val_output_ms", evalMs);
        Map<String, Object> rss = new LinkedHashMap<>();
        peak.forEach((k, v) -> rss.put(k, v < 0 ? null : Math.round(v / 1024.0)));
        out.put("peak_rss_mb", rss);
        out.put("threads", backend.threads());
        out.put("omp_num_threads", System.getenv("OMP_NUM_THREADS"));
        out.put("backend", backend.asMap());
        System.out.println(Json.write(out));
        return 0;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
    }
}
