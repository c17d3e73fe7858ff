package bert4j.runtime.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON header of a safetensors file, in both directions: parsed and checked against the size of the
 * data section, or encoded (padded with spaces to a multiple of 8 bytes, as the reference writer does).
 * Tensors keep the header's order.
 */
record SafeTensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
  /** The key of the optional string-to-string metadata object. */
  static final String METADATA_KEY = "__metadata__";

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  SafeTensorsHeader {
    tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /** The JSON text, UTF-8, padded with trailing spaces to a multiple of 8 bytes. */
  byte[] encode() {
    ObjectNode root = MAPPER.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject(METADATA_KEY);
      metadata.forEach(meta::put);
    }
    for (TensorInfo info : tensors.values()) {
      ObjectNode entry = root.putObject(info.name());
      entry.put("dtype", info.dtype().name());
      ArrayNode shape = entry.putArray("shape");
      for (long d : info.shape()) {
        shape.add(d);
      }
      entry.putArray("data_offsets").add(info.begin()).add(info.end());
    }
    byte[] json;
    try {
      json = MAPPER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a tree of strings and numbers", e);
    }
    byte[] padded = Arrays.copyOf(json, (json.length + 7) & ~7);
    Arrays.fill(padded, json.length, padded.length, (byte) ' ');
    return padded;
  }

  /**
   * Parses and checks the header bytes of {@code file}, whose data section is {@code dataBytes} long:
   * UTF-8, one JSON object, every entry well formed, byte ranges that match dtype × shape, lie inside the
   * data section and do not overlap.
   */
  static SafeTensorsHeader parse(Path file, byte[] bytes, long dataBytes) throws SafeTensorsFormatException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new SafeTensorsFormatException(file, "header is not valid UTF-8", e);
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new SafeTensorsFormatException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new SafeTensorsFormatException(file, "header is not a JSON object but " + kind(root));
    }
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getKey().equals(METADATA_KEY)) {
        metadata.putAll(parseMetadata(file, field.getValue()));
      } else {
        tensors.put(field.getKey(), parseEntry(file, field.getKey(), field.getValue(), dataBytes));
      }
    }
    checkNoOverlap(file, tensors.values());
    return new SafeTensorsHeader(tensors, metadata);
  }

  private static Map<String, String> parseMetadata(Path file, JsonNode node) throws SafeTensorsFormatException {
    if (!node.isObject()) {
      throw new SafeTensorsFormatException(file, METADATA_KEY + " must be an object of strings, not " + kind(node));
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (!field.getValue().isTextual()) {
        throw new SafeTensorsFormatException(file, METADATA_KEY + " must be an object of strings, but \""
            + field.getKey() + "\" holds " + kind(field.getValue()));
      }
      metadata.put(field.getKey(), field.getValue().textValue());
    }
    return metadata;
  }

  private static TensorInfo parseEntry(Path file, String name, JsonNode node, long dataBytes)
      throws SafeTensorsFormatException {
    String where = "tensor \"" + name + "\": ";
    if (!node.isObject()) {
      throw new SafeTensorsFormatException(file, where + "entry must be an object, not " + kind(node));
    }
    JsonNode dtypeNode = required(file, where, node, "dtype");
    if (!dtypeNode.isTextual()) {
      throw new SafeTensorsFormatException(file, where + "\"dtype\" must be a string, not " + kind(dtypeNode));
    }
    DType dtype;
    try {
      dtype = DType.valueOf(dtypeNode.textValue());
    } catch (IllegalArgumentException e) {
      throw new SafeTensorsFormatException(file, where + "unknown dtype \"" + dtypeNode.textValue()
          + "\" (known: " + Arrays.toString(DType.values()) + ")");
    }
    JsonNode shapeNode = required(file, where, node, "shape");
    long[] shape = naturals(file, where, "shape", shapeNode);
    JsonNode offsetsNode = required(file, where, node, "data_offsets");
    long[] offsets = naturals(file, where, "data_offsets", offsetsNode);
    if (offsets.length != 2) {
      throw new SafeTensorsFormatException(file, where + "\"data_offsets\" must hold 2 numbers, not "
          + offsetsNode);
    }
    long begin = offsets[0];
    long end = offsets[1];
    if (end < begin) {
      throw new SafeTensorsFormatException(file, where + "data_offsets " + offsetsNode + " end before they begin");
    }
    long needed;
    try {
      long count = 1;
      for (long d : shape) {
        count = Math.multiplyExact(count, d);
      }
      needed = Math.multiplyExact(count, dtype.bytes());
    } catch (ArithmeticException e) {
      throw new SafeTensorsFormatException(file, where + "shape " + shapeNode + " of " + dtype
          + " needs more than 2^63 bytes");
    }
    if (end - begin != needed) {
      throw new SafeTensorsFormatException(file, where + "data_offsets " + offsetsNode + " span " + (end - begin)
          + " bytes, but " + dtype + " of shape " + shapeNode + " needs " + needed);
    }
    if (end > dataBytes) {
      throw new SafeTensorsFormatException(file, where + "data_offsets " + offsetsNode
          + " reach past the end of the data section (" + dataBytes + " bytes)");
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  private static JsonNode required(Path file, String where, JsonNode entry, String key)
      throws SafeTensorsFormatException {
    JsonNode value = entry.get(key);
    if (value == null) {
      throw new SafeTensorsFormatException(file, where + "missing \"" + key + "\"");
    }
    return value;
  }

  /** An array of integers in [0, 2^63). */
  private static long[] naturals(Path file, String where, String key, JsonNode node)
      throws SafeTensorsFormatException {
    if (!node.isArray()) {
      throw new SafeTensorsFormatException(file, where + "\"" + key + "\" must be an array, not " + kind(node));
    }
    long[] values = new long[node.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode element = node.get(i);
      if (!element.isIntegralNumber()) {
        throw new SafeTensorsFormatException(file, where + "\"" + key + "\" " + node + " holds " + kind(element)
            + " " + element + ", not an integer");
      }
      if (!element.canConvertToLong()) {
        throw new SafeTensorsFormatException(file, where + "\"" + key + "\" " + node + " holds " + element
            + ", too large");
      }
      values[i] = element.longValue();
      if (values[i] < 0) {
        throw new SafeTensorsFormatException(file, where + "\"" + key + "\" " + node + " holds the negative "
            + (key.equals("shape") ? "dimension " : "number ") + values[i]);
      }
    }
    return values;
  }

  /** Tensors with bytes may not share any; empty tensors overlap nothing. */
  private static void checkNoOverlap(Path file, Iterable<TensorInfo> tensors) throws SafeTensorsFormatException {
    List<TensorInfo> sorted = new ArrayList<>();
    for (TensorInfo info : tensors) {
      if (info.byteSize() > 0) {
        sorted.add(info);
      }
    }
    sorted.sort(Comparator.comparingLong(TensorInfo::begin));
    for (int i = 1; i < sorted.size(); i++) {
      TensorInfo previous = sorted.get(i - 1);
      TensorInfo next = sorted.get(i);
      if (next.begin() < previous.end()) {
        throw new SafeTensorsFormatException(file, "tensors \"" + previous.name() + "\" (bytes " + previous.begin()
            + ".." + previous.end() + ") and \"" + next.name() + "\" (bytes " + next.begin() + ".." + next.end()
            + ") overlap");
      }
    }
  }

  /** What a JSON value is, for messages: "an array", "a string", "nothing". */
  private static String kind(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    String type = node.getNodeType().name().toLowerCase(Locale.ROOT);
    return switch (type) {
      case "null" -> "null";
      case "array", "object" -> "an " + type;
      default -> "a " + type;
    };
  }
}
