package bert4j.runtime.io;

import bert4j.runtime.io.tf.TfCheckpointReader;
import bert4j.runtime.io.torch.ShardedCheckpoint;
import bert4j.runtime.io.torch.TorchCheckpointReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Opens a checkpoint as a {@link TensorSource}, whatever its format: the entry point of every load.
 * A directory is searched for Hugging Face's files ({@code model.safetensors}, its sharded index,
 * {@code pytorch_model.bin}, its index) and then for a TensorFlow checkpoint; a file is told by its
 * name ({@code .index.json}: shards; {@code .index}, {@code .data-…} or a prefix: TensorFlow) or
 * its first bytes (a zip or a pickle: PyTorch; otherwise safetensors).
 */
public final class Checkpoints {
  /** Hugging Face's weight files, in the order a directory is searched. */
  public static final List<String> WEIGHT_FILES = List.of("model.safetensors",
      "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json");
  /** The config files a checkpoint directory may have, in the order they are looked for. */
  public static final List<String> CONFIG_FILES =
      List.of("config.json", "bert_config.json", "albert_config.json");

  private Checkpoints() {}

  /** The tensors of {@code path}; the caller closes the source. */
  public static TensorSource open(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      return openDirectory(path);
    }
    String name = path.getFileName() == null ? "" : path.getFileName().toString();
    if (name.endsWith(".index.json")) {
      return ShardedCheckpoint.open(path);
    }
    if (tensorFlow(path, name)) {
      return TfCheckpointReader.open(path);
    }
    if (!Files.exists(path)) {
      throw new NoSuchFileException(path.toString(), null,
          "no checkpoint file (nor a TensorFlow checkpoint " + path + ".index)");
    }
    byte[] head = new byte[2];
    try (InputStream in = Files.newInputStream(path)) {
      int n = in.readNBytes(head, 0, 2);
      boolean zip = n == 2 && head[0] == 'P' && head[1] == 'K';
      boolean pickle = n == 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5;
      if (zip || pickle) {
        return TorchCheckpointReader.open(path);
      }
    }
    return SafeTensorsReader.open(path);
  }

  /** Whether {@code path} names a TensorFlow checkpoint: its index, a data shard, or its prefix. */
  public static boolean tensorFlow(Path path, String name) {
    return name.endsWith(".index") || name.matches(".*\\.data-\\d{5}-of-\\d{5}")
        || !Files.exists(path) && Files.exists(path.resolveSibling(name + ".index"));
  }

  /** The config file of a checkpoint directory, if it has one. */
  public static Optional<Path> config(Path directory) {
    return CONFIG_FILES.stream().map(directory::resolve).filter(Files::isRegularFile).findFirst();
  }

  private static TensorSource openDirectory(Path dir) throws IOException {
    for (String file : WEIGHT_FILES) {
      if (Files.isRegularFile(dir.resolve(file))) {
        return open(dir.resolve(file));
      }
    }
    try (var files = Files.list(dir)) {
      if (Files.isRegularFile(dir.resolve("checkpoint"))
          || files.anyMatch(f -> f.getFileName().toString().endsWith(".index"))) {
        return TfCheckpointReader.open(dir);
      }
    }
    throw new NoSuchFileException(dir.toString(), null, "a checkpoint directory, but "
        + "it has none of " + String.join(", ", WEIGHT_FILES) + " nor a TensorFlow checkpoint");
  }
}
