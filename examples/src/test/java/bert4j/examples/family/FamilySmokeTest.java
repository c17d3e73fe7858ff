package bert4j.examples.family;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.Outputs;
import bert4j.runtime.data.DelimitedReader;
import bert4j.runtime.data.DelimitedRow;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import bert4j.runtime.text.Encoding;
import bert4j.runtime.text.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every architecture trains on real text and serves it: 32 takeaway reviews (waimai_10k, shipped with
 * the examples), trained for 8 epochs of 4 batches with the architecture's own task — masked LM for
 * the encoders (15% of the tokens replaced by [MASK]), replaced-token detection for ELECTRA (15%
 * swapped for random tokens), next-token prediction for GPT and GPT-2 — must lower the loss (the
 * last epoch's mean below 90% of the first's), and a forward pass on a review it never saw gives
 * finite outputs of the right shape.
 */
class FamilySmokeTest {
  private static final int LENGTH = 32;
  private static final int BATCH = 8;
  private static final int EPOCHS = 8;
  /** [MASK] in the shipped vocabulary. */
  private static final int MASK = 103;

  /** What a spec is trained to do. */
  enum Task { MASKED_LM, DISCRIMINATE, NEXT_TOKEN }

  interface Factory {
    GeneratedTransformer create(Kernels kernels, int maxBatch, int maxLength);
  }

  enum Spec {
    BERT(SmokeBertImpl::create, Task.MASKED_LM),
    NEZHA(SmokeNezhaImpl::create, Task.MASKED_LM),
    ALBERT(SmokeAlbertImpl::create, Task.MASKED_LM),
    ALBERT_UNSHARED(SmokeAlbertUnsharedImpl::create, Task.MASKED_LM),
    ROFORMER(SmokeRoformerImpl::create, Task.MASKED_LM),
    ROFORMER_V2(SmokeRoformerV2Impl::create, Task.MASKED_LM),
    ELECTRA(SmokeElectraImpl::create, Task.DISCRIMINATE),
    GPT(SmokeGptImpl::create, Task.NEXT_TOKEN),
    GPT2(SmokeGpt2Impl::create, Task.NEXT_TOKEN);

    final Factory factory;
    final Task task;

    Spec(Factory factory, Task task) {
      this.factory = factory;
      this.task = task;
    }
  }

  private static final List<int[]> TOKENS = new ArrayList<>();
  private static int[] unseen;

  @BeforeAll
  static void readReviews() throws IOException {
    Tokenizer tokenizer;
    try (InputStream vocab = resource("vocab.txt")) {
      tokenizer = Tokenizer.fromVocab(vocab, "vocab.txt");
    }
    List<DelimitedRow> rows;
    try (InputStream csv = resource("waimai_10k.csv")) {
      rows = DelimitedReader.csv().read(csv, "waimai_10k.csv");
    }
    int[] taken = new int[2];
    for (DelimitedRow row : rows) {
      int label = row.integer("label");
      Encoding e = tokenizer.encode(row.get("review"), LENGTH);
      if (taken[label] < 16) {
        taken[label]++;
        TOKENS.add(padded(e.tokenIds()));
      } else if (unseen == null) {
        unseen = padded(e.tokenIds());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Spec.class)
  void trainsOnRealTextAndServes(Spec spec) {
    Random random = new Random(5);
    try (Kernels kernels = Backend.cpu();
        GeneratedTransformer model = spec.factory.create(kernels, BATCH, LENGTH)) {
      model.initialize(11);
      double[] epochLoss = new double[EPOCHS];
      for (int epoch = 0; epoch < EPOCHS; epoch++) {
        for (int start = 0; start < TOKENS.size(); start += BATCH) {
          epochLoss[epoch] += model.trainStep(batch(spec.task, start, random)) / 4.0;
        }
      }
      assertTrue(epochLoss[EPOCHS - 1] < 0.9 * epochLoss[0], spec + ": loss per epoch "
          + Arrays.toString(epochLoss));

      Outputs out = model.forward(Batch.of(new int[][] {unseen}, new int[][] {new int[LENGTH]}));
      String name = switch (spec.task) {
        case DISCRIMINATE -> "discriminator_logits";
        case MASKED_LM, NEXT_TOKEN -> "mlm_logits";
      };
      FloatTensor logits = out.get(name);
      int width = switch (spec.task) {
        case DISCRIMINATE -> 1;
        case MASKED_LM, NEXT_TOKEN -> 21128;
      };
      assertEquals(width, logits.shape()[logits.shape().length - 1], spec + " " + name);
      for (float v : logits.data()) {
        assertTrue(Float.isFinite(v), spec + ": " + name + " has " + v);
      }
    }
  }

  /** Batch {@code start / BATCH} of the reviews, with the task's inputs and targets. */
  private static Batch batch(Task task, int start, Random random) {
    int[][] tokens = new int[BATCH][];
    int[][] segments = new int[BATCH][LENGTH];
    for (int b = 0; b < BATCH; b++) {
      tokens[b] = TOKENS.get(start + b).clone();
    }
    if (task == Task.NEXT_TOKEN) {
      return Batch.of(tokens, segments);
    }
    int[][] labels = new int[BATCH][LENGTH];
    for (int b = 0; b < BATCH; b++) {
      for (int i = 0; i < LENGTH; i++) {
        boolean chosen = i > 0 && tokens[b][i] != 0 && random.nextDouble() < 0.15;
        if (task == Task.MASKED_LM) {
          labels[b][i] = chosen ? tokens[b][i] : -1;
          tokens[b][i] = chosen ? MASK : tokens[b][i];
        } else {
          labels[b][i] = tokens[b][i] == 0 ? -1 : chosen ? 1 : 0;
          tokens[b][i] = chosen ? 1000 + random.nextInt(20000) : tokens[b][i];
        }
      }
    }
    return Batch.withTokenLabels(tokens, segments, labels);
  }

  private static int[] padded(int[] ids) {
    return Arrays.copyOf(ids, LENGTH);
  }

  private static InputStream resource(String name) {
    return FamilySmokeTest.class.getResourceAsStream("/bert4j/examples/" + name);
  }
}
