package bert4j.examples.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A saved safetensors file taken apart for tests that corrupt it: the header as an editable JSON tree
 * (entries in file order) and the data section as bytes. {@link #bytes} puts it back together with a
 * header length that matches, padded as writers pad; byte-level corruption works on that.
 */
final class SafeTensorsFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  final ObjectNode header;
  final byte[] data;

  private SafeTensorsFile(ObjectNode header, byte[] data) {
    this.header = header;
    this.data = data;
  }

  static SafeTensorsFile read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int length = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    ObjectNode header = (ObjectNode) JSON.readTree(Arrays.copyOfRange(bytes, 8, 8 + length));
    return new SafeTensorsFile(header, Arrays.copyOfRange(bytes, 8 + length, bytes.length));
  }

  /** A deep copy, to edit without touching this one. */
  SafeTensorsFile copy() {
    return new SafeTensorsFile(header.deepCopy(), data.clone());
  }

  /** The entry of tensor {@code name}: {@code dtype}, {@code shape}, {@code data_offsets}. */
  ObjectNode entry(String name) {
    return (ObjectNode) header.get(name);
  }

  ObjectNode metadata() {
    return (ObjectNode) header.get("__metadata__");
  }

  /** Where tensor {@code name}'s bytes begin in {@link #data}. */
  int begin(String name) {
    return entry(name).get("data_offsets").get(0).intValue();
  }

  /** Sets the float32 at element {@code index} of tensor {@code name} (an F32 tensor). */
  void setFloat(String name, int index, float value) {
    ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putFloat(begin(name) + 4 * index, value);
  }

  /** The whole file: the header length, the header padded with spaces to a multiple of 8, the data. */
  byte[] bytes() throws IOException {
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) & ~7;
    ByteBuffer out = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(padded).put(json);
    for (int i = json.length; i < padded; i++) {
      out.put((byte) ' ');
    }
    return out.put(data).array();
  }

  Path write(Path file) throws IOException {
    return Files.write(file, bytes());
  }
}
