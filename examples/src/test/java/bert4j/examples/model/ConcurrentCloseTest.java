package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.model.Harness.Inputs;
import bert4j.examples.model.specs.RefNoneImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * {@code close()} from another thread while a model trains, {@value #RUNS} times at random moments:
 * the JVM survives (before, close freed memory a kernel was still writing, and glibc aborted the
 * process), the training thread's calls succeed until close and then end with the
 * IllegalStateException that says the model is closed, never another error, and every call on the
 * closed model is that exception.
 */
class ConcurrentCloseTest {
  private static final int RUNS = 50;

  @Test
  void closeWhileAnotherThreadTrains() throws InterruptedException {
    Inputs in = Harness.inputs(TestModels.NONE.config, 12, new int[] {12, 9, 12, 7}, 3);
    Batch batch = new Batch(in.tokens(), in.segments(), in.labels(), in.tokenLabels());
    Random random = new Random(42);
    try (Kernels kernels = Backend.cpu()) {
      for (int run = 0; run < RUNS; run++) {
        GeneratedTransformer model = RefNoneImpl.create(kernels, 4, 12);
        CountDownLatch training = new CountDownLatch(1);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread trainer = new Thread(() -> {
          try {
            for (int call = 0; ; call++) {
              switch (call % 3) {
                case 0 -> model.trainStep(batch);
                case 1 -> model.forward(batch);
                default -> model.computeGradients(batch);
              }
              training.countDown();
            }
          } catch (Throwable t) {
            outcome.set(t);
          }
        }, "trainer-" + run);
        trainer.start();
        assertTrue(training.await(10, TimeUnit.SECONDS), "run " + run + ": no step finished");
        LockSupport.parkNanos(random.nextInt(3_000_000));
        model.close();
        trainer.join(10_000);
        assertFalse(trainer.isAlive(), "run " + run + ": the trainer still runs after close");
        Throwable t = outcome.get();
        assertTrue(t instanceof IllegalStateException && t.getMessage().contains("is closed"),
            "run " + run + ": the trainer ended with " + t);
        assertClosed(model, batch);
      }
    }
  }

  private static void assertClosed(GeneratedTransformer model, Batch batch) {
    for (Runnable call : new Runnable[] {() -> model.trainStep(batch),
        () -> model.forward(batch), () -> model.computeGradients(batch),
        () -> model.setParameter("pooler.dense.bias", new FloatTensor(new int[] {32},
            new float[32]))}) {
      assertThrows(IllegalStateException.class, call::run);
    }
    model.close();
  }
}
