package bert4j.runtime.io;

import static bert4j.runtime.io.SafeTensorsBytes.concat;
import static bert4j.runtime.io.SafeTensorsBytes.file;
import static bert4j.runtime.io.SafeTensorsBytes.le64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Corrupt files, written byte by byte: each fails to open with a message naming the file and the problem. */
class SafeTensorsFormatErrorsTest {
  @TempDir Path dir;

  private SafeTensorsFormatException openFails(byte[] bytes) throws IOException {
    Path path = SafeTensorsBytes.write(dir.resolve("bad.safetensors"), bytes);
    SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class,
        () -> SafeTensorsReader.open(path).close());
    assertTrue(e.getMessage().startsWith(path + ": "), "names the file: " + e.getMessage());
    return e;
  }

  private void assertMessageContains(SafeTensorsFormatException e, String expected) {
    assertTrue(e.getMessage().contains(expected), "expected \"" + expected + "\" in: " + e.getMessage());
  }

  @Test
  void emptyAndShortFiles() throws IOException {
    assertMessageContains(openFails(new byte[0]), "file is 0 bytes long, too short for the 8-byte header length");
    assertMessageContains(openFails(new byte[7]), "file is 7 bytes long");
  }

  @Test
  void headerLengthLargerThanTheFile() throws IOException {
    assertMessageContains(openFails(concat(le64(1000), "{}".getBytes(StandardCharsets.US_ASCII))),
        "header length 1000 is larger than the 2 bytes that follow it");
    assertMessageContains(openFails(le64(1)), "header length 1 is larger than the 0 bytes");
  }

  @Test
  void absurdHeaderLengthFailsFastWithoutAllocating() {
    SafeTensorsFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
        () -> openFails(concat(le64(1L << 60), new byte[64])));
    assertMessageContains(e, "header length 1152921504606846976 exceeds the limit of 100000000 bytes");
    // The top bit set: an unsigned length, not a negative one.
    assertMessageContains(assertTimeoutPreemptively(Duration.ofSeconds(5),
        () -> openFails(concat(le64(-1L), new byte[64]))), "header length 18446744073709551615 exceeds");
  }

  @Test
  void headerThatIsNotUtf8() throws IOException {
    byte[] header = concat("{\"a".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xff},
        "\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}".getBytes(StandardCharsets.US_ASCII));
    assertMessageContains(openFails(file(header, new byte[4])), "header is not valid UTF-8");
  }

  static Stream<Arguments> corruptHeaders() {
    String ok = "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]";
    return Stream.of(
        Arguments.of("{\"a\":", "header is not valid JSON"),
        Arguments.of("", "header is not a JSON object but nothing"),
        Arguments.of("[1, 2]", "header is not a JSON object but an array"),
        Arguments.of("\"text\"", "header is not a JSON object but a string"),
        Arguments.of("{} {}", "header is not valid JSON"),
        Arguments.of("{\"a\":{" + ok + "},\"a\":{" + ok + "}}", "duplicate tensor \"a\""),
        Arguments.of("{\"a\":5}", "tensor \"a\": entry must be an object, not a number"),
        Arguments.of("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", "tensor \"a\": missing \"dtype\""),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", "tensor \"a\": missing \"shape\""),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", "tensor \"a\": missing \"data_offsets\""),
        Arguments.of("{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}",
            "\"dtype\" must be a string, not a number"),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}",
            "\"shape\" must be an array, not a string"),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":{\"begin\":0}}}",
            "\"data_offsets\" must be an array, not an object"),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}",
            "\"shape\" holds a number 2.5, not an integer"),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}",
            "holds a string \"2\", not an integer"),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",
            "tensor \"a\": \"shape\" holds the negative dimension -2"),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}",
            "holds 99999999999999999999, too large"),
        Arguments.of("{\"a\":{\"dtype\":\"F128\",\"shape\":[2],\"data_offsets\":[0,8]}}",
            "tensor \"a\": unknown dtype \"F128\""),
        Arguments.of("{\"a\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "unknown dtype \"f32\""),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}",
            "\"data_offsets\" must hold 2 numbers, not [0]"),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", "holds the negative number -8"),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}",
            "data_offsets [8,0] end before they begin"),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
            "tensor \"a\": data_offsets [0,8] span 8 bytes, but F32 of shape [3] needs 12"),
        Arguments.of("{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", "but F64 of shape [2] needs 16"),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}",
            "needs more than 2^63 bytes"),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
            "tensor \"a\": data_offsets [8,16] reach past the end of the data section (8 bytes)"),
        Arguments.of("{\"a\":{" + ok + "},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
            "tensors \"a\" (bytes 0..8) and \"b\" (bytes 4..8) overlap"),
        Arguments.of("{\"__metadata__\":[\"x\"]}", "__metadata__ must be an object of strings, not an array"),
        Arguments.of("{\"__metadata__\":{\"epochs\":3}}",
            "__metadata__ must be an object of strings, but \"epochs\" holds a number"));
  }

  @ParameterizedTest
  @MethodSource("corruptHeaders")
  void corruptHeader(String header, String expected) throws IOException {
    assertMessageContains(openFails(file(header, new byte[8])), expected);
  }

  @Test
  void emptyTensorsSitWhereOneTensorEndsAndTheNextBegins() throws IOException {
    String header = "{\"first\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"last\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[8,8]}}";
    Path path = SafeTensorsBytes.write(dir.resolve("ok.safetensors"), file(header, new byte[8]));
    try (SafeTensorsReader reader = SafeTensorsReader.open(path)) {
      assertEquals(0, reader.read("first").data().length);
      assertEquals(0, reader.read("last").data().length);
    }
    String inside = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"none\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]}}";
    assertMessageContains(openFails(file(inside, new byte[8])),
        "tensors \"a\" (bytes 0..8) and \"none\" (bytes 4..4) overlap");
  }

  static Stream<Arguments> uncoveredBytes() {
    String a = "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
    String b = "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}";
    return Stream.of(
        Arguments.of("{" + a + "," + b + "}", 12,
            "bytes 4..8 of the data section belong to no tensor (a gap before \"b\")"),
        Arguments.of("{" + b + "}", 12, "bytes 0..8 of the data section belong to no tensor"),
        Arguments.of("{" + a + "}", 5,
            "the data section is 5 bytes, but its tensors end at byte 4: 1 trailing byte(s)"),
        Arguments.of("{}", 8, "the data section is 8 bytes, but its tensors end at byte 0"));
  }

  @ParameterizedTest
  @MethodSource("uncoveredBytes")
  void tensorsMustCoverTheDataSectionExactly(String header, int dataBytes, String expected) throws IOException {
    assertMessageContains(openFails(file(header, new byte[dataBytes])), expected);
  }

  @Test
  void aHeaderLengthOffByOneIsRejected() throws IOException {
    // Padded with spaces as writers do, so one byte less is still valid JSON: the data would start early.
    byte[] header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}    "
        .getBytes(StandardCharsets.US_ASCII);
    byte[] data = SafeTensorsBytes.f32(1.5f, 2.5f);
    Path good = SafeTensorsBytes.write(dir.resolve("good.safetensors"), file(header, data));
    SafeTensorsReader.open(good).close();
    assertMessageContains(openFails(concat(le64(header.length - 1), header, data)), "1 trailing byte(s)");
    openFails(concat(le64(header.length + 1), header, data));

    Path written = dir.resolve("written.safetensors");
    SafeTensorsWriter.write(written, Map.of("w", new FloatTensor(new int[] {3}, new float[] {1, 2, 3})),
        Map.of("k", "v"));
    byte[] bytes = Files.readAllBytes(written);
    long length = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    for (long lie : new long[] {length - 1, length + 1}) {
      System.arraycopy(le64(lie), 0, bytes, 0, 8);
      openFails(bytes);
    }
  }

  static Stream<Arguments> duplicateKeys() {
    String entry = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    return Stream.of(
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
            "tensor \"a\": \"dtype\" given twice"),
        Arguments.of("{\"a\":" + entry + ",\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}",
            "__metadata__ holds the key \"k\" twice"),
        Arguments.of("{\"__metadata__\":{},\"a\":" + entry + ",\"__metadata__\":{}}",
            "duplicate key \"__metadata__\""),
        Arguments.of("{\"a\":" + entry + "} {}", "more data after the object"),
        Arguments.of("{\"a\":" + entry + ",\"x\":{\"dtype\":\"F32\",\"shape\":[1,2,3],"
            + "\"data_offsets\":[0,0,0]}}", "\"data_offsets\" must hold 2 numbers, not more"));
  }

  @ParameterizedTest
  @MethodSource("duplicateKeys")
  void duplicateKeysAndExtraData(String header, String expected) throws IOException {
    assertMessageContains(openFails(file(header, new byte[8])), expected);
  }
}
