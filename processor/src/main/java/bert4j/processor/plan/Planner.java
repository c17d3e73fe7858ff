package bert4j.processor.plan;

import bert4j.processor.blocks.Encoder;
import bert4j.processor.blocks.Embeddings;
import bert4j.processor.blocks.T5;
import bert4j.processor.heads.DecodeHead;
import bert4j.processor.heads.Head;
import bert4j.processor.heads.HeadContext;
import bert4j.processor.heads.HeadOutput;
import bert4j.processor.heads.SpecHeads;
import bert4j.processor.ops.Flops;
import bert4j.processor.ops.LossOp;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stage 2 of the processor: records the spec's architecture (an encoder, or T5's encoder and decoder,
 * whose {@code sequence_output} is the decoder's) and heads on a {@link Tape}, derives the
 * backward ({@link Gradients}), and reads the tape for everything else: liveness and arena columns
 * (over the replayed forward too, under recompute; and over the forward alone for a model created
 * for inference), FLOPs, the layers' inputs.
 */
public final class Planner {
  private Planner() {}

  public static Plan plan(ModelSpec spec) {
    Tape tape = new Tape();
    HeadContext heads;
    List<Value> encodedCaches = List.of();
    if (spec.architecture().encoderDecoder()) {
      T5.Result t5 = T5.build(tape, spec);
      encodedCaches = t5.caches();
      heads = new HeadContext(tape, spec, t5.decoderOutput(), t5.shared(), null);
      heads.output("encoder_output", "encoderOutput", t5.encoderOutput());
    } else {
      Embeddings.Result encoder = Encoder.build(tape, spec);
      heads = new HeadContext(tape, spec, encoder.output(), encoder.wordEmbeddings(),
          encoder.condition());
    }
    for (Head head : SpecHeads.of(spec)) {
      head.build(heads);
    }
    Gradients.Result backward = Gradients.derive(tape);

    List<Call> forward = new ArrayList<>();
    Flops flops = Flops.NONE;
    for (Tape.Entry e : tape.entries()) {
      int loss = e.op() instanceof LossOp l ? l.loss() : -1;
      forward.add(new Call(e.op(), e.comment(), e.layer(), e.op().trainingOnly(), loss));
      flops = flops.plus(e.op().flops());
    }
    List<Call> backwardCalls =
        GradientZeroing.overwriteSoleContributions(forward, backward.calls());
    List<Plan.LayerPorts> ports = new ArrayList<>();
    for (Map.Entry<Integer, Value> input : tape.layerInputs().entrySet()) {
      ports.add(new Plan.LayerPorts(input.getKey(), input.getValue().buffer(),
          backward.gradients().get(input.getValue())));
    }
    ports.sort((a, b) -> Integer.compare(a.index(), b.index()));

    Set<Buffer> outputs = new LinkedHashSet<>();
    for (HeadOutput o : heads.outputs()) {
      outputs.add(o.buffer());
    }
    for (Value cache : encodedCaches) {
      outputs.add(cache.buffer());
    }
    Plan unplaced = new Plan(spec, tape.parameters(), tape.views(), forward, backwardCalls,
        Map.of(), heads.outputs(), heads.losses(), ports, 0, 0, 0, flops, null, null);
    ArenaPlanner.Placement placement =
        ArenaPlanner.place(unplaced.timeline(), outputs, spec.layers());
    DecodePlan decode = !spec.decodes() ? null : spec.architecture().encoderDecoder()
        ? decodeSeq2Seq(spec, encodedCaches, heads.outputs()) : decode(spec);
    int tokenWidth = placement.widths().get(Extent.TOKENS);
    int sequenceWidth = placement.widths().get(Extent.SEQUENCES);
    if (decode != null) {
      tokenWidth = Math.max(tokenWidth, decode.tokenWidth());
      sequenceWidth = Math.max(sequenceWidth, decode.sequenceWidth());
    }
    return new Plan(spec, tape.parameters(), tape.views(), forward, backwardCalls,
        placement.columns(), heads.outputs(), heads.losses(), ports, tokenWidth, sequenceWidth,
        placement.widths().get(Extent.PAIRS), flops, decode, inference(forward, outputs, spec, decode));
  }

