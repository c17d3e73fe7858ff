package bert4j.runtime.io.torch;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.io.SafeTensorsReader;
import bert4j.runtime.io.TensorSource;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint split into shards, as Hugging Face saves large models: an index
 * ({@code pytorch_model.bin.index.json} or {@code model.safetensors.index.json}:
 * {@code {"metadata": {...}, "weight_map": {name: shard file}}}) and the shard files beside it, each a
 * safetensors file or a PyTorch checkpoint. It presents one name-to-tensor view: {@link #open} reads the
 * index and checks that every shard exists; a shard is opened when a tensor of it is first asked for,
 * and then checked to hold every tensor the index puts in it. Errors name the index, the shard and the
 * tensor. Safe for several threads.
 */
public final class ShardedCheckpoint implements TensorSource {
  /** An index names each tensor once: about 100 bytes a tensor; larger files are refused unread. */
  private static final long MAX_INDEX_BYTES = 64L << 20;
  private static final int NAMED = 5;
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final Path index;
  /** Tensor name to shard file, in the index's order. */
  private final Map<String, Path> weightMap;
  private final Map<Path, TensorSource> opened = new HashMap<>();
  private boolean closed;

  private ShardedCheckpoint(Path index, Map<String, Path> weightMap) {
    this.index = index;
    this.weightMap = weightMap;
  }

  /** Reads the index at {@code index} and checks that its shards exist; the caller closes the checkpoint. */
  public static ShardedCheckpoint open(Path index) throws IOException {
    long size = Files.size(index);
    if (size > MAX_INDEX_BYTES) {
      throw new CheckpointFormatException(index, "the index is " + size + " bytes, more than the "
          + MAX_INDEX_BYTES + " allowed");
    }
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(index));
    } catch (JsonProcessingException e) {
      throw new CheckpointFormatException(index, "is not valid JSON: " + e.getOriginalMessage(), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new CheckpointFormatException(index, "has no \"weight_map\" object (tensor name to shard file)");
    }
    Path directory = index.toAbsolutePath().getParent();
    Map<String, Path> weightMap = new LinkedHashMap<>();
    Map<Path, String> firstTensor = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : (Iterable<Map.Entry<String, JsonNode>>) map::fields) {
      String name = entry.getKey();
      JsonNode value = entry.getValue();
      if (!value.isTextual()) {
        throw new CheckpointFormatException(index, "maps tensor \"" + name + "\" to " + value.getNodeType()
            + ", not a shard file name");
      }
      Path shard = directory.resolve(value.asText()).normalize();
      if (!shard.startsWith(directory) || shard.equals(directory)) {
        throw new CheckpointFormatException(index, "puts tensor \"" + name + "\" in \"" + value.asText()
            + "\", which is not a file beside the index");
      }
      weightMap.put(name, shard);
      firstTensor.putIfAbsent(shard, name);
    }
    for (Map.Entry<Path, String> shard : firstTensor.entrySet()) {
      String file = shard.getKey().getFileName().toString();
      if (!file.endsWith(".safetensors") && !file.endsWith(".bin")) {
        throw new CheckpointFormatException(index, "shard " + file + " (of tensor \"" + shard.getValue()
            + "\") is neither .safetensors nor .bin");
      }
      if (!Files.isRegularFile(shard.getKey())) {
        throw new CheckpointFormatException(index, "shard " + file + ", which holds tensor \"" + shard.getValue()
            + "\", is missing: there is no " + shard.getKey());
      }
    }
    return new ShardedCheckpoint(index, weightMap);
  }

  /** The index file. */
  @Override
  public Path path() {
    return index;
  }

  /** Every tensor name, in the index's order. */
  @Override
  public List<String> names() {
    return List.copyOf(weightMap.keySet());
  }

  /** Whether the index lists a tensor of this name. */
  @Override
  public boolean contains(String name) {
    return weightMap.containsKey(name);
  }

  /** The shard file the index puts tensor {@code name} in. */
  public Path shard(String name) throws CheckpointFormatException {
    Path shard = weightMap.get(name);
    if (shard == null) {
      throw new CheckpointFormatException(index, "lists no tensor \"" + name + "\" among " + weightMap.size()
          + (weightMap.isEmpty() ? "" : " (" + String.join(", ", weightMap.keySet().stream().limit(NAMED).toList())
              + (weightMap.size() > NAMED ? ", ..." : "") + ")"));
    }
    return shard;
  }

  /** The element type of tensor {@code name}, as its shard stores it. */
  @Override
  public String typeName(String name) throws IOException {
    return open(name).typeName(name);
  }

  @Override
  public boolean readsAsFloat(String name) throws IOException {
    return open(name).readsAsFloat(name);
  }

  /** The shape of tensor {@code name}, as its shard stores it. */
  @Override
  public long[] shape(String name) throws IOException {
    return open(name).shape(name);
  }

  /** The index's {@code metadata} strings are not kept: none. */
  @Override
  public Map<String, String> metadata() {
    return Map.of();
  }

  @Override
  public IOException error(String problem) {
    return new CheckpointFormatException(index, problem);
  }

  /** Tensor {@code name} as float32, read from its shard. */
  @Override
  public FloatTensor read(String name) throws IOException {
    return open(name).read(name);
  }

  /** Closes every shard opened; the names stay readable. */
  @Override
  public synchronized void close() throws IOException {
    closed = true;
    IOException failure = null;
    for (TensorSource shard : opened.values()) {
      try {
        shard.close();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    opened.clear();
    if (failure != null) {
      throw failure;
    }
  }

  /** The shard holding tensor {@code name}, opened and checked on first use. */
  private synchronized TensorSource open(String name) throws IOException {
    Path file = shard(name);
    if (closed) {
      throw new CheckpointFormatException(index, "is closed; tensor \"" + name + "\" cannot be read");
    }
    TensorSource shard = opened.get(file);
    if (shard == null) {
      shard = file.getFileName().toString().endsWith(".safetensors")
          ? SafeTensorsReader.open(file) : TorchCheckpointReader.open(file);
      List<String> absent = new ArrayList<>();
      for (Map.Entry<String, Path> entry : weightMap.entrySet()) {
        if (entry.getValue().equals(file) && !shard.contains(entry.getKey())) {
          absent.add(entry.getKey());
        }
      }
      if (!absent.isEmpty()) {
        shard.close();
        throw new CheckpointFormatException(index, "puts " + absent.size() + " tensor(s) in shard "
            + file.getFileName() + ", which does not hold them: \""
            + String.join("\", \"", absent.subList(0, Math.min(NAMED, absent.size()))) + "\""
            + (absent.size() > NAMED ? ", ..." : ""));
      }
      opened.put(file, shard);
    }
    return shard;
  }
}
