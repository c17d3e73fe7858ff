package bert4j.cuda;

import bert4j.dsl.Method;
import bert4j.runtime.optim.BoundOptimizer;
import bert4j.runtime.optim.OptimizerProgram;
import bert4j.runtime.optim.OptimizerStep;
import bert4j.runtime.optim.StateRegion;
import java.lang.ref.WeakReference;

/**
 * The fused optimizer update on the device ({@link CudaKernels#optimizerStep}), every method and
 * extension, in the float operations of the CPU backend's {@code CpuOptimizerStep}: the launches of
 * optimizer.cu, optimizer_reductions.cu and adafactor.cu in the order that update runs its passes.
 * Nothing crosses to the host during a step.
 *
 * <p>The bound optimizer's per-tensor table (optimizer.cuh's TensorColumn: offsets, flags, chunking,
 * AdaFactor's factored layout) and multipliers are uploaded when a step comes from another optimizer
 * than the last; the partial sums and per-tensor scalars live in grow-only scratch, so steady-state
 * steps allocate nothing.
 */
final class DeviceOptimizer {
  /** Floats per chunk (one block each), rounded down to whole rows in lazy and factored tensors. */
  static final int CHUNK = 4096;
  private static final int THREADS = 256;
  private static final int ROWS_PER_PARTIAL = 64;
  private static final int COLUMNS_PER_TILE = 128;
  private static final int TENSOR_INTS = 12;
  private static final int TENSOR_SCALARS = 4;

  // optimizer.cuh
  private static final int T_OFFSET = 0;
  private static final int T_SIZE = 1;
  private static final int T_ROW = 2;
  private static final int T_CHUNK = 3;
  private static final int T_FIRST_CHUNK = 4;
  private static final int T_FLAGS = 5;
  private static final int T_ROWS = 6;
  private static final int T_V_OFFSET = 7;
  private static final int T_FIRST_ROW = 8;
  private static final int T_FIRST_COLUMN = 9;
  private static final int T_FIRST_TILE = 10;
  private static final int T_COLUMN_PARTIALS = 11;
  private static final int DECAYS = 1;
  private static final int ADAPTS = 2;
  private static final int LAZY = 4;
  private static final int FACTORED = 8;
  private static final int SCALES_BY_PARAMETER = 16;
  private static final int NESTEROV = 1;
  private static final int INITIALIZES_SLOW = 2;
  private static final int SYNCHRONIZES = 4;
  // optimizer_reductions.cu
  private static final int GRADIENT_SQUARES = 0;
  private static final int PARAMETER_SQUARES = 1;
  private static final int UPDATE_SQUARES = 2;
  private static final int LAYER_ADAPTATION = 3;
  private static final int RESET = 0;
  private static final int PARAMETER_SCALE = 1;
  private static final int UPDATE_CLIPPING = 2;
  private static final int TRUST_RATIO = 3;

  private final Device device;
  private final LaunchArgs args;
  private final DeviceScratch table;
  private final DeviceScratch multipliers;
  private final DeviceScratch tensorScalars;
  private final DeviceScratch partials;
  private final DeviceScratch columnPartials;
  private final DeviceScratch clipScale;

  /** The optimizer whose table is on the device. */
  private WeakReference<BoundOptimizer> uploaded = new WeakReference<>(null);
  private int tensors;
  private int chunks;
  private int factoredRows;
  private int factoredColumns;
  private int tiles;
  private long columnPartialFloats;
  private boolean scalesByParameter;
  private long tableAt;
  private long multipliersAt;

  // the current step's addresses, for stepArgs
  private long paramsAt;
  private long gradsAt;
  private final long[] stateAt = new long[StateRegion.COUNT];
  private long scalarsAt;
  private long clipAt;

  /** Launches on {@code device} with {@code args}, the backend's one argument buffer. */
  DeviceOptimizer(Device device, LaunchArgs args) {
    this.device = device;
    this.args = args;
    this.table = new DeviceScratch(device);
    this.multipliers = new DeviceScratch(device);
    this.tensorScalars = new DeviceScratch(device);
    this.partials = new DeviceScratch(device);
    this.columnPartials = new DeviceScratch(device);
    this.clipScale = new DeviceScratch(device);
  }

