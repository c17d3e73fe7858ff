package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import bert4j.runtime.kernels.Slice;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** add: out = a + b exactly (float addition), into separate memory or into a or b. */
public abstract class AddContract extends KernelsContract {
  /** Several chunks and threads' worth, and not a multiple of any block size. */
  private static final int COUNT = 70_001;

  private static float[] sum(float[] a, float[] b) {
    float[] s = new float[a.length];
    for (int i = 0; i < s.length; i++) {
      s[i] = a[i] + b[i];
    }
    return s;
  }

  @Test
  void addsIntoSeparateMemory() {
    Random random = new Random(1);
    float[] a = uniform(random, COUNT, -5, 5);
    float[] b = uniform(random, COUNT, -5, 5);
    float[] before = uniform(random, COUNT + 1);
    Slice out = put(kernels, before);
    kernels.add(put(kernels, a), put(kernels, b), out, COUNT);
    float[] got = get(kernels, out, COUNT + 1);
    assertArrayEquals(sum(a, b), Arrays.copyOf(got, COUNT));
    assertEquals(before[COUNT], got[COUNT], "the float after count is left alone");
  }

  @Test
  void outMayBeAOrB() {
    Random random = new Random(2);
    float[] a = uniform(random, COUNT, -5, 5);
    float[] b = uniform(random, COUNT, -5, 5);
    Slice as = put(kernels, a);
    kernels.add(as, put(kernels, b), as, COUNT);
    assertArrayEquals(sum(a, b), get(kernels, as, COUNT), "out == a");
    Slice bs = put(kernels, b);
    kernels.add(put(kernels, a), bs, bs, COUNT);
    assertArrayEquals(sum(a, b), get(kernels, bs, COUNT), "out == b");
    Slice both = put(kernels, a);
    kernels.add(both, both, both, COUNT);
    assertArrayEquals(sum(a, a), get(kernels, both, COUNT), "out == a == b");
  }
}
