package bert4j.runtime.io.torch;

import static bert4j.runtime.io.torch.TorchFixtures.fixture;
import static bert4j.runtime.io.torch.TorchFixtures.values;
import static bert4j.runtime.io.torch.TorchFixtures.zip;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files the reader refuses: each with a CheckpointFormatException naming the file and the problem. */
class TorchCheckpointErrorsTest {
  @TempDir Path dir;

  private static String refusal(Path file) {
    return assertThrows(CheckpointFormatException.class, () -> TorchCheckpointReader.open(file)).getMessage();
  }

  /** A torch-like zip whose data.pkl is {@code pickle} and whose storage 0 holds {@code storage}. */
  private Path checkpoint(String name, byte[] pickle, byte[] storage) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("archive/data.pkl", pickle);
    entries.put("archive/data/0", storage);
    entries.put("archive/version", new byte[] {'3', '\n'});
    return zip(dir.resolve(name), entries);
  }

  @Test
  void maliciousPickleIsRefusedNamingOsSystem() {
    String message = refusal(fixture("malicious.bin"));
    assertTrue(message.startsWith(fixture("malicious.bin") + ": malicious/data.pkl: the pickle names os.system, "
        + "which bert4j does not load (only collections.OrderedDict, torch._utils._rebuild_tensor_v2, "
        + "torch._utils._rebuild_parameter and torch.{BFloat16,Bool,Byte,Char,Double,Float,Half,Int,Long,Short}"
        + "Storage); nothing was run"), message);
  }

  @Test
  void aGlobalHiddenInsideATensorIsRefusedToo() throws IOException {
    // The storage type of an otherwise well-formed state dict is torch.storage._load_from_bytes (which
    // would torch.load arbitrary bytes), and a STACK_GLOBAL names builtins.eval.
    byte[] loadFromBytes = PickleBytes.stateDict("w", "FloatStorage", "0", 1, 0, new long[] {1}, new long[] {1});
    String pickled = new String(loadFromBytes, ISO_8859_1)
        .replace("torch\nFloatStorage\n", "torch.storage\n_load_from_bytes\n");
    String message = refusal(checkpoint("storage.bin",
        pickled.getBytes(ISO_8859_1), new byte[4]));
    assertTrue(message.contains("the pickle names torch.storage._load_from_bytes, which bert4j does not load"),
        message);

    byte[] eval = new PickleBytes().proto(4).shortStr("builtins").shortStr("eval").raw(0x93).stop().bytes();
    String stackGlobal = refusal(checkpoint("eval.bin", eval, new byte[0]));
    assertTrue(stackGlobal.contains("the pickle names builtins.eval, which bert4j does not load"), stackGlobal);
  }

  @Test
  void legacyFormatSaysHowToConvert() {
    String message = refusal(fixture("legacy.bin"));
    assertTrue(message.contains("legacy.bin: is a legacy PyTorch file (not a zip)")
        && message.contains("_use_new_zipfile_serialization=True"), message);
  }

  @Test
  void neitherZipNorLegacyIsAClearError() throws IOException {
    Path text = Files.writeString(dir.resolve("notes.bin"), "hello, this is not a checkpoint");
    assertTrue(refusal(text).contains("is neither a zip archive, as torch.save writes since PyTorch 1.6, nor a "
        + "legacy PyTorch file: it starts with bytes 68 65 6c 6c 6f 2c 20 74"), refusal(text));
    Path safetensors = Files.write(dir.resolve("model.bin"), new byte[] {2, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
    assertTrue(refusal(safetensors).contains("(it looks like a safetensors file)"), refusal(safetensors));
    Path empty = Files.write(dir.resolve("empty.bin"), new byte[0]);
    assertTrue(refusal(empty).contains("is neither a zip archive"), refusal(empty));
  }

  @Test
  void truncatedZipIsAClearError() throws IOException {
    byte[] whole = Files.readAllBytes(fixture("bert.bin"));
    for (int keep : new int[] {whole.length - 30, whole.length / 2, 10}) {
      Path cut = Files.write(dir.resolve("cut" + keep + ".bin"), Arrays.copyOf(whole, keep));
      String message = refusal(cut);
      assertTrue(message.contains("is not a readable zip archive (truncated or damaged?)"), message);
    }
  }

  @Test
  void truncatedOrCorruptedPickleIsAClearError() throws IOException {
    byte[] good = PickleBytes.stateDict("w", "FloatStorage", "0", 1, 0, new long[] {1}, new long[] {1});
    String truncated = refusal(checkpoint("truncated.bin", Arrays.copyOf(good, good.length - 20), new byte[4]));
    assertTrue(truncated.contains("archive/data.pkl: the pickle ends at byte " + (good.length - 20)), truncated);

    byte[] unknown = good.clone();
    unknown[2] = (byte) 0xff;
    String opcode = refusal(checkpoint("opcode.bin", unknown, new byte[4]));
    assertTrue(opcode.contains("corrupted pickle at byte 2: opcode 0xff is not one torch.save writes"), opcode);

    byte[] underflow = new PickleBytes().proto(2).raw('R').stop().bytes();
    String stack = refusal(checkpoint("underflow.bin", underflow, new byte[0]));
    assertTrue(stack.contains("corrupted pickle at byte 2: the stack is empty"), stack);

    byte[] hugeString = new PickleBytes().proto(2).raw('X').le(0xfffffff0L, 4).stop().bytes();
    String huge = refusal(checkpoint("huge.bin", hugeString, new byte[0]));
    assertTrue(huge.contains("the pickle ends at byte 8, inside the opcode at byte 2 (it needs 4294967280 more"),
        huge);
  }

  @Test
  void lyingSizesAreRefusedBeforeAnyAllocation() throws IOException {
    byte[] storage = new byte[24]; // six float32s
    String numel = refusal(checkpoint("numel.bin", PickleBytes.stateDict("w", "FloatStorage", "0",
        1_000_000_000_000L, 0, new long[] {6}, new long[] {1}), storage));
    assertTrue(numel.contains("tensor \"w\": its storage archive/data/0 holds 24 bytes, the pickle says "
        + "1000000000000 elements of F32 (4000000000000 bytes)"), numel);

    String shape = refusal(checkpoint("shape.bin", PickleBytes.stateDict("w", "FloatStorage", "0", 6, 0,
        new long[] {1_000_000, 1_000_000}, new long[] {1_000_000, 1}), storage));
    assertTrue(shape.contains("tensor \"w\" of shape [1000000, 1000000], stride [1000000, 1] from element 0 "
        + "reaches element 999999999999 of its storage 0, which holds 6"), shape);

    String offset = refusal(checkpoint("offset.bin", PickleBytes.stateDict("w", "FloatStorage", "0", 6, 5,
        new long[] {2}, new long[] {1}), storage));
    assertTrue(offset.contains("reaches element 6 of its storage 0, which holds 6"), offset);

    String overflow = refusal(checkpoint("overflow.bin", PickleBytes.stateDict("w", "FloatStorage", "0", 6, 0,
        new long[] {1L << 62, 4}, new long[] {4, 1}), storage));
    assertTrue(overflow.contains("overflows 64 bits"), overflow);

    String negative = refusal(checkpoint("negative.bin", PickleBytes.stateDict("w", "FloatStorage", "0", 6, 0,
        new long[] {2, 3}, new long[] {-3, 1}), storage));
    assertTrue(negative.contains("is not a tensor layout torch writes"), negative);

    String missing = refusal(checkpoint("missing.bin", PickleBytes.stateDict("w", "FloatStorage", "7", 6, 0,
        new long[] {6}, new long[] {1}), storage));
    assertTrue(missing.contains("tensor \"w\": its storage archive/data/7 is not in the zip archive"), missing);
  }

  @Test
  void whatIsNotAStateDictIsNamed() throws IOException {
    byte[] list = new PickleBytes().proto(2).raw(']').stop().bytes();
    assertTrue(refusal(checkpoint("list.bin", list, new byte[0]))
        .contains("the pickle holds a list, not a state dict"));
    byte[] epoch = new PickleBytes().proto(2).emptyDict().str("epoch").integer(3).raw('s').stop().bytes();
    String message = refusal(checkpoint("epoch.bin", epoch, new byte[0]));
    assertTrue(message.contains("the state dict maps a str \"epoch\" to a int; bert4j reads dicts of str to tensor"),
        message);
    Path noPickle = zip(dir.resolve("nopickle.bin"), Map.of("weights/data/0", new byte[4]));
    assertTrue(refusal(noPickle).contains("the zip archive holds no <archive>/data.pkl"), refusal(noPickle));
  }

  @Test
  void aCorruptedStorageByteFailsItsCrcNamingTheTensor() throws IOException {
    byte[] file = Files.readAllBytes(fixture("bert.bin"));
    ByteBuffer first = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values(0, 4)) {
      first.putFloat(v);
    }
    int at = indexOf(file, first.array());
    file[at + 5] ^= 0x01;
    Path corrupted = Files.write(dir.resolve("corrupted.bin"), file);
    try (TorchCheckpointReader reader = TorchCheckpointReader.open(corrupted)) {
      String message = assertThrows(CheckpointFormatException.class,
          () -> reader.read("bert.embeddings.word_embeddings.weight")).getMessage();
      assertTrue(message.contains("tensor \"bert.embeddings.word_embeddings.weight\": its storage bert/data/0 "
          + "fails its CRC-32 check"), message);
      assertEquals(4, reader.read("bert.embeddings.LayerNorm.weight").data().length, "other tensors still read");
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    throw new AssertionError("storage bytes not found");
  }
}
