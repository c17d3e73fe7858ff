package bert4j.runtime.kernels;

import java.util.Optional;

/**
 * A backend, found through {@link java.util.ServiceLoader}. {@link bert4j.runtime.Backend#auto()} asks
 * every provider whether it can run here and takes the usable one with the highest priority.
 */
public interface KernelsProvider {
  /** Short backend name ("cpu", "cuda"). */
  String name();

  /** Higher wins when several are usable; the CPU backend is 0. */
  int priority();

  /** Empty when usable here, otherwise why not ("no libcuda.so.1", "no CUDA device"). */
  Optional<String> unavailableReason();

  /** Creates the kernels; call only when {@link #unavailableReason()} is empty. */
  Kernels create();
}
