package bert4j.examples;

import bert4j.runtime.ParameterInfo;
import bert4j.runtime.cpu.CpuKernels;
import bert4j.runtime.cpu.CpuOptimizerStep;
import bert4j.runtime.cpu.HostParallel;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import bert4j.runtime.optim.BoundOptimizer;
import bert4j.runtime.optim.OptimizerProgram;
import bert4j.runtime.optim.StateRegion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The fused optimizer update on a BERT-base-sized parameter buffer (~110M floats): Adam + weight decay +
 * piecewise-linear schedule + lookahead + EMA. Prints, measured in the same run and on the same
 * threads: the time of the fused update and the bytes per second it moves; a plain copy's bandwidth; and
 * the same update done as separate passes, one per extension, as a chain of wrappers executes it (the
 * base writes a proposed value, each extension rewrites it, the schedule commits it, lookahead and EMA
 * follow).
 *
 * <p>The fused update runs through {@code CpuKernels.optimizerStep} (the backend's thread pool); the copy
 * and the separate passes run on as many plain threads.
 *
 * <p>Run (it holds about 8 GB of direct buffers): {@code MAVEN_OPTS=-XX:MaxDirectMemorySize=12g mvn -B
 * -q -f examples/pom.xml exec:java -Dexec.mainClass=bert4j.examples.OptimizerBenchmark
 * -Dexec.args="[threads] [steps]"} (defaults: all processors, 20 measured steps = four lookahead cycles). The three
 * are interleaved step by step, so that all see the same load from the rest of the machine.
 */
public final class OptimizerBenchmark {
  static final double LR = 2e-5;
  static final double RATE = 0.01;
  static final double BETA1 = 0.9;
  static final double BETA2 = 0.999;
  static final double EPS = 1e-6;
  static final int LOOKAHEAD = 5;
  static final double ALPHA = 0.5;
  static final double MU = 0.999;
  static final long[] POINTS = {1000, 2000};
  static final double[] MULTIPLIERS = {1, 0.1};

  private OptimizerBenchmark() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    List<ParameterInfo> parameters = bertBase();
    OptimizerProgram program = OptimizerProgram.adam(LR, BETA1, BETA2, EPS, true)
        .withWeightDecay(RATE, "LayerNorm", "bias")
        .withSchedule(POINTS, MULTIPLIERS)
        .withLookahead(LOOKAHEAD, ALPHA)
        .withEma(MU);
    BoundOptimizer bound = program.bind(parameters);
    int n = bound.size();
    System.out.printf(Locale.ROOT, "bert4j optimizer benchmark: %,d parameters (BERT-base), %s%n", n,
        program);
    System.out.printf(Locale.ROOT, "%d threads, %s %s, %s%n", threads,
        System.getProperty("java.vm.name"), System.getProperty("java.version"),
        System.getProperty("os.arch"));

    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads - 1), r -> {
      Thread t = new Thread(r, "benchmark-worker");
      t.setDaemon(true);
      return t;
    });
    Split split = new Split(pool, threads);
    // the fused update runs where models run it: the CPU backend's optimizerStep, on its own pool
    CpuKernels kernels = new CpuKernels(threads);
    Memory paramsMemory = kernels.allocate(n);
    Memory gradsMemory = kernels.allocate(n);
    Slice[] stateSlices = new Slice[StateRegion.values().length];
    List<Memory> memories = new ArrayList<>(List.of(paramsMemory, gradsMemory));
    for (StateRegion region : StateRegion.values()) {
      long size = bound.regionFloats(region);
      if (size > 0) {
        Memory memory = kernels.allocate(size);
        memories.add(memory);
        stateSlices[region.ordinal()] = new Slice(memory, 0);
      }
    }
    Slice paramsSlice = new Slice(paramsMemory, 0);
    Slice gradsSlice = new Slice(gradsMemory, 0);
    // the copy and the separate passes on buffers of their own, same values
    FloatBuffer params = floats(n);
    FloatBuffer grads = floats(n);
    fill(params, grads, n);
    float[] block = new float[1 << 20];
    for (int start = 0; start < n; start += block.length) {
      int count = Math.min(block.length, n - start);
      params.get(start, block, 0, count);
      kernels.write(block, 0, paramsSlice.plus(start), count);
      grads.get(start, block, 0, count);
      kernels.write(block, 0, gradsSlice.plus(start), count);
    }
    FloatBuffer[] state = new FloatBuffer[StateRegion.values().length];
    for (StateRegion region : StateRegion.values()) {
      long size = bound.regionFloats(region);
      state[region.ordinal()] = size == 0 ? null : floats((int) size);
    }
    FloatBuffer proposal = floats(n);

    Separate separate = new Separate(parameters, params, grads, state[StateRegion.M.ordinal()],
        state[StateRegion.V.ordinal()], state[StateRegion.SLOW.ordinal()],
        state[StateRegion.EMA.ordinal()], proposal, program, split);
    FloatBuffer copyTarget = proposal;
    Split.Range copy = (from, to) -> {
      FloatBuffer source = params.duplicate();
      source.limit(to).position(from);
      copyTarget.duplicate().position(from).put(source);
    };
    // warm up all three, then interleave them step by step so that they share whatever else the
    // machine is doing; a whole number of lookahead cycles each
    long fusedCall = 0;
    long separateCall = 0;
    for (int i = 0; i < LOOKAHEAD; i++) {
      split.run(n, copy);
      kernels.optimizerStep(bound, paramsSlice, gradsSlice, stateSlices, ++fusedCall);
      separate.step(++separateCall, false);
    }
    double[] copyTimes = new double[steps];
    double[] fusedTimes = new double[steps];
    double[] separateTimes = new double[steps];
    double[] literalTimes = new double[steps];
    double fusedBytes = 0;
    double separateBytes = 0;
    double literalBytes = 0;
    for (int i = 0; i < steps; i++) {
      long t0 = System.nanoTime();
      split.run(n, copy);
      long t1 = System.nanoTime();
      long update = ++fusedCall;
      kernels.optimizerStep(bound, paramsSlice, gradsSlice, stateSlices, update);
      long t2 = System.nanoTime();
      separateBytes += separate.step(++separateCall, false);
      long t3 = System.nanoTime();
      literalBytes += separate.step(++separateCall, true);
      long t4 = System.nanoTime();
      copyTimes[i] = (t1 - t0) / 1e9;
      fusedTimes[i] = (t2 - t1) / 1e9;
      separateTimes[i] = (t3 - t2) / 1e9;
      literalTimes[i] = (t4 - t3) / 1e9;
      // θ, m, v, ema read and written; g read; slow read and written on a synchronising step
      fusedBytes += 4.0 * n * (9 + (update % LOOKAHEAD == 0 ? 2 : 0));
    }
    double copyBytes = 8.0 * n;
    double fusedMean = Arrays.stream(fusedTimes).sum() / steps;
    double separateMean = Arrays.stream(separateTimes).sum() / steps;
    double fusedPerStep = fusedBytes / steps;
    double separatePerStep = separateBytes / steps;
    double literalPerStep = literalBytes / steps;

    System.out.println();
    System.out.printf(Locale.ROOT, "| %-46s | %9s | %9s | %9s | %9s | %s%n", "", "min ms", "median ms",
        "best GB/s", "med. GB/s", "bytes/param");
    System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%n", "-".repeat(48), "-".repeat(11),
        "-".repeat(11), "-".repeat(11), "-".repeat(11), "-".repeat(12));
    row("plain copy (" + threads + " threads)", copyTimes, copyBytes, 8);
    row("fused update", fusedTimes, fusedPerStep, fusedPerStep / n);
    row("separate passes (base, wd, schedule, la, ema)", separateTimes, separatePerStep,
        separatePerStep / n);
    row("separate passes, lookahead op every step", literalTimes, literalPerStep,
        literalPerStep / n);
    System.out.println();
    System.out.printf(Locale.ROOT, "fused bandwidth / copy bandwidth: %.2f best, %.2f median (target >= 0.5)%n",
        (fusedPerStep / min(fusedTimes)) / (copyBytes / min(copyTimes)),
        (fusedPerStep / median(fusedTimes)) / (copyBytes / median(copyTimes)));
    System.out.printf(Locale.ROOT, "separate passes / fused time:     %.2f best, %.2f median, %.2f mean "
        + "(target >= 2)%n", min(separateTimes) / min(fusedTimes),
        median(separateTimes) / median(fusedTimes), separateMean / fusedMean);
    System.out.printf(Locale.ROOT, "  with lookahead's op every step: %.2f best, %.2f median%n",
        min(literalTimes) / min(fusedTimes), median(literalTimes) / median(fusedTimes));
    System.out.printf(Locale.ROOT, "  bytes moved, separate / fused:  %.2f and %.2f (the speed-up a "
        + "memory-bound update can reach)%n", separatePerStep / fusedPerStep,
        literalPerStep / fusedPerStep);
    System.out.printf(Locale.ROOT, "check: fused and separate passes agree to %.1e (relative, 12 updates "
        + "of a small model from the same start)%n", separate.compareWith(bound, split));
    memories.forEach(Memory::close);
    kernels.close();
  }

  static void row(String name, double[] times, double bytes, double perParam) {
    System.out.printf(Locale.ROOT, "| %-46s | %9.1f | %9.1f | %9.1f | %9.1f | %11.1f |%n", name,
        min(times) * 1e3, median(times) * 1e3, bytes / min(times) / 1e9, bytes / median(times) / 1e9,
        perParam);
  }

  /** BERT-base (uncased): 12 layers, hidden 768, vocab 30522, 512 positions, pooler, 2 classes. */
  static List<ParameterInfo> bertBase() {
    List<ParameterInfo> list = new ArrayList<>();
    long[] offset = {0};
    java.util.function.BiConsumer<String, int[]> add = (name, shape) -> {
      ParameterInfo p = new ParameterInfo(name, shape, offset[0]);
      list.add(p);
      offset[0] += p.size();
    };
    int h = 768;
    add.accept("embeddings.word_embeddings.weight", new int[] {30522, h});
    add.accept("embeddings.position_embeddings.weight", new int[] {512, h});
    add.accept("embeddings.token_type_embeddings.weight", new int[] {2, h});
    add.accept("embeddings.LayerNorm.weight", new int[] {h});
    add.accept("embeddings.LayerNorm.bias", new int[] {h});
    for (int l = 0; l < 12; l++) {
      String p = "encoder.layer." + l + ".";
      for (String name : new String[] {"attention.self.query", "attention.self.key",
          "attention.self.value", "attention.output.dense"}) {
        add.accept(p + name + ".weight", new int[] {h, h});
        add.accept(p + name + ".bias", new int[] {h});
      }
      add.accept(p + "attention.output.LayerNorm.weight", new int[] {h});
      add.accept(p + "attention.output.LayerNorm.bias", new int[] {h});
      add.accept(p + "intermediate.dense.weight", new int[] {4 * h, h});
      add.accept(p + "intermediate.dense.bias", new int[] {4 * h});
      add.accept(p + "output.dense.weight", new int[] {h, 4 * h});
      add.accept(p + "output.dense.bias", new int[] {h});
      add.accept(p + "output.LayerNorm.weight", new int[] {h});
      add.accept(p + "output.LayerNorm.bias", new int[] {h});
    }
    add.accept("pooler.dense.weight", new int[] {h, h});
    add.accept("pooler.dense.bias", new int[] {h});
    add.accept("classifier.weight", new int[] {2, h});
    add.accept("classifier.bias", new int[] {2});
    return list;
  }

  static FloatBuffer floats(int n) {
    return ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  static void fill(FloatBuffer params, FloatBuffer grads, int n) {
    long seed = 42;
    for (int i = 0; i < n; i++) {
      seed = seed * 6364136223846793005L + 1442695040888963407L;
      float r = ((seed >>> 40) / (float) (1 << 24)) - 0.5f;
      params.put(i, 0.04f * r);
      grads.put(i, 1e-3f * (r + 0.1f));
    }
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  static double min(double[] values) {
    return Arrays.stream(values).min().orElse(0);
  }

  /** A parallel for over [0, n): contiguous parts, one per thread, the caller running the last. */
  static final class Split {
    interface Range {
      void run(int from, int to);
    }

    private final ExecutorService pool;
    private final int threads;

    Split(ExecutorService pool, int threads) {
      this.pool = pool;
      this.threads = Math.max(1, threads);
    }

    void run(int n, Range range) {
      Future<?>[] futures = new Future<?>[threads - 1];
      for (int t = 0; t < threads - 1; t++) {
        int from = (int) ((long) n * t / threads);
        int to = (int) ((long) n * (t + 1) / threads);
        futures[t] = pool.submit(() -> range.run(from, to));
      }
      range.run((int) ((long) n * (threads - 1) / threads), n);
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }

    HostParallel asHostParallel() {
      return new HostParallel() {
        @Override
        public int threads() {
          return threads;
        }

        @Override
        public void forEach(int count, long costPerTask, RangeTask task) {
          Future<?>[] futures = new Future<?>[threads - 1];
          for (int t = 0; t < threads - 1; t++) {
            int thread = t + 1;
            int from = (int) ((long) count * t / threads);
            int to = (int) ((long) count * (t + 1) / threads);
            futures[t] = pool.submit(() -> task.run(thread, from, to));
          }
          task.run(0, (int) ((long) count * (threads - 1) / threads), count);
          for (Future<?> f : futures) {
            try {
              f.get();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        }
      };
    }
  }

  /**
   * Adam + weight decay + schedule + lookahead + EMA as separate passes over the whole buffers, each a
   * simple loop (as each wrapper of a wrapper chain is one elementwise operation): Adam writes the
   * proposed value, weight decay rewrites it, the schedule scales the step and commits it, lookahead
   * synchronises on its steps, EMA averages. Its own copies of θ and the state, so the fused run is not
   * disturbed.
   */
  static final class Separate {
    final FloatBuffer theta;
    final FloatBuffer g;
    final FloatBuffer m;
    final FloatBuffer v;
    final FloatBuffer slow;
    final FloatBuffer ema;
    final FloatBuffer x;
    final boolean[] decay;
    final int[] offsets;
    final OptimizerProgram program;
    final Split split;
    final int n;

    Separate(List<ParameterInfo> parameters, FloatBuffer params, FloatBuffer grads, FloatBuffer m0,
        FloatBuffer v0, FloatBuffer slow0, FloatBuffer ema0, FloatBuffer proposal,
        OptimizerProgram program, Split split) {
      this.n = params.capacity();
      // copies of the fused run's current values, so both continue from the same point
      this.theta = copy(params);
      this.g = grads;
      this.m = copy(m0);
      this.v = copy(v0);
      this.slow = copy(slow0);
      this.ema = copy(ema0);
      this.x = proposal;
      this.program = program;
      this.split = split;
      this.decay = new boolean[parameters.size()];
      this.offsets = new int[parameters.size() + 1];
      for (int t = 0; t < parameters.size(); t++) {
        String name = parameters.get(t).name();
        decay[t] = !name.contains("LayerNorm") && !name.contains("bias");
        offsets[t] = (int) parameters.get(t).offset();
      }
      offsets[parameters.size()] = n;
    }

    static FloatBuffer copy(FloatBuffer source) {
      FloatBuffer target = floats(source.capacity());
      target.put(source.duplicate().clear());
      return target.clear();
    }

    /**
     * Update {@code u}; returns the bytes its passes moved. With {@code lookaheadEveryStep} lookahead
     * runs as bert4keras's graph runs it, {@code where(cond, ...)} on every step; otherwise only on its
     * synchronising steps.
     */
    double step(long u, boolean lookaheadEveryStep) {
      float lr = (float) LR;
      float b1 = (float) BETA1;
      float b2 = (float) BETA2;
      float c1 = (float) (1 - BETA1);
      float c2 = (float) (1 - BETA2);
      float ms = (float) (1 / (1 - Math.pow(BETA1, u)));
      float vs = (float) (1 / (1 - Math.pow(BETA2, u)));
      float eps = (float) EPS;
      double bytes = 0;
      // base: m, v and the proposed value x = θ − lr·m̂/(√v̂ + ε)
      split.run(n, (from, to) -> {
        for (int i = from; i < to; i++) {
          float gi = g.get(i);
          float mi = b1 * m.get(i) + c1 * gi;
          float vi = b2 * v.get(i) + c2 * gi * gi;
          m.put(i, mi);
          v.put(i, vi);
          x.put(i, theta.get(i) - lr * (mi * ms) / ((float) Math.sqrt(vi * vs) + eps));
        }
      });
      bytes += 7.0 * 4 * n;
      // weight decay: x −= lr·rate·θ on decayed tensors
      float wd = (float) (LR * RATE);
      int decayed = 0;
      for (int t = 0; t < decay.length; t++) {
        if (!decay[t]) {
          continue;
        }
        int start = offsets[t];
        int end = offsets[t + 1];
        decayed += end - start;
        split.run(end - start, (from, to) -> {
          for (int i = start + from; i < start + to; i++) {
            x.put(i, x.get(i) - wd * theta.get(i));
          }
        });
      }
      bytes += 3.0 * 4 * decayed;
      // schedule: θ ← θ + (x − θ)·multiplier (commits the step)
      float multiplier = (float) program.scheduleMultiplier(u - 1);
      split.run(n, (from, to) -> {
        for (int i = from; i < to; i++) {
          float t = theta.get(i);
          theta.put(i, t + (x.get(i) - t) * multiplier);
        }
      });
      bytes += 3.0 * 4 * n;
      // lookahead: on its steps, slow += α(θ − slow); θ = slow
      if (lookaheadEveryStep) {
        boolean sync = u % LOOKAHEAD == 0;
        float alpha = (float) ALPHA;
        split.run(n, (from, to) -> {
          for (int i = from; i < to; i++) {
            float s = slow.get(i);
            float t = theta.get(i);
            float q = sync ? s + alpha * (t - s) : s;
            slow.put(i, q);
            theta.put(i, sync ? q : t);
          }
        });
        bytes += 4.0 * 4 * n;
      } else if (u % LOOKAHEAD == 0) {
        float alpha = (float) ALPHA;
        split.run(n, (from, to) -> {
          for (int i = from; i < to; i++) {
            float s = slow.get(i);
            float q = s + alpha * (theta.get(i) - s);
            slow.put(i, q);
            theta.put(i, q);
          }
        });
        bytes += 4.0 * 4 * n;
      }
      // EMA
      float mu = (float) MU;
      float rest = (float) (1 - MU);
      split.run(n, (from, to) -> {
        for (int i = from; i < to; i++) {
          ema.put(i, mu * ema.get(i) + rest * theta.get(i));
        }
      });
      bytes += 3.0 * 4 * n;
      return bytes;
    }

    /**
     * Runs the fused program and these separate passes on a small model from the same start for 12
     * updates and returns the relative difference of the parameters: both implement the same rules, so
     * they agree to float rounding.
     */
    double compareWith(BoundOptimizer bound, Split split) {
      // a small model with the same program, both ways, from the same start
      List<ParameterInfo> small = List.of(
          new ParameterInfo("encoder.layer.0.intermediate.dense.weight", new int[] {64, 48}, 0),
          new ParameterInfo("encoder.layer.0.intermediate.dense.bias", new int[] {64}, 64 * 48),
          new ParameterInfo("encoder.layer.0.output.LayerNorm.weight", new int[] {48}, 64 * 48 + 64));
      BoundOptimizer fused = bound.program().bind(small);
      CpuOptimizerStep update = new CpuOptimizerStep(fused);
      int size = fused.size();
      FloatBuffer p = floats(size);
      FloatBuffer gr = floats(size);
      fill(p, gr, size);
      FloatBuffer[] st = new FloatBuffer[StateRegion.values().length];
      for (StateRegion region : StateRegion.values()) {
        long s = fused.regionFloats(region);
        st[region.ordinal()] = s == 0 ? null : floats((int) s);
      }
      ExecutorService one = Executors.newSingleThreadExecutor();
      Split single = new Split(one, 1);
      FloatBuffer p2 = copy(p);
      Separate sep = new Separate(small, p2, gr, st[StateRegion.M.ordinal()],
          st[StateRegion.V.ordinal()], floats(size), st[StateRegion.EMA.ordinal()], floats(size),
          bound.program(), single);
      sep.slow.put(p.duplicate().clear());
      for (long u = 1; u <= 12; u++) {
        update.apply(fused.step(u), p, gr, st, HostParallel.SEQUENTIAL);
        sep.step(u, u % 2 == 0);
      }
      one.shutdown();
      double diff = 0;
      double norm = 0;
      for (int i = 0; i < size; i++) {
        double d = p.get(i) - sep.theta.get(i);
        diff += d * d;
        norm += (double) p.get(i) * p.get(i);
      }
      return Math.sqrt(diff / norm);
    }
  }
}
