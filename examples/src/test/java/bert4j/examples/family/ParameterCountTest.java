package bert4j.examples.family;

import static org.junit.jupiter.api.Assertions.assertEquals;

import bert4j.runtime.ParameterInfo;
import bert4j.runtime.model.ModelLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Parameter counts at base size against Hugging Face's for the same config (its
 * {@code model.num_parameters()}), counted from the generated layouts: the encoder without the
 * task heads HF's base class lacks, and where HF's head is stated, with it.
 */
class ParameterCountTest {
  private static final List<String> HEADS =
      List.of("cls.", "predictions.", "discriminator_predictions.", "classifier.");

  private static long encoder(ModelLayout layout) {
    return layout.parameters().stream().filter(p -> HEADS.stream().noneMatch(p.name()::startsWith))
        .mapToLong(ParameterInfo::size).sum();
  }

  @Test
  void bertBaseChineseIsBertModels() {
    assertEquals(102_267_648L, BertBaseChineseImpl.LAYOUT.parameterCount());
  }

  @Test
  void albertBaseIsAlbertModels() {
    assertEquals(11_683_584L, encoder(AlbertBaseImpl.LAYOUT));
  }

  @Test
  void electraBaseDiscriminatorIsElectraForPreTrainings() {
    assertEquals(108_891_648L, encoder(ElectraBaseImpl.LAYOUT), "ElectraModel");
    assertEquals(109_483_009L, ElectraBaseImpl.LAYOUT.parameterCount(), "ElectraForPreTraining");
  }

  @Test
  void gpt2SmallIsGpt2LmHeadModelsWithTheTiedHead() {
    assertEquals(124_439_808L, Gpt2SmallImpl.LAYOUT.parameterCount());
  }

  /**
   * HF's RoFormerModel reports 123,555,840: these 123,457,536 plus its frozen sinusoidal table
   * ({@code encoder.embed_positions}, 1536 × 64), which bert4j computes instead of storing.
   */
  @Test
  void roformerBaseIsRoFormerModelsWithoutTheFrozenSinusoidTable() {
    assertEquals(123_457_536L, encoder(RoformerBaseImpl.LAYOUT));
  }

  @Test
  void nezhaBaseIsNezhaModelsWithItsPooler() {
    assertEquals(101_874_432L, NezhaBaseImpl.LAYOUT.parameterCount());
  }

  @Test
  void gptIsOpenAiGptModels() {
    assertEquals(116_534_784L, GptBaseImpl.LAYOUT.parameterCount());
  }

  /** No Hugging Face class: the count of bert4keras's RoFormer-V2 base, biases and norms none. */
  @Test
  void roformerV2BaseHasNoBiasesAndNoNormParameters() {
    assertEquals(94_152_192L, RoformerV2BaseImpl.LAYOUT.parameterCount());
  }

  /**
   * google/mt5-small's config (d_model 512, 6 heads of d_kv 64, d_ff 1024, 8 + 8 layers, vocab
   * 250,112, untied head): HF's MT5ForConditionalGeneration reports 300,176,768, the shared
   * embedding and lm_head 128,057,344 each.
   */
  @Test
  void mt5SmallIsMt5ForConditionalGenerations() {
    assertEquals(300_176_768L, Mt5SmallImpl.LAYOUT.parameterCount());
  }

  /** t5-small's config: HF's T5ForConditionalGeneration reports 60,506,624 (the head tied). */
  @Test
  void t5SmallIsT5ForConditionalGenerations() {
    assertEquals(60_506_624L, T5SmallImpl.LAYOUT.parameterCount());
  }
}
