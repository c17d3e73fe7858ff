package bert4j.examples.model;

import static bert4j.examples.model.CheckpointAssertions.assertHoldsFile;
import static bert4j.examples.model.CheckpointAssertions.batch;
import static bert4j.examples.model.CheckpointAssertions.fingerprint;
import static bert4j.examples.model.CheckpointAssertions.state;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import bert4j.examples.optim.AllExtensionsModelImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.LoadOptions;
import bert4j.runtime.io.NonFinite;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of load: a trained model's save (every parameter, the state of an optimizer with every
 * extension, the counters) is mutated {@value #MUTATIONS} ways — bytes flipped, inserted, deleted in
 * the header and the data, the header length changed, the file truncated or extended, dtypes, shapes,
 * offsets, names and metadata values changed in the JSON, values set to NaN — and loaded into a model
 * trained elsewhere, strictly (every tensor of the file used, none missing). Each load either
 * succeeds, and the model then holds exactly the file's values, or throws an IOException (the format's own or the file system's) and the model keeps every parameter,
 * state tensor and counter bit for bit (the dropout stream, seen only through a save, is compared once
 * at the end). Any other exception, an OutOfMemoryError included, fails.
 */
class LoadFuzzTest {
  private static final long SEED = 0x5afe_7e45_0125L;
  private static final int MUTATIONS = 1000;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String[] DTYPES = {"F32", "F16", "BF16", "F64", "I32", "U32", "I64", "U8", "BOOL",
      "F8_E4M3", "f32", "F128", ""};
  private static final String[] METADATA_VALUES = {"", "0", "1", "-1", "-3", "+5", " 5", "5 ", "1.5",
      "1e3", "1e-3", "-0.0", "NaN", "Infinity", "-Infinity", "0x1p-3", "9223372036854775807",
      "9223372036854775808", "-9223372036854775808", "abc", "\u0000", "\u00e9"};

  @TempDir Path dir;

  @Test
  void everyMutantLoadsExactlyOrFailsCleanlyAndChangesNothing() throws IOException {
    // hundreds of "unused tensor" and "other optimizer" notes would drown the report
    Logger loader = Logger.getLogger("bert4j.runtime.model.ModelWeights");
    Level level = loader.getLevel();
    loader.setLevel(Level.WARNING);
    try {
      fuzz();
    } finally {
      loader.setLevel(level);
    }
  }

  private void fuzz() throws IOException {
    try (Kernels kernels = Backend.cpu();
        GeneratedTransformer source = AllExtensionsModelImpl.create(kernels, 4, 8);
        GeneratedTransformer model = AllExtensionsModelImpl.create(kernels, 4, 8)) {
      source.initialize(5);
      source.seedDropout(3);
      for (int step = 1; step <= 5; step++) {
        source.trainStep(batch(step));
      }
      Path saved = dir.resolve("source.safetensors");
      source.save(saved);
      model.initialize(99);
      model.seedDropout(12345);
      for (int step = 1; step <= 3; step++) {
        model.trainStep(batch(100 + step));
      }
      Path baseline = dir.resolve("baseline.safetensors");
      model.save(baseline);
      Path scratch = dir.resolve("scratch.safetensors");
      byte[] unchanged = fingerprint(model, scratch);
      int[] unchangedState = state(model);

      Mutator mutator = new Mutator(SafeTensorsFile.read(saved), Files.readAllBytes(saved));
      SplittableRandom random = new SplittableRandom(SEED);
      Path mutant = dir.resolve("mutant.safetensors");
      int loaded = 0;
      for (int i = 0; i < MUTATIONS; i++) {
        List<String> what = new ArrayList<>();
        Files.write(mutant, mutator.mutate(random, what));
        NonFinite nonFinite = random.nextInt(4) == 0 ? NonFinite.ALLOW : NonFinite.REJECT;
        String description = "mutant " + i + " (" + String.join("; ", what) + ", " + nonFinite + ")";
        Throwable thrown = null;
        try {
          model.load(mutant, LoadOptions.defaults().strictly().withNonFinite(nonFinite));
        } catch (Throwable t) {
          thrown = t;
        }
        if (thrown == null) {
          loaded++;
          try {
            assertHoldsFile(model, mutant, scratch);
          } catch (AssertionError e) {
            fail(description + " loaded, but the model does not hold its values", e);
          }
          model.load(baseline);
        } else if (thrown instanceof IOException) {
          assertArrayEquals(unchangedState, state(model), description + " failed with " + thrown
              + ", but changed the model");
        } else {
          fail(description + " threw " + thrown + ", not an IOException", thrown);
        }
      }
      assertArrayEquals(unchanged, fingerprint(model, scratch), "the dropout stream survived every mutant");
      System.out.printf("load fuzz: %d mutants, %d loaded exactly, %d failed cleanly%n", MUTATIONS, loaded,
          MUTATIONS - loaded);
      assertTrue(loaded > MUTATIONS / 20 && loaded < MUTATIONS / 2, loaded + " of " + MUTATIONS + " loaded");
    }
  }

  /** Makes mutants of one saved file, describing each change. */
  private static final class Mutator {
    private final SafeTensorsFile original;
    private final byte[] bytes;
    private final int headerEnd;
    private final List<String> tensors = new ArrayList<>();

    Mutator(SafeTensorsFile original, byte[] bytes) {
      this.original = original;
      this.bytes = bytes;
      this.headerEnd = 8 + (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
      original.header.fieldNames().forEachRemaining(name -> {
        if (!name.equals("__metadata__")) {
          tensors.add(name);
        }
      });
    }

    /** One mutant; one change in 8 is two changes, a JSON one then a byte one. */
    byte[] mutate(SplittableRandom random, List<String> what) throws IOException {
      int kind = random.nextInt(20);
      if (kind == 19) {
        SafeTensorsFile file = original.copy();
        editJson(file, random.nextInt(10), random, what);
        return editBytes(file.bytes(), random.nextInt(9), random, what);
      }
      if (kind < 9) {
        return editBytes(bytes.clone(), kind, random, what);
      }
      SafeTensorsFile file = original.copy();
      editJson(file, kind - 9, random, what);
      return file.bytes();
    }

    private byte[] editBytes(byte[] b, int kind, SplittableRandom random, List<String> what) {
      int headerEnd = 8 + (int) Math.min(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0),
          b.length - 8);
      switch (kind) {
        case 0 -> {
          int at = 8 + random.nextInt(Math.max(1, headerEnd - 8));
          int bit = random.nextInt(8);
          b[at] ^= (byte) (1 << bit);
          what.add("header byte " + at + " bit " + bit + " flipped");
        }
        case 1 -> {
          int at = headerEnd + random.nextInt(Math.max(1, b.length - headerEnd));
          int bit = random.nextInt(8);
          b[Math.min(at, b.length - 1)] ^= (byte) (1 << bit);
          what.add("data byte " + at + " bit " + bit + " flipped");
        }
        case 2 -> {
          int at = 8 + random.nextInt(Math.max(1, headerEnd - 8));
          String chars = "{}[]\",:0123456789-.eE +tfnulaF";
          b[at] = (byte) chars.charAt(random.nextInt(chars.length()));
          what.add("header byte " + at + " set to '" + (char) b[at] + "'");
        }
        case 3 -> {
          int at = random.nextInt(b.length + 1);
          byte[] longer = new byte[b.length + 1];
          System.arraycopy(b, 0, longer, 0, at);
          longer[at] = (byte) random.nextInt(256);
          System.arraycopy(b, at, longer, at + 1, b.length - at);
          what.add("byte inserted at " + at + (at < headerEnd ? " (header)" : " (data)"));
          return longer;
        }
        case 4 -> {
          int at = random.nextInt(b.length);
          int count = 1 + random.nextInt(Math.min(16, b.length - at));
          byte[] shorter = new byte[b.length - count];
          System.arraycopy(b, 0, shorter, 0, at);
          System.arraycopy(b, at + count, shorter, at, b.length - at - count);
          what.add(count + " byte(s) deleted at " + at + (at < headerEnd ? " (header)" : " (data)"));
          return shorter;
        }
        case 5 -> {
          long length = headerEnd - 8;
          long[] lies = {length - 1, length + 1, length - 8, length + 8, length + 1 + random.nextInt(8),
              length - 1 - random.nextInt(8), 0, 1, 7, 2 * length, b.length, b.length - 8, 99_999_999,
              100_000_001, 1L << 40, -1, Long.MIN_VALUE};
          long lie = lies[random.nextInt(lies.length)];
          ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, lie);
          what.add("header length " + length + " -> " + lie);
        }
        case 6 -> {
          int length = random.nextInt(b.length);
          what.add("truncated to " + length + " of " + b.length + " bytes");
          return Arrays.copyOf(b, length);
        }
        case 7 -> {
          int extra = 1 + random.nextInt(16);
          what.add(extra + " byte(s) appended");
          byte[] longer = Arrays.copyOf(b, b.length + extra);
          for (int i = b.length; i < longer.length; i++) {
            longer[i] = (byte) random.nextInt(256);
          }
          return longer;
        }
        default -> {
          int at = random.nextInt(8);
          b[at] = (byte) random.nextInt(256);
          what.add("header length byte " + at + " set to " + (b[at] & 0xff));
        }
      }
      return b;
    }

    private void editJson(SafeTensorsFile file, int kind, SplittableRandom random, List<String> what) {
      String name = tensors.get(random.nextInt(tensors.size()));
      ObjectNode entry = file.entry(name);
      switch (kind) {
        case 0 -> {
          JsonNode dtype = random.nextInt(5) == 0
              ? new JsonNode[] {NODES.numberNode(4), NODES.nullNode(), NODES.arrayNode()}[random.nextInt(3)]
              : NODES.textNode(DTYPES[random.nextInt(DTYPES.length)]);
          entry.set("dtype", dtype);
          what.add(name + " dtype -> " + dtype);
        }
        case 1 -> {
          ArrayNode shape = (ArrayNode) entry.get("shape");
          ArrayNode changed = NODES.arrayNode();
          int variant = random.nextInt(9);
          for (JsonNode d : shape) {
            changed.add(d.longValue());
          }
          switch (variant) {
            case 0 -> changed.set(0, NODES.numberNode(changed.get(0).longValue() + 1));
            case 1 -> changed.set(0, NODES.numberNode(Math.max(0, changed.get(0).longValue() - 1)));
            case 2 -> changed.add(1);
            case 3 -> changed.insert(0, 1);
            case 4 -> changed.removeAll();
            case 5 -> changed.set(0, NODES.numberNode(1L << 61));
            case 6 -> changed.set(0, NODES.numberNode(-1));
            case 7 -> changed.set(0, NODES.numberNode(1.5));
            default -> {
              if (changed.size() == 2) {
                JsonNode first = changed.get(0);
                changed.set(0, changed.get(1));
                changed.set(1, first);
              } else {
                changed.add("2");
              }
            }
          }
          entry.set("shape", changed);
          what.add(name + " shape " + shape + " -> " + changed);
        }
        case 2 -> {
          ArrayNode offsets = (ArrayNode) entry.get("data_offsets");
          long begin = offsets.get(0).longValue();
          long end = offsets.get(1).longValue();
          String other = tensors.get(random.nextInt(tensors.size()));
          JsonNode changed = switch (random.nextInt(8)) {
            case 0 -> NODES.arrayNode().add(begin + 1).add(end + 1);
            case 1 -> NODES.arrayNode().add(begin - 4).add(end - 4);
            case 2 -> NODES.arrayNode().add(begin).add(end + 4);
            case 3 -> file.entry(other).get("data_offsets").deepCopy();
            case 4 -> NODES.arrayNode().add(end).add(begin);
            case 5 -> NODES.arrayNode().add(Long.MAX_VALUE - 4).add(Long.MAX_VALUE);
            case 6 -> NODES.arrayNode().add(begin).add(end).add(end);
            default -> NODES.arrayNode().add(begin).add(NODES.numberNode(end + 0.5));
          };
          entry.set("data_offsets", changed);
          what.add(name + " data_offsets " + offsets + " -> " + changed);
        }
        case 3, 4 -> {
          List<String> keys = new ArrayList<>();
          file.metadata().fieldNames().forEachRemaining(keys::add);
          String key = keys.get(random.nextInt(keys.size()));
          String value = random.nextInt(6) == 0 ? Long.toString(random.nextLong())
              : METADATA_VALUES[random.nextInt(METADATA_VALUES.length)];
          file.metadata().put(key, value);
          what.add("metadata " + key + " -> \"" + value + "\"");
        }
        case 5 -> {
          List<String> keys = new ArrayList<>();
          file.metadata().fieldNames().forEachRemaining(keys::add);
          int variant = random.nextInt(4);
          if (variant == 0) {
            file.header.remove("__metadata__");
            what.add("metadata removed");
          } else if (variant == 1) {
            file.header.set("__metadata__", NODES.arrayNode().add("x"));
            what.add("metadata made an array");
          } else {
            String key = keys.get(random.nextInt(keys.size()));
            file.metadata().remove(key);
            what.add("metadata " + key + " removed");
          }
        }
        case 6 -> {
          String renamed = switch (random.nextInt(5)) {
            case 0 -> name.startsWith("bert.") ? name.substring(5) : "bert." + name;
            case 1 -> name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta");
            case 2 -> tensors.get(random.nextInt(tensors.size()));
            case 3 -> "__metadata__";
            default -> {
              char[] chars = name.toCharArray();
              chars[random.nextInt(chars.length)] = (char) ('a' + random.nextInt(26));
              yield new String(chars);
            }
          };
          file.header.remove(name);
          file.header.set(renamed, entry);
          what.add(name + " renamed " + renamed);
        }
        case 7 -> {
          file.header.remove(name);
          what.add(name + " removed (its bytes stay)");
        }
        case 8 -> {
          ObjectNode extra = NODES.objectNode();
          extra.put("dtype", "F32");
          if (random.nextBoolean()) {
            extra.set("shape", NODES.arrayNode().add(0));
            long at = random.nextInt(file.data.length + 1);
            extra.set("data_offsets", NODES.arrayNode().add(at).add(at));
          } else {
            extra.set("shape", entry.get("shape").deepCopy());
            extra.set("data_offsets", entry.get("data_offsets").deepCopy());
          }
          file.header.set("extra", extra);
          what.add("extra tensor " + extra);
        }
        default -> {
          float[] values = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE,
              Float.MAX_VALUE, Float.intBitsToFloat(0x7fc12345)};
          float value = values[random.nextInt(values.length)];
          int count = entry.get("shape").size() == 0 ? 1
              : (int) ((entry.get("data_offsets").get(1).longValue() - entry.get("data_offsets").get(0).longValue()) / 4);
          int index = random.nextInt(count);
          file.setFloat(name, index, value);
          what.add(name + " element " + index + " -> " + value);
        }
      }
    }
  }
}