  /** The forward alone placed by liveness, beside the decoding pass where there is one. */
  private static InferenceArena inference(List<Call> forward, Set<Buffer> outputs, ModelSpec spec,
      DecodePlan decode) {
    List<Call> calls = InferenceArena.calls(forward);
    ArenaPlanner.Placement placement = ArenaPlanner.place(calls, outputs, spec.layers(),
        InferenceArena.aliases(calls, outputs));
    int tokenWidth = placement.widths().get(Extent.TOKENS);
    int sequenceWidth = placement.widths().get(Extent.SEQUENCES);
    if (decode != null) {
      tokenWidth = Math.max(tokenWidth, decode.tokenWidth());
      sequenceWidth = Math.max(sequenceWidth, decode.sequenceWidth());
    }
    return new InferenceArena(placement.columns(), tokenWidth, sequenceWidth,
        placement.widths().get(Extent.PAIRS));
  }

  /**
   * The incremental decoding pass: the same blocks recorded on a decoding tape (attention against
   * the key/value cache, no dropout) and the LM head on each sequence's last row, placed forward
   * only, each activation written in place of its pre-activation (no backward reads it).
   */
  private static DecodePlan decode(ModelSpec spec) {
    Tape tape = Tape.forDecoding();
    Embeddings.Result encoder = Encoder.build(tape, spec);
    Value logits = DecodeHead.build(tape, spec, encoder);
    List<Call> calls = new ArrayList<>();
    for (Tape.Entry e : tape.entries()) {
      calls.add(new Call(e.op(), e.comment(), e.layer(), false, -1));
    }
    List<Plan.LayerPorts> ports = new ArrayList<>();
    for (Map.Entry<Integer, Value> input : tape.layerInputs().entrySet()) {
      ports.add(new Plan.LayerPorts(input.getKey(), input.getValue().buffer(), null));
    }
    ports.sort((a, b) -> Integer.compare(a.index(), b.index()));
    Set<Buffer> outputs = Set.of(logits.buffer());
    ArenaPlanner.Placement placement = ArenaPlanner.place(calls, outputs, spec.layers(),
        InferenceArena.aliases(calls, outputs));
    if (placement.widths().get(Extent.PAIRS) != 0) {
      throw new IllegalStateException("the decoding pass of " + spec.interfaceName()
          + " uses token-pair buffers");
    }
    return new DecodePlan(calls, placement.columns(), ports, logits.buffer(),
        placement.widths().get(Extent.TOKENS), placement.widths().get(Extent.SEQUENCES), List.of(),
        null);
  }

  /**
   * T5's decoding: the forward pass starts it (its decoder's keys and values kept to the end of the
   * pass, the LM head's first row read); each step runs the decoder alone on the new rows against
   * the cached self and cross keys and values, placed forward only (activations in place of their
   * pre-activations).
   */
  private static DecodePlan decodeSeq2Seq(ModelSpec spec, List<Value> encodedCaches,
      List<HeadOutput> outputs) {
    Tape tape = Tape.forDecoding();
    Value logits = T5.buildDecoding(tape, spec);
    List<Call> calls = new ArrayList<>();
    for (Tape.Entry e : tape.entries()) {
      calls.add(new Call(e.op(), e.comment(), e.layer(), false, -1));
    }
    Set<Buffer> kept = Set.of(logits.buffer());
    ArenaPlanner.Placement placement = ArenaPlanner.place(calls, kept, spec.layers(),
        InferenceArena.aliases(calls, kept));
    Buffer startLogits = outputs.stream().filter(o -> o.name().equals("mlm_logits")).findFirst()
        .orElseThrow().buffer();
    return new DecodePlan(calls, placement.columns(), List.of(), logits.buffer(),
        placement.widths().get(Extent.TOKENS), placement.widths().get(Extent.SEQUENCES),
        encodedCaches.stream().map(Value::buffer).toList(), startLogits);
  }
}
