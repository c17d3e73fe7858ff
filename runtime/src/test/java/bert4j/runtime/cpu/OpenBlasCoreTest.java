package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** OpenBLAS's kernel choice ({@link OpenBlasCore}) and idle spin ({@link OpenBlasThreads}). */
class OpenBlasCoreTest {
  private static final Set<String> ZEN5_FLAGS = Set.of("sse4_2", "avx2", "fma", "avx512f",
      "avx512dq", "avx512cd", "avx512bw", "avx512vl", "avx512_bf16", "avx512_vnni");

  /** libc's getenv: Java's System.getenv is a copy taken at start-up. */
  private interface C extends Library {
    String getenv(String name);
  }

  @Test
  void amdWithAvx512GetsSkylakeXKernels() {
    assertEquals("SKYLAKEX", OpenBlasCore.choose(null, "AuthenticAMD", ZEN5_FLAGS));
    assertEquals("SKYLAKEX", OpenBlasCore.choose("", "AuthenticAMD", ZEN5_FLAGS));
  }

  @Test
  void aUsersChoiceIntelCpusAndMissingSubsetsAreLeftAlone() {
    assertNull(OpenBlasCore.choose("HASWELL", "AuthenticAMD", ZEN5_FLAGS));
    assertNull(OpenBlasCore.choose(null, "GenuineIntel", ZEN5_FLAGS));
    Set<String> noBw = new HashSet<>(ZEN5_FLAGS);
    noBw.remove("avx512bw");
    assertNull(OpenBlasCore.choose(null, "AuthenticAMD", noBw));
    assertNull(OpenBlasCore.choose(null, "AuthenticAMD", Set.of("avx2", "fma")));
    assertNull(OpenBlasCore.choose(null, null, Set.of()));
  }

  @Test
  void loadingOpenBlasLeavesTheChoiceInTheProcessEnvironment() {
    String before = System.getenv(OpenBlasCore.VARIABLE);
    Blas.threads(1);
    String now = Native.load("c", C.class).getenv(OpenBlasCore.VARIABLE);
    if (before != null) {
      assertEquals(before, now);
    } else {
      assertEquals(OpenBlasCore.choose(null, CpuInfo.read().vendor(), CpuInfo.read().flags()), now);
    }
  }

  @Test
  void loadingOpenBlasShortensItsThreadsIdleSpinUnlessTheUserChose() {
    String before = System.getenv(OpenBlasThreads.VARIABLE);
    Blas.threads(1);
    String now = Native.load("c", C.class).getenv(OpenBlasThreads.VARIABLE);
    assertEquals(before != null ? before : OpenBlasThreads.SHORTEST, now);
  }
}
