package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** ParallelRows: every row exactly once, on several threads when worth it, failures surface. */
class CpuParallelRowsTest {
  private static ParallelRows pool;

  @BeforeAll
  static void start() {
    pool = new ParallelRows(3);
  }

  @AfterAll
  static void stop() {
    pool.close();
  }

  @Test
  void everyRowExactlyOnce() {
    for (int rows : new int[] {1, 2, 3, 7, 12, 100, 1001, 12345}) {
      AtomicIntegerArray seen = new AtomicIntegerArray(rows);
      pool.run(rows, ParallelRows.MIN_PARALLEL_WORK, (thread, from, to) -> {
        for (int r = from; r < to; r++) {
          seen.incrementAndGet(r);
        }
      });
      for (int r = 0; r < rows; r++) {
        assertEquals(1, seen.get(r), rows + " rows: row " + r);
      }
    }
  }

  @Test
  void bigWorkUsesTheWorkers() {
    ConcurrentHashMap<Integer, Boolean> threads = new ConcurrentHashMap<>();
    pool.run(12, ParallelRows.MIN_PARALLEL_WORK, (thread, from, to) -> {
      threads.put(thread, true);
      sleep(5);
    });
    assertTrue(threads.size() > 1, "threads used: " + threads.keySet());
  }

  @Test
  void smallWorkStaysOnTheCaller() {
    Thread caller = Thread.currentThread();
    pool.run(10, 1, (thread, from, to) -> {
      assertEquals(0, thread);
      assertEquals(0, from);
      assertEquals(10, to);
      assertSame(caller, Thread.currentThread());
    });
  }

  @Test
  void aFailingTaskFailsTheRunAndThePoolStillWorks() {
    IllegalStateException boom = new IllegalStateException("boom");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> pool.run(100, ParallelRows.MIN_PARALLEL_WORK, (thread, from, to) -> {
          if (from <= 50 && 50 < to) {
            throw boom;
          }
        }));
    assertSame(boom, e);
    everyRowExactlyOnce();
  }

  @Test
  @Timeout(60)
  void manyJobsBackToBack() {
    Random random = new Random(1);
    AtomicLong sum = new AtomicLong();
    long want = 0;
    for (int job = 0; job < 20_000; job++) {
      int rows = 1 + random.nextInt(64);
      want += (long) rows * (rows - 1) / 2;
      pool.run(rows, ParallelRows.MIN_PARALLEL_WORK, (thread, from, to) -> {
        long s = 0;
        for (int r = from; r < to; r++) {
          s += r;
        }
        sum.addAndGet(s);
      });
    }
    assertEquals(want, sum.get());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
