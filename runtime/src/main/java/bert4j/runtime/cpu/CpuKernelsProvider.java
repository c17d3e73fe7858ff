package bert4j.runtime.cpu;

import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.KernelsProvider;
import com.google.auto.service.AutoService;
import java.util.Optional;

/** The CPU backend, "cpu": always usable, priority 0 (any usable GPU backend wins). */
@AutoService(KernelsProvider.class)
public final class CpuKernelsProvider implements KernelsProvider {
  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public int priority() {
    return 0;
  }

  @Override
  public Optional<String> unavailableReason() {
    return Optional.empty();
  }

  @Override
  public Kernels create() {
    return new CpuKernels();
  }
}
