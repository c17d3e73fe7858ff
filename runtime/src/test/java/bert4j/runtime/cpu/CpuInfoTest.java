package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CpuInfoTest {
  @Test
  void readsTheFirstProcessorsFields() {
    CpuInfo cpu = CpuInfo.parse(List.of(
        "processor\t: 0",
        "vendor_id\t: AuthenticAMD",
        "model name\t: AMD EPYC",
        "flags\t\t: fpu avx2 avx512f amx_tile avx512_bf16",
        "",
        "processor\t: 1",
        "vendor_id\t: SomethingElse",
        "flags\t\t: fpu"));
    assertEquals("AuthenticAMD", cpu.vendor());
    assertEquals("AMD EPYC", cpu.name());
    assertTrue(cpu.flags().contains("avx512f"));
    assertEquals("amx_tile avx512_bf16 avx512f", cpu.flagsStartingWith("avx512", "amx"));
  }

  @Test
  void noFieldsGiveAnEmptyDescription() {
    CpuInfo cpu = CpuInfo.parse(List.of("processor\t: 0"));
    assertNull(cpu.vendor());
    assertEquals(System.getProperty("os.arch"), cpu.name());
    assertTrue(cpu.flags().isEmpty());
    assertEquals("", cpu.flagsStartingWith("avx512"));
  }
}
