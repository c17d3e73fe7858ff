package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** CpuMemory's sizes, its windows and its huge pages (the rest: MemoryContract). */
class CpuMemoryTest {
  @Test
  void negativeSizeIsRejectedClearly() {
    try (CpuKernels kernels = new CpuKernels(2)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> kernels.allocate(-1));
      assertTrue(e.getMessage().contains("-1 floats"), e.getMessage());
    }
  }

  @Test
  void memoryOverTwoGibibytesIsAddressedPastItsFirstWindow() {
    long floats = CpuMemory.WINDOW_FLOATS + 4096;
    try (CpuKernels kernels = new CpuKernels(2); Memory memory = kernels.allocate(floats)) {
      assertEquals(floats, memory.size());
      float[] values = {1.5f, -2f, 3.25f, 7f};
      Slice last = new Slice(memory, floats - values.length);
      kernels.write(values, 0, last, values.length);
      Slice first = new Slice(memory, 0);
      kernels.write(new float[] {9f}, 0, first, 1);
      float[] back = new float[values.length];
      kernels.read(last, back, 0, back.length);
      assertArrayEquals(values, back);
      float[] head = new float[2];
      kernels.read(first, head, 0, 2);
      assertArrayEquals(new float[] {9f, 0f}, head, "zero-filled, and apart from the tail");
    }
  }

  @Test
  void memoryForTrainingOnHugePagesIsZerosInOneWindow() {
    long floats = CpuMemory.HUGE_PAGE_FLOATS + 5;
    try (CpuKernels kernels = new CpuKernels(2);
        Memory memory = kernels.allocateForTraining(floats)) {
      CpuMemory cpu = (CpuMemory) memory;
      assertEquals(floats, cpu.largestTensor(), "one window: every tensor fits");
      assertTrue(cpu.window(floats - 1) == cpu.window(0));
      float[] tail = {4f, 5f};
      kernels.write(tail, 0, new Slice(memory, floats - 2), 2);
      float[] back = new float[7];
      kernels.read(new Slice(memory, floats - 7), back, 0, 7);
      assertArrayEquals(new float[] {0f, 0f, 0f, 0f, 0f, 4f, 5f}, back);
      assertEquals(-1, kernels.firstNonFinite(new Slice(memory, 0), floats),
          "zero-filled: nothing but zeros and the two values written");
    }
  }

  @Test
  void hugePageAdviceCoversWholeExtentsOnly() {
    assumeTrue(Files.exists(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")),
        "no transparent huge pages on this system");
    ByteBuffer buffer = ByteBuffer.allocateDirect((int) (3 * HugePages.SIZE));
    long address = Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
    assertTrue(HugePages.advise(address, buffer.capacity()), "a 6 MiB buffer holds a 2 MiB extent");
    assertFalse(HugePages.advise(address + 1, HugePages.SIZE), "less than one whole extent");
  }

  @Test
  void everyTensorUpToTheStrideFitsWhereverItStarts() {
    int stride = 16;
    int size = 100;
    try (CpuKernels kernels = new CpuKernels(2, stride);
        Memory memory = kernels.allocate(size)) {
      float[] all = new float[size];
      for (int start = 0; start < size; start += 7) {
        int n = Math.min(stride, size - start);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
          values[i] = start + i;
          all[start + i] = start + i;
        }
        kernels.write(values, 0, new Slice(memory, start), n);
      }
      for (int start = 0; start + stride <= size; start++) {
        float[] back = new float[stride];
        kernels.read(new Slice(memory, start), back, 0, stride);
        for (int i = 0; i < stride; i++) {
          assertEquals(all[start + i], back[i], "float " + (start + i) + " read from " + start);
        }
      }
    }
  }

  @Test
  void aTensorLongerThanTheStrideAcrossAWindowIsRejectedClearly() {
    try (CpuKernels kernels = new CpuKernels(2, 16); Memory memory = kernels.allocate(100)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> kernels.fill(new Slice(memory, 20), 30, 1f));
      assertTrue(e.getMessage().contains("fill: target spans 30 floats from offset 20"),
          e.getMessage());
      assertTrue(e.getMessage().contains("up to 16 floats"), e.getMessage());
      kernels.fill(new Slice(memory, 20), 27, 1f);
    }
  }
}
