package bert4j.cuda;

import bert4j.runtime.cpu.CpuOptimizerStep;
import bert4j.runtime.cpu.HostParallel;
import bert4j.runtime.optim.BoundOptimizer;
import bert4j.runtime.optim.OptimizerStep;
import bert4j.runtime.optim.StateRegion;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The optimizer steps the device does not run ({@link CudaKernels#optimizerStep}): the parameters,
 * gradients and optimizer state are copied to host arrays, {@link CpuOptimizerStep} runs
 * on them on the calling thread, and everything it may change is copied back. The arrays are kept
 * between steps.
 */
final class HostOptimizer {
  private final Device device;
  private float[] params = new float[0];
  private float[] grads = new float[0];
  private final float[][] state = new float[StateRegion.COUNT][];
  private final FloatBuffer[] stateBuffers = new FloatBuffer[StateRegion.COUNT];
  private final Map<BoundOptimizer, CpuOptimizerStep> updates = new WeakHashMap<>();

  HostOptimizer(Device device) {
    this.device = device;
  }

  /** Step {@code call} of {@code optimizer} on device buffers (state addresses 0 where unused). */
  void step(BoundOptimizer optimizer, OptimizerStep step, long paramsAt, long gradsAt,
      long[] stateAt) {
    int n = optimizer.size();
    if (params.length < n) {
      params = new float[n];
      grads = new float[n];
    }
    device.copyOut(paramsAt, params, 0, n);
    device.copyOut(gradsAt, grads, 0, n);
    for (int r = 0; r < StateRegion.COUNT; r++) {
      int floats = (int) optimizer.regionFloats(StateRegion.of(r));
      if (floats == 0) {
        stateBuffers[r] = null;
        continue;
      }
      if (state[r] == null || state[r].length < floats) {
        state[r] = new float[floats];
      }
      device.copyOut(stateAt[r], state[r], 0, floats);
      stateBuffers[r] = FloatBuffer.wrap(state[r], 0, floats).slice();
    }
    updates.computeIfAbsent(optimizer, CpuOptimizerStep::new).apply(step,
        FloatBuffer.wrap(params, 0, n).slice(), FloatBuffer.wrap(grads, 0, n).slice(),
        stateBuffers, HostParallel.SEQUENTIAL);
    device.copyIn(params, 0, paramsAt, n);
    for (int r = 0; r < StateRegion.COUNT; r++) {
      if (stateBuffers[r] != null) {
        device.copyIn(state[r], 0, stateAt[r], stateBuffers[r].capacity());
      }
    }
  }
}
