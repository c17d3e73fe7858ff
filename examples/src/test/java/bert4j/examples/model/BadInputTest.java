package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.model.specs.RefLmImpl;
import bert4j.examples.model.specs.RefNoneImpl;
import bert4j.examples.model.specs.RefTokenClassesImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.Outputs;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.io.SafeTensorsFormatException;
import bert4j.runtime.io.SafeTensorsReader;
import bert4j.runtime.io.SafeTensorsWriter;
import bert4j.runtime.model.GeneratedTransformer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input at the model's surface fails with the right exception and a message naming the problem,
 * never a NullPointerException or an index error, and leaves the model as it was; weights files round
 * trip and load under the spellings Hugging Face and TF-converted checkpoints use.
 */
class BadInputTest {
  private static final int MAX_BATCH = 2;
  private static final int MAX_LENGTH = 8;

  @TempDir
  Path dir;

  private GeneratedTransformer model;
  private final int[][] goodTokens = {{2, 5, 9, 11, 0}, {2, 7, 3, 0, 0}};
  private final int[][] goodSegments = {{0, 0, 1, 1, 0}, {0, 0, 1, 0, 0}};
  private final int[] goodLabels = {1, 2};
  private final int[][] goodTokenLabels = {{-1, 4, -1, -1, -1}, {-1, -1, 8, -1, -1}};

  @BeforeEach
  void createModel() {
    model = RefNoneImpl.create(Backend.cpu(), MAX_BATCH, MAX_LENGTH);
    Harness.randomizeWeights(model, 3);
  }

  @AfterEach
  void closeModel() {
    model.close();
  }

  private Outputs goodForward() {
    return model.forward(Batch.of(goodTokens, goodSegments));
  }