  /**
   * {@code step} of {@code optimizer} on device buffers: the parameters, the gradients and one
   * address per {@link StateRegion} (0 where the optimizer keeps none).
   */
  void step(BoundOptimizer optimizer, OptimizerStep step, long params, long grads, long[] state) {
    int n = optimizer.size();
    if (n == 0) {
      return;
    }
    if (!step.updates()) {
      launch("optimizer_accumulate", elementwiseBlocks(n), THREADS, args.clear().address(grads)
          .address(state[StateRegion.ACCUMULATED.ordinal()]).i64(n));
      return;
    }
    upload(optimizer);
    OptimizerProgram program = optimizer.program();
    boolean adafactor = program.method() == Method.ADAFACTOR;
    paramsAt = params;
    gradsAt = grads;
    System.arraycopy(state, 0, stateAt, 0, StateRegion.COUNT);
    scalarsAt = tensorScalars.reserve(4L * TENSOR_SCALARS * tensors);
    clipAt = program.clipNorm() > 0 ? clipScale.reserve(4) : 0;
    long partialsAt = partials.reserve(16L * chunks);
    tensorScalars(RESET, 0, partialsAt);
    if (clipAt != 0) {
      partials(optimizer, step, GRADIENT_SQUARES, partialsAt);
      launch("optimizer_clip_scale", 1, THREADS, args.clear().address(partialsAt).i32(chunks)
          .f64(program.clipNorm()).address(clipAt));
    }
    if (adafactor) {
      if (scalesByParameter) {
        partials(optimizer, step, PARAMETER_SQUARES, partialsAt);
        tensorScalars(PARAMETER_SCALE, program.epsilon2(), partialsAt);
      }
      if (factoredRows > 0) {
        factoredStatistics(optimizer, step);
      }
      if (program.clippingThreshold() > 0) {
        partials(optimizer, step, UPDATE_SQUARES, partialsAt);
        tensorScalars(UPDATE_CLIPPING, program.clippingThreshold(), partialsAt);
      }
    }
    if (program.hasLayerAdaptation()) {
      partials(optimizer, step, LAYER_ADAPTATION, partialsAt);
      tensorScalars(TRUST_RATIO, step.layerAdaptationRate(), partialsAt);
    }
    launch("optimizer_update", chunks, THREADS, stepArgs(step, optimizer));
  }

  /** AdaFactor's factored row and column statistics, advanced in V, and their denominators. */
  private void factoredStatistics(BoundOptimizer optimizer, OptimizerStep step) {
    int warps = THREADS / 32;
    launch("adafactor_row_stats", ceil(factoredRows, warps), THREADS,
        stepArgs(step, optimizer).i32(factoredRows));
    long columnPartialsAt = columnPartials.reserve(8 * columnPartialFloats);
    launch("adafactor_column_partials", tiles, COLUMNS_PER_TILE,
        stepArgs(step, optimizer).address(columnPartialsAt));
    launch("adafactor_column_stats", ceil(factoredColumns, THREADS), THREADS,
        stepArgs(step, optimizer).i32(factoredColumns).address(columnPartialsAt));
    launch("adafactor_denominators", tensors, THREADS, args.clear().address(tableAt)
        .address(stateAt[StateRegion.V.ordinal()]).address(scalarsAt));
  }

  private void partials(BoundOptimizer optimizer, OptimizerStep step, int mode, long partialsAt) {
    launch("optimizer_partials", chunks, THREADS, stepArgs(step, optimizer).i32(mode)
        .i32(chunks).address(partialsAt));
  }

  private void tensorScalars(int mode, double value, long partialsAt) {
    launch("optimizer_tensor_scalars", ceil(tensors, THREADS), THREADS, args.clear()
        .address(tableAt).address(multipliersAt).i32(tensors).address(partialsAt).i32(chunks)
        .i32(mode).f64(value).address(scalarsAt));
  }

  /** optimizer.cuh's OPTIMIZER_PARAMETERS for this step; a kernel's own arguments follow. */
  private LaunchArgs stepArgs(OptimizerStep step, BoundOptimizer optimizer) {
    Method method = optimizer.program().method();
    int flags = (optimizer.program().nesterov() ? NESTEROV : 0)
        | (step.initializesSlow() ? INITIALIZES_SLOW : 0)
        | (step.synchronizes() ? SYNCHRONIZES : 0);
    return args.clear().address(paramsAt).address(gradsAt)
        .address(stateAt[StateRegion.M.ordinal()]).address(stateAt[StateRegion.V.ordinal()])
        .address(stateAt[StateRegion.SLOW.ordinal()]).address(stateAt[StateRegion.EMA.ordinal()])
        .address(stateAt[StateRegion.ACCUMULATED.ordinal()]).address(tableAt).i32(tensors)
        .address(scalarsAt).address(clipAt).i32(methodCode(method)).i32(flags).f32(step.rate())
        .f32(method == Method.SGD ? step.momentum() : step.beta1()).f32(step.beta2())
        .f32(step.oneMinusBeta1()).f32(step.oneMinusBeta2()).f32(step.firstMomentScale())
        .f32(step.secondMomentScale()).f32(step.epsilon()).f32(step.epsilon1())
        .f32(step.weightDecay()).f32(optimizer.accumulationSteps()).f32(step.lookaheadAlpha())
        .f32(step.emaMomentum()).f32(step.emaRest());
  }

