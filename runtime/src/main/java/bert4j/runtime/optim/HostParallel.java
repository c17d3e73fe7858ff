package bert4j.runtime.optim;

import java.util.function.IntConsumer;

/**
 * How a host backend runs the independent tasks of one optimizer phase: {@code task.accept(i)} for
 * every i in [0, count), in any order and on any threads, returning when all are done (with their
 * writes visible to the caller). The bound optimizer's tasks are chunks of the flat buffers; results
 * never depend on which thread ran which chunk.
 */
@FunctionalInterface
public interface HostParallel {
  void forEach(int count, IntConsumer task);

  /** Everything on the calling thread, in order. */
  HostParallel SEQUENTIAL = (count, task) -> {
    for (int i = 0; i < count; i++) {
      task.accept(i);
    }
  };
}
