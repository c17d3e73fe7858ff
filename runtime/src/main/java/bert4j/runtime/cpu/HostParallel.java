package bert4j.runtime.cpu;

/**
 * How the CPU optimizer update ({@link CpuOptimizerStep}) runs the independent tasks of one phase:
 * every task index in [0, count) exactly once, handed out as ranges to its threads, returning when all
 * are done (their writes visible to the caller). The tasks are chunks of the flat buffers (or
 * tensors); results never depend on which thread ran which range.
 */
public interface HostParallel {
  /** The body: tasks [from, to) on thread {@code thread}, in [0, {@link #threads()}). */
  @FunctionalInterface
  interface RangeTask {
    void run(int thread, int from, int to);
  }

  /** The number of threads that may run tasks (thread indices are below it). */
  int threads();

  /** Runs tasks [0, count); {@code costPerTask} (about the float operations of one) may decide the split. */
  void forEach(int count, long costPerTask, RangeTask task);

  /** Everything on the calling thread, in order. */
  HostParallel SEQUENTIAL = new HostParallel() {
    @Override
    public int threads() {
      return 1;
    }

    @Override
    public void forEach(int count, long costPerTask, RangeTask task) {
      if (count > 0) {
        task.run(0, 0, count);
      }
    }
  };
}
