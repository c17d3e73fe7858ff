package bert4j.runtime.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON header of a safetensors file, in both directions: parsed and checked against the size of the
 * data section, or encoded (padded with spaces to a multiple of 8 bytes, as the reference writer does).
 * Tensors keep the header's order. The maps are taken over, not copied (a header may list a million
 * tensors), and read-only from then on.
 */
record SafeTensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
  /** The key of the optional string-to-string metadata object. */
  static final String METADATA_KEY = "__metadata__";

  /** Field names are not canonicalized: a header's million distinct names would only fill a symbol table. */
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
      .build();

  SafeTensorsHeader {
    tensors = Collections.unmodifiableMap(tensors);
    metadata = Collections.unmodifiableMap(metadata);
  }

  /** The JSON text, UTF-8, padded with trailing spaces to a multiple of 8 bytes. */
  byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator json = FACTORY.createGenerator(out)) {
      json.writeStartObject();
      if (!metadata.isEmpty()) {
        json.writeObjectFieldStart(METADATA_KEY);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
          json.writeStringField(e.getKey(), e.getValue());
        }
        json.writeEndObject();
      }
      for (TensorInfo info : tensors.values()) {
        json.writeObjectFieldStart(info.name());
        json.writeStringField("dtype", info.dtype().name());
        long[] shape = info.shape();
        json.writeArrayFieldStart("shape");
        for (long d : shape) {
          json.writeNumber(d);
        }
        json.writeEndArray();
        json.writeArrayFieldStart("data_offsets");
        json.writeNumber(info.begin());
        json.writeNumber(info.end());
        json.writeEndArray();
        json.writeEndObject();
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON into memory cannot fail", e);
    }
    int length = out.size();
    for (int pad = (8 - length % 8) % 8; pad > 0; pad--) {
      out.write(' ');
    }
    return out.toByteArray();
  }

  /**
   * Parses and checks the header bytes of {@code file}, whose data section is {@code dataBytes} long:
   * UTF-8, one JSON object without duplicate keys, every entry well formed, byte ranges that match
   * dtype × shape and tile the data section exactly (sorted by offset, each starts where the previous
   * ends, the last ends at {@code dataBytes}: no gap, no overlap, no trailing bytes, as the format
   * requires). Streams the JSON: what it keeps is the entries themselves, a few times the header's size
   * for the worst case of a million empty tensors, not a JSON tree.
   */
  static SafeTensorsHeader parse(Path file, byte[] bytes, long dataBytes) throws SafeTensorsFormatException {
    checkUtf8(file, bytes);
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    try (JsonParser parser = FACTORY.createParser(bytes)) {
      JsonToken first = parser.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw new SafeTensorsFormatException(file, "header is not a JSON object but " + kind(first));
      }
      boolean sawMetadata = false;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        parser.nextToken();
        if (key.equals(METADATA_KEY)) {
          if (sawMetadata) {
            throw new SafeTensorsFormatException(file, "duplicate key \"" + METADATA_KEY + "\"");
          }
          sawMetadata = true;
          parseMetadata(file, parser, metadata);
        } else if (tensors.put(key, parseEntry(file, key, parser, dataBytes)) != null) {
          throw new SafeTensorsFormatException(file, "duplicate tensor \"" + key + "\"");
        }
      }
      if (parser.nextToken() != null) {
        throw new SafeTensorsFormatException(file, "header is not valid JSON: more data after the object, at "
            + parser.currentTokenLocation().offsetDescription());
      }
    } catch (JsonProcessingException e) {
      throw new SafeTensorsFormatException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (SafeTensorsFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException("reading a byte array cannot fail", e);
    }
    checkCoverage(file, tensors.values(), dataBytes);
    return new SafeTensorsHeader(tensors, metadata);
  }

  /** Strict UTF-8 (no overlong forms, no surrogates), decoded through a small buffer: nothing is kept. */
  private static void checkUtf8(Path file, byte[] bytes) throws SafeTensorsFormatException {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(4096);
    CoderResult result;
    do {
      out.clear();
      result = decoder.decode(in, out, true);
      if (result.isError()) {
        throw new SafeTensorsFormatException(file, "header is not valid UTF-8 (at byte " + in.position() + ")");
      }
    } while (result.isOverflow());
  }

  private static void parseMetadata(Path file, JsonParser parser, Map<String, String> metadata)
      throws IOException {
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw new SafeTensorsFormatException(file, METADATA_KEY + " must be an object of strings, not "
          + kind(parser.currentToken()));
    }
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value != JsonToken.VALUE_STRING) {
        throw new SafeTensorsFormatException(file, METADATA_KEY + " must be an object of strings, but \""
            + key + "\" holds " + kind(value));
      }
      if (metadata.put(key, parser.getText()) != null) {
        throw new SafeTensorsFormatException(file, METADATA_KEY + " holds the key \"" + key + "\" twice");
      }
    }
  }

  /** One tensor's entry, the parser on its first token; unknown keys are skipped. */
  private static TensorInfo parseEntry(Path file, String name, JsonParser parser, long dataBytes)
      throws IOException {
    String where = "tensor \"" + name + "\": ";
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw new SafeTensorsFormatException(file, where + "entry must be an object, not "
          + kind(parser.currentToken()));
    }
    DType dtype = null;
    long[] shape = null;
    long[] offsets = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      JsonToken value = parser.nextToken();
      if ((key.equals("dtype") && dtype != null) || (key.equals("shape") && shape != null)
          || (key.equals("data_offsets") && offsets != null)) {
        throw new SafeTensorsFormatException(file, where + "\"" + key + "\" given twice");
      }
      switch (key) {
        case "dtype" -> dtype = dtype(file, where, parser, value);
        case "shape" -> shape = naturals(file, where, "shape", parser, Integer.MAX_VALUE);
        case "data_offsets" -> offsets = naturals(file, where, "data_offsets", parser, 2);
        default -> parser.skipChildren();
      }
    }
    if (dtype == null || shape == null || offsets == null) {
      throw new SafeTensorsFormatException(file, where + "missing \""
          + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets") + "\"");
    }
    String offsetsText = "[" + (offsets.length > 0 ? offsets[0] : "") + (offsets.length > 1 ? "," + offsets[1] : "")
        + "]";
    if (offsets.length != 2) {
      throw new SafeTensorsFormatException(file, where + "\"data_offsets\" must hold 2 numbers, not "
          + offsetsText);
    }
    long begin = offsets[0];
    long end = offsets[1];
    if (end < begin) {
      throw new SafeTensorsFormatException(file, where + "data_offsets " + offsetsText + " end before they begin");
    }
    String shapeText = Arrays.toString(shape);
    long needed;
    try {
      long count = 1;
      for (long d : shape) {
        count = Math.multiplyExact(count, d);
      }
      needed = Math.multiplyExact(count, dtype.bytes());
    } catch (ArithmeticException e) {
      throw new SafeTensorsFormatException(file, where + "shape " + shapeText + " of " + dtype
          + " needs more than 2^63 bytes");
    }
    if (end - begin != needed) {
      throw new SafeTensorsFormatException(file, where + "data_offsets " + offsetsText + " span " + (end - begin)
          + " bytes, but " + dtype + " of shape " + shapeText + " needs " + needed);
    }
    if (end > dataBytes) {
      throw new SafeTensorsFormatException(file, where + "data_offsets " + offsetsText
          + " reach past the end of the data section (" + dataBytes + " bytes)");
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  private static DType dtype(Path file, String where, JsonParser parser, JsonToken value) throws IOException {
    if (value != JsonToken.VALUE_STRING) {
      throw new SafeTensorsFormatException(file, where + "\"dtype\" must be a string, not " + kind(value));
    }
    String text = parser.getText();
    for (DType dtype : DType.values()) {
      if (dtype.name().equals(text)) {
        return dtype;
      }
    }
    throw new SafeTensorsFormatException(file, where + "unknown dtype \"" + text + "\" (known: "
        + Arrays.toString(DType.values()) + ")");
  }

  /**
   * An array of integers in [0, 2^63), the parser on its first token; more than {@code limit} elements
   * stop the reading (the caller reports the count as wrong).
   */
  private static long[] naturals(Path file, String where, String key, JsonParser parser, int limit)
      throws IOException {
    if (parser.currentToken() != JsonToken.START_ARRAY) {
      throw new SafeTensorsFormatException(file, where + "\"" + key + "\" must be an array, not "
          + kind(parser.currentToken()));
    }
    long[] values = new long[4];
    int count = 0;
    for (JsonToken element = parser.nextToken(); element != JsonToken.END_ARRAY; element = parser.nextToken()) {
      if (element != JsonToken.VALUE_NUMBER_INT) {
        throw new SafeTensorsFormatException(file, where + "\"" + key + "\" holds " + kind(element)
            + (element.isScalarValue() ? " " + quoted(parser) : "") + ", not an integer");
      }
      if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw new SafeTensorsFormatException(file, where + "\"" + key + "\" holds " + parser.getText()
            + ", too large");
      }
      long value = parser.getLongValue();
      if (value < 0) {
        throw new SafeTensorsFormatException(file, where + "\"" + key + "\" holds the negative "
            + (key.equals("shape") ? "dimension " : "number ") + value);
      }
      if (count == limit) {
        throw new SafeTensorsFormatException(file, where + "\"" + key + "\" must hold " + limit
            + " numbers, not more");
      }
      if (count == values.length) {
        values = Arrays.copyOf(values, values.length * 2);
      }
      values[count++] = value;
    }
    return Arrays.copyOf(values, count);
  }

  private static String quoted(JsonParser parser) throws IOException {
    return parser.currentToken() == JsonToken.VALUE_STRING ? "\"" + parser.getText() + "\"" : parser.getText();
  }

  /**
   * The tensors, sorted by {@code (begin, end)}, must tile {@code [0, dataBytes)}: each begins where the
   * previous one ended (an empty tensor sits at such a boundary), and the last ends at the end.
   */
  private static void checkCoverage(Path file, Collection<TensorInfo> tensors, long dataBytes)
      throws SafeTensorsFormatException {
    TensorInfo[] sorted = tensors.toArray(new TensorInfo[0]);
    Arrays.sort(sorted, Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    TensorInfo previous = null;
    long covered = 0;
    for (TensorInfo next : sorted) {
      if (next.begin() > covered) {
        throw new SafeTensorsFormatException(file, "bytes " + covered + ".." + next.begin()
            + " of the data section belong to no tensor (a gap before \"" + next.name() + "\")");
      }
      if (next.begin() < covered) {
        throw new SafeTensorsFormatException(file, "tensors \"" + previous.name() + "\" (bytes "
            + previous.begin() + ".." + previous.end() + ") and \"" + next.name() + "\" (bytes " + next.begin()
            + ".." + next.end() + ") overlap");
      }
      covered = next.end();
      previous = next;
    }
    if (covered != dataBytes) {
      throw new SafeTensorsFormatException(file, "the data section is " + dataBytes + " bytes, but its tensors"
          + " end at byte " + covered + ": " + (dataBytes - covered) + " trailing byte(s) (is the header length"
          + " right?)");
    }
  }

  /** What a JSON value starting with {@code token} is, for messages: "an array", "a string", "nothing". */
  private static String kind(JsonToken token) {
    if (token == null) {
      return "nothing";
    }
    return switch (token) {
      case START_ARRAY -> "an array";
      case START_OBJECT -> "an object";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> token.asString() == null ? token.name() : "\"" + token.asString() + "\"";
    };
  }
}