  /** The batch is rejected by forward (inputs) or by training (labels), with the message fragment. */
  private void rejects(Batch batch, boolean inference, String fragment) {
    float[] before = goodForward().sequenceOutput().data();
    if (inference) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> model.forward(batch));
      assertTrue(e.getMessage().contains(fragment), "forward: '" + e.getMessage() + "' should say '"
          + fragment + "'");
    }
    for (String call : new String[] {"computeGradients", "trainStep"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> {
            if (call.equals("trainStep")) {
              model.trainStep(batch);
            } else {
              model.computeGradients(batch);
            }
          });
      assertTrue(e.getMessage().contains(fragment), call + ": '" + e.getMessage() + "' should say '"
          + fragment + "'");
    }
    assertArrayEquals(before, goodForward().sequenceOutput().data(),
        "a rejected batch leaves the model as it was");
  }

  private static int[][] copy(int[][] a) {
    return Arrays.stream(a).map(int[]::clone).toArray(int[][]::new);
  }

  private Batch withTokens(Consumer<int[][]> edit) {
    int[][] tokens = copy(goodTokens);
    edit.accept(tokens);
    return new Batch(tokens, goodSegments, goodLabels, goodTokenLabels);
  }

  @Test
  void tokenIdAtOrAboveVocab() {
    rejects(withTokens(t -> t[1][2] = 60), true, "token id 60 at [1][2] is outside the vocabulary [0, 60)");
  }

  @Test
  void negativeTokenId() {
    rejects(withTokens(t -> t[0][3] = -1), true, "token id -1 at [0][3]");
  }

  @Test
  void segmentIdOutOfRange() {
    int[][] segments = copy(goodSegments);
    segments[0][1] = 2;
    rejects(new Batch(goodTokens, segments, goodLabels, goodTokenLabels), true,
        "segment id 2 at [0][1] is outside [0, 2)");
    segments[0][1] = -1;
    rejects(new Batch(goodTokens, segments, goodLabels, goodTokenLabels), true, "segment id -1");
  }

  @Test
  void sequenceLongerThanMaxLength() {
    int[][] tokens = {new int[9], new int[9]};
    int[][] segments = {new int[9], new int[9]};
    rejects(new Batch(tokens, segments, goodLabels, null), true, "sequence length 9 exceeds maxLength 8");
  }

  @Test
  void tokenAndSegmentRowsOfDifferentLengths() {
    int[][] segments = {{0, 0, 1, 1, 0}, {0, 0, 1, 0}};
    rejects(new Batch(goodTokens, segments, goodLabels, goodTokenLabels), true,
        "segmentIds row 1 has 4 ids, tokenIds row 1 has 5");
  }

  @Test
  void rowsOfDifferentLengths() {
    int[][] tokens = {{2, 5, 9, 11, 0}, {2, 7, 3, 0}};
    int[][] segments = {{0, 0, 1, 1, 0}, {0, 0, 1, 0}};
    rejects(new Batch(tokens, segments, goodLabels, goodTokenLabels), true,
        "tokenIds row 1 has 4 tokens, row 0 has 5");
  }

  @Test
  void segmentRowsMissing() {
    rejects(new Batch(goodTokens, new int[][] {goodSegments[0]}, goodLabels, goodTokenLabels), true,
        "segmentIds has 1 rows, tokenIds has 2");
  }

  @Test
  void nullRow() {
    rejects(withTokens(t -> t[1] = null), true, "tokenIds row 1 is null");
  }

  @Test
  void nullArrays() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Batch.of(null, goodSegments));
    assertTrue(e.getMessage().contains("token ids and segment ids"), e.getMessage());
  }

  @Test
  void emptyBatch() {
    rejects(new Batch(new int[0][], new int[0][], new int[0], new int[0][]), true, "the batch is empty");
  }

  @Test
  void emptySequences() {
    rejects(new Batch(new int[][] {{}, {}}, new int[][] {{}, {}}, goodLabels, null), true,
        "sequences of length 0");
  }

  @Test
  void batchLargerThanMaxBatch() {
    int[][] tokens = {goodTokens[0], goodTokens[1], goodTokens[0]};
    int[][] segments = {goodSegments[0], goodSegments[1], goodSegments[0]};
    rejects(new Batch(tokens, segments, new int[] {0, 1, 2}, null), true,
        "batch of 3 sequences exceeds this model's maxBatch 2");
  }

  @Test
  void classLabelsMissing() {
    rejects(Batch.withTokenLabels(goodTokens, goodSegments, goodTokenLabels), false,
        "needs a class label per sequence");
  }

  @Test
  void classLabelOutOfRange() {
    rejects(new Batch(goodTokens, goodSegments, new int[] {1, 3}, goodTokenLabels), false,
        "label 3 of sequence 1 is outside [0, 3)");
    rejects(new Batch(goodTokens, goodSegments, new int[] {-1, 0}, goodTokenLabels), false,
        "label -1 of sequence 0");
  }

  @Test
  void classLabelCountWrong() {
    rejects(new Batch(goodTokens, goodSegments, new int[] {1}, goodTokenLabels), false,
        "1 labels for a batch of 2");
  }

  @Test
  void tokenLabelsMissingForMaskedLm() {
    rejects(Batch.withLabels(goodTokens, goodSegments, goodLabels), false, "needs tokenLabels");
  }

  @Test
  void tokenLabelsOutOfRangeOrMisshapen() {
    rejects(new Batch(goodTokens, goodSegments, goodLabels, new int[][] {{-1, 60, -1, -1, -1},
        {-1, -1, -1, -1, -1}}), false, "token label 60 at [0][1]");
    rejects(new Batch(goodTokens, goodSegments, goodLabels, new int[][] {{-1, -2, -1, -1, -1},
        {-1, -1, -1, -1, -1}}), false, "token label -2 at [0][1]");
    rejects(new Batch(goodTokens, goodSegments, goodLabels, new int[][] {{-1, 4, -1, -1, -1}}), false,
        "tokenLabels has 1 rows for a batch of 2");
    rejects(new Batch(goodTokens, goodSegments, goodLabels, new int[][] {{-1, 4, -1, -1, -1},
        {-1, -1}}), false, "tokenLabels row 1 has 2 labels");
  }

  /** The token-classification head's labels lie in [−1, tokenClasses), and it needs them to train. */
  @Test
  void tokenClassLabelsMissingOrOutOfRange() {
    try (GeneratedTransformer tagger =
        RefTokenClassesImpl.create(Backend.cpu(), MAX_BATCH, MAX_LENGTH)) {
      Harness.randomizeWeights(tagger, 3);
      int[][] good = {{-1, 4, 0, 2, -1}, {1, -1, 3, -1, -1}};
      float loss = tagger.computeGradients(new Batch(goodTokens, goodSegments, goodLabels, good));
      assertTrue(Float.isFinite(loss) && loss > 0, "loss " + loss);
      float[] before = tagger.parameter("token_classifier.weight").data();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> tagger.computeGradients(Batch.withLabels(goodTokens, goodSegments, goodLabels)));
      assertTrue(e.getMessage().contains("token-classification head")
          && e.getMessage().contains("needs tokenLabels"), e.getMessage());
      for (int bad : new int[] {5, -2}) {
        int[][] labels = {{-1, bad, 0, 2, -1}, {1, -1, 3, -1, -1}};
        e = assertThrows(IllegalArgumentException.class,
            () -> tagger.trainStep(new Batch(goodTokens, goodSegments, goodLabels, labels)));
        assertTrue(e.getMessage().contains("token label " + bad + " at [0][1]"), e.getMessage());
      }
      assertArrayEquals(before, tagger.parameter("token_classifier.weight").data(),
          "rejected steps leave the weights");
    }
  }

  @Test
  void lmHeadsNeedNoTokenLabels() {
    try (GeneratedTransformer lm = RefLmImpl.create(Backend.cpu(), MAX_BATCH, MAX_LENGTH)) {
      float loss = lm.computeGradients(Batch.withLabels(goodTokens, goodSegments, goodLabels));
      assertTrue(Float.isFinite(loss) && loss > 0, "LM loss " + loss);
    }
  }

  @Test
  void unknownParameterNameListsTheChoices() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.parameter("encoder.layer.9.output.dense.weight"));
    assertTrue(e.getMessage().contains("encoder.layer.1.output.dense.weight"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> model.setParameter("classifier.bias",
        new FloatTensor(new int[] {4}, new float[4])));
    assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[4]"), e.getMessage());
    model.setParameter("classifier.bias", new FloatTensor(new int[] {3}, new float[] {1, 2, 3}));
    assertArrayEquals(new float[] {1, 2, 3}, model.parameter("classifier.bias").data());
  }

  // ---- weights files ----

  private Map<String, FloatTensor> saved() throws IOException {
    Path file = dir.resolve("saved.safetensors");
    model.save(file);
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
      for (String name : reader.names()) {
        tensors.put(name, reader.read(name));
      }
    }
    return tensors;
  }

  /** Loading {@code file} fails with {@code fragments} in the message and changes no parameter. */
  private void loadFails(Path file, String... fragments) {
    Map<String, float[]> before = new LinkedHashMap<>();
    try (GeneratedTransformer fresh = RefNoneImpl.create(Backend.cpu(), MAX_BATCH, MAX_LENGTH)) {
      fresh.initialize(77);
      for (ParameterInfo p : fresh.parameters()) {
        before.put(p.name(), fresh.parameter(p.name()).data());
      }
      SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> fresh.load(file));
      for (String fragment : fragments) {
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' should say '" + fragment
            + "'");
      }
      for (ParameterInfo p : fresh.parameters()) {
        assertArrayEquals(before.get(p.name()), fresh.parameter(p.name()).data(),
            p.name() + " changed by a failed load");
      }
    }
  }

  @Test
  void saveThenLoadGivesIdenticalOutputs() throws IOException {
    Path file = dir.resolve("model.safetensors");
    model.save(file);
    Outputs expected = goodForward();
    try (GeneratedTransformer fresh = RefNoneImpl.create(Backend.cpu(), MAX_BATCH, MAX_LENGTH)) {
      fresh.initialize(99);
      fresh.load(file);
      Outputs actual = fresh.forward(Batch.of(goodTokens, goodSegments));
      for (String name : expected.asMap().keySet()) {
        assertArrayEquals(expected.asMap().get(name).data(), actual.asMap().get(name).data(), name);
      }
    }
    try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
      assertTrue(reader.contains("bert.encoder.layer.0.attention.self.query.weight"));
      assertTrue(reader.contains("bert.embeddings.LayerNorm.weight"));
      assertTrue(reader.contains("cls.predictions.bias"));
      assertTrue(reader.contains("classifier.weight"));
      assertEquals(model.parameters().size(), reader.names().size());
    }
  }

  @Test
  void loadAcceptsNamesWithoutPrefixAndGammaBeta() throws IOException {
    Map<String, FloatTensor> renamed = new LinkedHashMap<>();
    saved().forEach((name, tensor) -> {
      String n = name.startsWith("bert.") ? name.substring(5) : name;
      n = n.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta");
      renamed.put(n, tensor);
    });
    assertTrue(renamed.containsKey("encoder.layer.1.output.LayerNorm.gamma"));
    assertTrue(renamed.containsKey("cls.predictions.transform.LayerNorm.beta"));
    Path file = dir.resolve("renamed.safetensors");
    SafeTensorsWriter.write(file, renamed, Map.of());
    Outputs expected = goodForward();
    try (GeneratedTransformer fresh = RefNoneImpl.create(Backend.cpu(), MAX_BATCH, MAX_LENGTH)) {
      fresh.initialize(98);
      fresh.load(file);
      Outputs actual = fresh.forward(Batch.of(goodTokens, goodSegments));
      for (String name : expected.asMap().keySet()) {
        assertArrayEquals(expected.asMap().get(name).data(), actual.asMap().get(name).data(), name);
      }
    }
  }

  @Test
  void loadNamesTheMissingTensor() throws IOException {
    Map<String, FloatTensor> tensors = saved();
    assertTrue(tensors.remove("bert.encoder.layer.1.attention.self.key.bias") != null);
    Path file = dir.resolve("missing.safetensors");
    SafeTensorsWriter.write(file, tensors, Map.of());
    loadFails(file, "missing 1 tensor", "encoder.layer.1.attention.self.key.bias [32]");
  }

  @Test
  void loadNamesExpectedAndActualShapes() throws IOException {
    Map<String, FloatTensor> tensors = saved();
    tensors.put("bert.encoder.layer.0.intermediate.dense.weight",
        new FloatTensor(new int[] {32, 64}, new float[32 * 64]));
    Path file = dir.resolve("shape.safetensors");
    SafeTensorsWriter.write(file, tensors, Map.of());
    loadFails(file, "encoder.layer.0.intermediate.dense.weight", "[32, 64]", "[64, 32]");
  }

  @Test
  void loadRejectsATruncatedFile() throws IOException {
    Path whole = dir.resolve("whole.safetensors");
    model.save(whole);
    byte[] bytes = Files.readAllBytes(whole);
    Path file = dir.resolve("truncated.safetensors");
    Files.write(file, Arrays.copyOf(bytes, bytes.length - 1000));
    loadFails(file, "past the end of the data section");
    Path stub = dir.resolve("stub.safetensors");
    Files.write(stub, Arrays.copyOf(bytes, 5));
    loadFails(stub, "too short");
  }

  @Test
  void loadRejectsAnUnsupportedDtype() throws IOException {
    // every tensor as F32 but the last one in file order, classifier.bias, as I32
    Map<String, FloatTensor> tensors = saved();
    Path file = dir.resolve("dtype.safetensors");
    Files.write(file, rawSafetensors(tensors, "classifier.bias", "I32"));
    loadFails(file, "classifier.bias", "I32");
  }

  @Test
  void loadOfAMissingFile() {
    assertThrows(NoSuchFileException.class, () -> model.load(dir.resolve("nowhere.safetensors")));
  }

  @Test
  void saveRefusesNothingAndLeavesNoTemporaryFiles() throws IOException {
    Path file = dir.resolve("again.safetensors");
    model.save(file);
    model.save(file);
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "only the saved file");
    }
    assertFalse(Files.size(file) == 0);
  }

  /**
   * A safetensors file by hand: each tensor as F32 bytes, except {@code oddName}, declared as
   * {@code oddDtype} (4 bytes per element, so the offsets stay consistent).
   */
  static byte[] rawSafetensors(Map<String, FloatTensor> tensors, String oddName, String oddDtype) {
    StringBuilder header = new StringBuilder("{");
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    long offset = 0;
    for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
      float[] values = e.getValue().data();
      ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : values) {
        bytes.putFloat(v);
      }
      data.writeBytes(bytes.array());
      if (header.length() > 1) {
        header.append(',');
      }
      header.append('"').append(e.getKey()).append("\":{\"dtype\":\"")
          .append(e.getKey().equals(oddName) ? oddDtype : "F32").append("\",\"shape\":")
          .append(Arrays.toString(e.getValue().shape()).replace(" ", "")).append(",\"data_offsets\":[")
          .append(offset).append(',').append(offset + 4L * values.length).append("]}");
      offset += 4L * values.length;
    }
    header.append('}');
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.allocate(8 + json.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(json.length).put(json).put(data.toByteArray());
    return out.array();
  }
}