  /** optimizer.cuh's MethodCode. */
  private static int methodCode(Method method) {
    return switch (method) {
      case ADAM -> 0;
      case SGD -> 1;
      case LION -> 2;
      case ADAFACTOR -> 3;
    };
  }

  /** Puts the tensor table and the multipliers of {@code optimizer} on the device, unless there. */
  private void upload(BoundOptimizer optimizer) {
    if (uploaded.get() == optimizer) {
      return;
    }
    tensors = optimizer.tensorCount();
    int[] rows = new int[TENSOR_INTS * tensors];
    double[] products = new double[tensors];
    chunks = 0;
    factoredRows = 0;
    factoredColumns = 0;
    tiles = 0;
    columnPartialFloats = 0;
    scalesByParameter = false;
    for (int t = 0; t < tensors; t++) {
      int at = TENSOR_INTS * t;
      int size = optimizer.size(t);
      int row = optimizer.rowLength(t);
      boolean factored = optimizer.factored(t);
      int chunk = optimizer.lazy(t) || factored ? Math.max(1, CHUNK / row) * row : CHUNK;
      rows[at + T_OFFSET] = optimizer.offset(t);
      rows[at + T_SIZE] = size;
      rows[at + T_ROW] = row;
      rows[at + T_CHUNK] = chunk;
      rows[at + T_FIRST_CHUNK] = chunks;
      rows[at + T_FLAGS] = (optimizer.decays(t) ? DECAYS : 0) | (optimizer.adapts(t) ? ADAPTS : 0)
          | (optimizer.lazy(t) ? LAZY : 0) | (factored ? FACTORED : 0)
          | (optimizer.scalesByParameter(t) ? SCALES_BY_PARAMETER : 0);
      rows[at + T_ROWS] = optimizer.rows(t);
      rows[at + T_V_OFFSET] = optimizer.secondMomentOffset(t);
      rows[at + T_FIRST_ROW] = factoredRows;
      rows[at + T_FIRST_COLUMN] = factoredColumns;
      rows[at + T_FIRST_TILE] = tiles;
      rows[at + T_COLUMN_PARTIALS] = (int) columnPartialFloats;
      products[t] = optimizer.multiplier(t);
      chunks += ceil(size, chunk);
      scalesByParameter |= optimizer.scalesByParameter(t);
      if (factored) {
        int rowChunks = ceil(optimizer.rows(t), ROWS_PER_PARTIAL);
        factoredRows += optimizer.rows(t);
        factoredColumns += row;
        tiles += rowChunks * ceil(row, COLUMNS_PER_TILE);
        columnPartialFloats += (long) rowChunks * row;
      }
    }
    tableAt = table.reserve(4L * rows.length);
    multipliersAt = multipliers.reserve(8L * products.length);
    if (tensors > 0) {
      device.copyIn(rows, 0, tableAt, rows.length);
      device.copyIn(products, 0, multipliersAt, products.length);
    }
    uploaded = new WeakReference<>(optimizer);
  }

  /** Frees the scratch (before the device closes). */
  void release() {
    table.release();
    multipliers.release();
    tensorScalars.release();
    partials.release();
    columnPartials.release();
    clipScale.release();
    uploaded = new WeakReference<>(null);
  }

  private void launch(String kernel, int blocks, int threads, LaunchArgs launchArgs) {
    device.launch(kernel, blocks, 1, 1, threads, launchArgs);
  }

  /** Grid-stride kernels: enough blocks to fill the GPU a few times over, no more. */
  private int elementwiseBlocks(long count) {
    return (int) Math.max(1, Math.min((count + THREADS - 1) / THREADS,
        8L * device.multiprocessors()));
  }

  private static int ceil(long n, int d) {
    return (int) ((n + d - 1) / d);
  }
}
