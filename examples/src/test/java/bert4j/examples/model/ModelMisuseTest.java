package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.model.specs.RefNoneImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import bert4j.runtime.model.GeneratedTransformer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Misuse of a model's surface is a named exception, not a NullPointerException or a raw
 * OutOfMemoryError: null arguments, calls on a closed model, and a maxBatch × maxLength whose
 * activation arena the backend cannot allocate (the memory allocated before it is freed).
 */
class ModelMisuseTest {
  private static void assertFails(Class<? extends Throwable> type, Executable call,
      String... fragments) {
    Throwable e = assertThrows(type, call);
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should mention '" + f + "'");
    }
  }

  @Test
  void nullArgumentsAreNamed() {
    try (GeneratedTransformer model = RefNoneImpl.create(Backend.cpu(), 2, 8)) {
      Class<IllegalArgumentException> iae = IllegalArgumentException.class;
      assertFails(iae, () -> model.forward(null), "forward: the batch must not be null");
      assertFails(iae, () -> model.trainStep(null), "trainStep: the batch must not be null");
      assertFails(iae, () -> model.computeGradients(null),
          "computeGradients: the batch must not be null");
      assertFails(iae, () -> model.setParameter("pooler.dense.bias", null),
          "the values for pooler.dense.bias must not be null");
      FloatTensor bias = model.parameter("pooler.dense.bias");
      assertFails(iae, () -> model.setParameter(null, bias), "the parameter name must not be null");
    }
  }

  @Test
  void aClosedModelSaysSo() {
    RefNoneImpl model = RefNoneImpl.create(Backend.cpu(), 2, 8);
    FloatTensor bias = model.parameter("pooler.dense.bias");
    model.forward(Batch.of(new int[][] {{2, 5, 7}}, new int[1][3]));
    String state = model.optimizer().stateTensors().get(0).name();
    model.close();
    model.close();
    Class<IllegalStateException> ise = IllegalStateException.class;
    String closed = "the model bert4j.examples.model.specs.RefNone is closed";
    int[][] tokens = {{2, 5, 7}};
    Batch batch = new Batch(tokens, new int[1][3], new int[] {1}, null);
    assertFails(ise, () -> model.forward(batch), "forward: " + closed);
    assertFails(ise, () -> model.trainStep(batch), "trainStep: " + closed);
    assertFails(ise, () -> model.computeGradients(batch), "computeGradients: " + closed);
    assertFails(ise, () -> model.setParameter("pooler.dense.bias", bias),
        "setParameter: " + closed);
    assertFails(ise, () -> model.parameter("pooler.dense.bias"), "parameter: " + closed);
    assertFails(ise, () -> model.gradient("pooler.dense.bias"), "gradient: " + closed);
    assertFails(ise, () -> model.initialize(3), "initialize: " + closed);
    assertFails(ise, model::lastOutputs, "lastOutputs: " + closed);
    assertFails(ise, model::classLogits, "reading an output: " + closed);
    assertFails(ise, model::applyEma, "applyEma: " + closed);
    assertFails(ise, model::restore, "restore: " + closed);
    assertFails(ise, () -> model.optimizerState(state), "optimizerState: " + closed);
  }

  @Test
  void anArenaTooLargeForTheBackendNamesMaxBatchAndMaxLength() {
    long bytes = 4 * RefNoneImpl.LAYOUT.arenaFloats(1_000_000, 16);
    assertFails(IllegalArgumentException.class, () -> RefNoneImpl.create(Backend.cpu(), 1_000_000,
        16), "maxBatch=1000000 × maxLength=16 needs an activation arena of " + bytes + " bytes");
    assertFails(IllegalArgumentException.class, () -> RefNoneImpl.create(Backend.cpu(),
        Integer.MAX_VALUE, 16), "maxBatch=" + Integer.MAX_VALUE + " × maxLength=16", "tokens");
  }

  /** A backend out of memory for the arena: the error names the sizes, the rest is freed. */
  @Test
  void outOfMemoryForTheArenaNamesTheSizesAndFreesTheRest() {
    long arenaFloats = RefNoneImpl.LAYOUT.arenaFloats(64, 16);
    try (Kernels cpu = Backend.cpu()) {
      List<Memory> allocated = new ArrayList<>();
      Kernels failing = (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(),
          new Class<?>[] {Kernels.class}, (proxy, method, args) -> {
            if (method.getName().startsWith("allocate") && (long) args[0] == arenaFloats) {
              throw new OutOfMemoryError("Cannot reserve " + 4 * arenaFloats
                  + " bytes of direct buffer memory");
            }
            try {
              Object result = method.invoke(cpu, args);
              if (result instanceof Memory m) {
                allocated.add(m);
              }
              return result;
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> RefNoneImpl.create(failing, 64, 16));
      assertTrue(e.getMessage().contains("maxBatch=64 × maxLength=16 needs an activation arena of "
          + 4 * arenaFloats + " bytes"), e.getMessage());
      assertSame(OutOfMemoryError.class, e.getCause().getClass());
      assertTrue(allocated.size() >= 2, "parameters and gradients were allocated first");
      for (Memory m : allocated) {
        assertThrows(IllegalStateException.class, () -> cpu.read(new Slice(m, 0), new float[1], 0,
            1), "memory allocated before the arena is freed");
      }
      assertEquals(RefNoneImpl.LAYOUT.parameterCount(), allocated.get(0).size());
    }
  }
}
