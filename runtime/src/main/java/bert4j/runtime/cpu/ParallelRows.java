package bert4j.runtime.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A parallel for over rows that allocates nothing per call: fixed daemon workers plus the calling
 * thread claim chunks of rows from one atomic word until none is left. Small jobs run on the calling
 * thread alone. One job at a time: {@link #run} is called from one thread (the model's).
 *
 * <p>The claim word holds the job number (high half) and the chunks still unclaimed (low half); a
 * chunk is claimed by decrementing it. Because a job cannot finish while a claimed chunk is still
 * running, a worker that has claimed a chunk may read the job's task and sizes safely, and a worker
 * that wakes late simply finds nothing to claim.
 */
final class ParallelRows implements AutoCloseable {

  /** The body of a parallel for: handles rows [from, to) on thread {@code thread} (0 = the caller). */
  @FunctionalInterface
  interface Task {
    void run(int thread, int from, int to);
  }

  /** Below this much work (rows × cost per row, roughly float operations) the caller does it all. */
  static final long MIN_PARALLEL_WORK = 1L << 15;
  private static final int CHUNKS_PER_THREAD = 4;
  /**
   * How long an idle worker (or the waiting caller) spins before it parks. A forward's jobs come a
   * few tens of microseconds apart, so workers stay awake through one; parked workers on a VM whose
   * cores had gone idle woke slowly (BERT-base 1 × 128 after a 200 ms pause: 89–92 ms with 20 µs,
   * 78 ms with 200 µs, 88–89 ms with 1 ms, whose spinning takes the core from the caller).
   */
  private static final long SPIN_NANOS = 200_000;

  private final int threads;
  private final Thread[] workers;
  private final AtomicLong claims = new AtomicLong();
  private final AtomicInteger pending = new AtomicInteger();
  private Task task;
  private int rows;
  private int chunkRows;
  private int chunks;
  private volatile Thread caller;
  private volatile boolean callerSleeping;
  private volatile Throwable failure;
  private volatile boolean closed;

  ParallelRows(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    this.threads = threads;
    this.workers = new Thread[threads - 1];
    for (int i = 0; i < workers.length; i++) {
      int thread = i + 1;
      workers[i] = new Thread(() -> work(thread), "bert4j-cpu-worker-" + thread);
      workers[i].setDaemon(true);
      workers[i].start();
    }
  }

  /** Threads that run tasks, the caller included. */
  int threads() {
    return threads;
  }

  /**
   * Runs {@code task} over rows [0, rows) and returns when every row is done; rethrows the first
   * exception a task threw. {@code costPerRow} (about the float operations a row takes) decides
   * whether splitting the work is worth waking the workers.
   */
  void run(int rows, long costPerRow, Task task) {
    if (rows <= 0) {
      return;
    }
    if (threads == 1 || rows == 1 || rows * costPerRow < MIN_PARALLEL_WORK) {
      task.run(0, 0, rows);
      return;
    }
    int chunks = Math.min(rows, threads * CHUNKS_PER_THREAD);
    this.task = task;
    this.rows = rows;
    this.chunkRows = (rows + chunks - 1) / chunks;
    this.chunks = (rows + chunkRows - 1) / chunkRows;
    this.caller = Thread.currentThread();
    pending.set(this.chunks);
    long job = (claims.get() >>> 32) + 1;
    claims.set(job << 32 | this.chunks);
    for (Thread worker : workers) {
      LockSupport.unpark(worker);
    }
    claimAndRun(0);
    awaitPending();
    this.task = null;
    Throwable t = failure;
    if (t != null) {
      failure = null;
      if (t instanceof RuntimeException e) {
        throw e;
      }
      if (t instanceof Error e) {
        throw e;
      }
      throw new IllegalStateException(t);
    }
  }

  /** Claims and runs chunks of the current job until none is left. */
  private void claimAndRun(int thread) {
    for (;;) {
      long state = claims.get();
      int left = (int) state;
      if (left <= 0) {
        return;
      }
      if (!claims.compareAndSet(state, state - 1)) {
        continue;
      }
      int from = (chunks - left) * chunkRows;
      int to = Math.min(rows, from + chunkRows);
      try {
        task.run(thread, from, to);
      } catch (Throwable t) {
        if (failure == null) {
          failure = t;
        }
      } finally {
        if (pending.decrementAndGet() == 0 && thread != 0 && callerSleeping) {
          LockSupport.unpark(caller);
        }
      }
    }
  }

  private void awaitPending() {
    long start = System.nanoTime();
    while (pending.get() != 0) {
      if (System.nanoTime() - start < SPIN_NANOS) {
        Thread.onSpinWait();
        continue;
      }
      callerSleeping = true;
      if (pending.get() != 0) {
        LockSupport.parkNanos(this, 100_000);
      }
      callerSleeping = false;
    }
  }

  private void work(int thread) {
    while (!closed) {
      claimAndRun(thread);
      long start = System.nanoTime();
      while (!closed && (int) claims.get() <= 0) {
        if (System.nanoTime() - start < SPIN_NANOS) {
          Thread.onSpinWait();
          continue;
        }
        LockSupport.park(this);
      }
    }
  }

  /** Stops the workers. */
  @Override
  public void close() {
    closed = true;
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
  }
}
