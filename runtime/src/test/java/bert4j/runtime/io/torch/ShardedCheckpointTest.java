package bert4j.runtime.io.torch;

import static bert4j.runtime.io.torch.TorchFixtures.fixture;
import static bert4j.runtime.io.torch.TorchFixtures.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.io.SafeTensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One view over the shards of a Hugging Face index, bin or safetensors. */
class ShardedCheckpointTest {
  private static final String SHARD_1 = "pytorch_model-00001-of-00002.bin";
  private static final String SHARD_2 = "pytorch_model-00002-of-00002.bin";

  @TempDir Path dir;

  private Path index(String json) throws IOException {
    return Files.writeString(dir.resolve("model.safetensors.index.json"), json);
  }

  private String openFailure(String json) throws IOException {
    Path index = index(json);
    return assertThrows(CheckpointFormatException.class, () -> ShardedCheckpoint.open(index)).getMessage();
  }

  @Test
  void readsTheBinShardsTorchSavedThroughTheirIndex() throws IOException {
    Path index = fixture("sharded/pytorch_model.bin.index.json");
    try (ShardedCheckpoint checkpoint = ShardedCheckpoint.open(index)) {
      assertEquals(index, checkpoint.path());
      assertEquals(List.of("bert.embeddings.word_embeddings.weight", "bert.embeddings.LayerNorm.weight",
          "bert.pooler.dense.weight", "cls.predictions.bias"), checkpoint.names());
      assertEquals(fixture("sharded/" + SHARD_1), checkpoint.shard("bert.embeddings.LayerNorm.weight"));
      assertEquals(fixture("sharded/" + SHARD_2), checkpoint.shard("cls.predictions.bias"));
      assertEquals("F16", checkpoint.typeName("cls.predictions.bias"));
      assertArrayEquals(new long[] {10, 4}, checkpoint.shape("bert.embeddings.word_embeddings.weight"));
      assertEquals(new FloatTensor(new int[] {10, 4}, values(0, 40)),
          checkpoint.read("bert.embeddings.word_embeddings.weight"));
      assertEquals(new FloatTensor(new int[] {4}, values(1, 4)), checkpoint.read("bert.embeddings.LayerNorm.weight"));
      assertEquals(new FloatTensor(new int[] {4, 4}, values(2, 16)), checkpoint.read("bert.pooler.dense.weight"));
      assertEquals(new FloatTensor(new int[] {10}, values(3, 10)), checkpoint.read("cls.predictions.bias"));
      String unknown = assertThrows(CheckpointFormatException.class, () -> checkpoint.read("cls.bias")).getMessage();
      assertTrue(unknown.endsWith("pytorch_model.bin.index.json: lists no tensor \"cls.bias\" among 4 "
          + "(bert.embeddings.word_embeddings.weight, bert.embeddings.LayerNorm.weight, bert.pooler.dense.weight, "
          + "cls.predictions.bias)"), unknown);
    }
  }

