package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.model.Harness.Inputs;
import bert4j.examples.model.specs.RefUnilmImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.model.GeneratedTransformer;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * No allocation on the hot path: after warm-up, one {@code trainStep} of a tiny model (every head, UniLM
 * mask) allocates less than {@value #BOUND_BYTES} bytes on the Java heap, on average over
 * {@value #STEPS} steps, as the JVM counts this thread's allocations.
 */
class TrainStepAllocationTest {
  static final long BOUND_BYTES = 1 << 20;
  private static final int STEPS = 20;

  @Test
  void trainStepAllocatesLessThanOneMegabyte() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    Inputs in = Harness.inputs(TestModels.UNILM.config, 12, new int[] {12, 10, 7, 12}, 7);
    Batch batch = new Batch(in.tokens(), in.segments(), in.labels(), in.tokenLabels());
    try (GeneratedTransformer model = RefUnilmImpl.create(Backend.cpu(), 4, 12)) {
      for (int i = 0; i < 50; i++) {
        model.trainStep(batch);
      }
      long[] all = threads.getAllThreadIds();
      long allBefore = sum(threads.getThreadAllocatedBytes(all));
      long before = threads.getThreadAllocatedBytes(thread);
      float sink = 0;
      for (int i = 0; i < STEPS; i++) {
        sink += model.trainStep(batch);
      }
      long perStep = (threads.getThreadAllocatedBytes(thread) - before) / STEPS;
      // every thread alive before the loop (a backend's worker pool included), for the report
      long allPerStep = (sum(threads.getThreadAllocatedBytes(all)) - allBefore) / STEPS;
      System.out.printf("[reftest] trainStep allocates %d bytes per step on the calling thread, %d on"
          + " all threads (loss sum %.3f)%n", perStep, allPerStep, sink);
      assertTrue(perStep < BOUND_BYTES, "trainStep allocates " + perStep + " bytes per step");
    }
  }

  private static long sum(long[] values) {
    long s = 0;
    for (long v : values) {
      s += Math.max(0, v);
    }
    return s;
  }
}
