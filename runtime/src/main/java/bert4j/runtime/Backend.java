package bert4j.runtime;

import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.KernelsProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.logging.Logger;

/** Chooses the {@link Kernels} a model runs on: a named backend, or the best usable one. */
public final class Backend {
  private static final Logger LOG = Logger.getLogger(Backend.class.getName());

  private Backend() {}

  /** The CPU backend (ND4J's BLAS and fused Java loops). */
  public static Kernels cpu() {
    return named("cpu");
  }

  /** The backend called {@code name}; fails with the reason when it is missing or unusable here. */
  public static Kernels named(String name) {
    for (KernelsProvider provider : providers()) {
      if (provider.name().equals(name)) {
        String reason = provider.unavailableReason().orElse(null);
        if (reason != null) {
          throw new IllegalStateException("backend '" + name + "' is not usable here: " + reason);
        }
        return provider.create();
      }
    }
    throw new IllegalStateException("no backend named '" + name + "' on the classpath; found "
        + providers().stream().map(KernelsProvider::name).toList());
  }

  /**
   * The usable backend with the highest priority (a GPU when one works, else the CPU); logs one line
   * saying which and, for each better backend passed over, why.
   */
  public static Kernels auto() {
    List<KernelsProvider> providers = new ArrayList<>(providers());
    providers.sort(Comparator.comparingInt(KernelsProvider::priority).reversed());
    List<String> passedOver = new ArrayList<>();
    for (KernelsProvider provider : providers) {
      String reason = provider.unavailableReason().orElse(null);
      if (reason == null) {
        Kernels kernels = provider.create();
        LOG.info("bert4j backend: " + kernels.name()
            + (passedOver.isEmpty() ? "" : " (" + String.join("; ", passedOver) + ")"));
        return kernels;
      }
      passedOver.add(provider.name() + " not usable: " + reason);
    }
    throw new IllegalStateException("no usable bert4j backend: " + passedOver);
  }

  private static List<KernelsProvider> providers() {
    List<KernelsProvider> found = new ArrayList<>();
    ServiceLoader.load(KernelsProvider.class).forEach(found::add);
    return found;
  }
}