  @Test
  void readsSafetensorsShardsAndMixedOnes() throws IOException {
    FloatTensor a = new FloatTensor(new int[] {2, 2}, values(7, 4));
    FloatTensor b = new FloatTensor(new int[] {3}, values(8, 3));
    SafeTensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), Map.of("a", a), Map.of());
    SafeTensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), Map.of("b", b), Map.of());
    Files.copy(fixture("sharded/" + SHARD_2), dir.resolve(SHARD_2));
    Path index = index("{\"metadata\": {\"total_size\": 28}, \"weight_map\": {"
        + "\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\", "
        + "\"bert.pooler.dense.weight\": \"" + SHARD_2 + "\"}}");
    try (ShardedCheckpoint checkpoint = ShardedCheckpoint.open(index)) {
      assertEquals(a, checkpoint.read("a"));
      assertEquals(b, checkpoint.read("b"));
      assertEquals("F32", checkpoint.typeName("a"));
      assertArrayEquals(new long[] {3}, checkpoint.shape("b"));
      assertEquals(new FloatTensor(new int[] {4, 4}, values(2, 16)), checkpoint.read("bert.pooler.dense.weight"));
    }
  }

  @Test
  void shardsOpenLazilySoABrokenOneFailsOnlyItsTensors() throws IOException {
    Files.copy(fixture("sharded/" + SHARD_1), dir.resolve(SHARD_1));
    Files.writeString(dir.resolve(SHARD_2), "not a checkpoint");
    Path index = index("{\"weight_map\": {\"bert.embeddings.LayerNorm.weight\": \"" + SHARD_1 + "\", "
        + "\"cls.predictions.bias\": \"" + SHARD_2 + "\"}}");
    try (ShardedCheckpoint checkpoint = ShardedCheckpoint.open(index)) {
      assertEquals(new FloatTensor(new int[] {4}, values(1, 4)), checkpoint.read("bert.embeddings.LayerNorm.weight"));
      String message = assertThrows(CheckpointFormatException.class, () -> checkpoint.read("cls.predictions.bias"))
          .getMessage();
      assertTrue(message.startsWith(dir.resolve(SHARD_2) + ": is neither a zip archive"), message);
    }
  }

  @Test
  void aTensorTheShardDoesNotHoldIsNamedWithTheShard() throws IOException {
    Files.copy(fixture("sharded/" + SHARD_1), dir.resolve(SHARD_1));
    Path index = index("{\"weight_map\": {\"bert.embeddings.LayerNorm.weight\": \"" + SHARD_1 + "\", "
        + "\"ghost\": \"" + SHARD_1 + "\"}}");
    try (ShardedCheckpoint checkpoint = ShardedCheckpoint.open(index)) {
      String message = assertThrows(CheckpointFormatException.class,
          () -> checkpoint.read("bert.embeddings.LayerNorm.weight")).getMessage();
      assertTrue(message.endsWith("model.safetensors.index.json: puts 1 tensor(s) in shard " + SHARD_1
          + ", which does not hold them: \"ghost\""), message);
    }
  }

  @Test
  void aMissingShardIsNamedWhenTheIndexOpens() throws IOException {
    String message = openFailure("{\"weight_map\": {\"w\": \"model-00003-of-00003.safetensors\"}}");
    assertTrue(message.contains("shard model-00003-of-00003.safetensors, which holds tensor \"w\", is missing"),
        message);
  }

  @Test
  void malformedIndexesAreClearErrors() throws IOException {
    assertTrue(openFailure("{\"weight_map\": ").contains("is not valid JSON"));
    assertTrue(openFailure("{\"metadata\": {}}")
        .contains("has no \"weight_map\" object (tensor name to shard file)"));
    assertTrue(openFailure("{\"weight_map\": {\"w\": \"a.bin\", \"w\": \"b.bin\"}}").contains("Duplicate field 'w'"));
    assertTrue(openFailure("{\"weight_map\": {\"w\": 3}}")
        .contains("maps tensor \"w\" to NUMBER, not a shard file name"));
    assertTrue(openFailure("{\"weight_map\": {\"w\": \"../outside.bin\"}}")
        .contains("puts tensor \"w\" in \"../outside.bin\", which is not a file beside the index"));
    assertTrue(openFailure("{\"weight_map\": {\"w\": \"weights.h5\"}}")
        .contains("shard weights.h5 (of tensor \"w\") is neither .safetensors nor .bin"));
  }

  @Test
  void aClosedCheckpointRefusesReads() throws IOException {
    ShardedCheckpoint checkpoint = ShardedCheckpoint.open(fixture("sharded/pytorch_model.bin.index.json"));
    checkpoint.read("cls.predictions.bias");
    checkpoint.close();
    String message = assertThrows(CheckpointFormatException.class, () -> checkpoint.read("cls.predictions.bias"))
        .getMessage();
    assertTrue(message.endsWith("is closed; tensor \"cls.predictions.bias\" cannot be read"), message);
  }
}
