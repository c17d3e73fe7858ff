package bert4j.runtime.io;

import java.nio.file.Path;

/** Opens the safetensors file {@code args[0]} and prints how many tensors its header lists. */
final class OpenHeader {
  private OpenHeader() {}

  public static void main(String[] args) throws Exception {
    try (SafeTensorsReader reader = SafeTensorsReader.open(Path.of(args[0]))) {
      System.out.println("opened " + reader.names().size());
    }
  }
}
