package bert4j.processor.plan;

/** One argument of a kernel call in the plan; the emitter turns each kind into a Java expression. */
public sealed interface Arg {
  /** An activation buffer's slice and how the call uses it. */
  record Buf(Buffer buffer, Access access) implements Arg {}

  /** A parameter's slice. */
  record Param(Parameter parameter) implements Arg {}

  /** A parameter gradient's slice. */
  record Grad(Parameter parameter) implements Arg {}

  /** {@code factor} × the size of {@code extent} in this call (e.g. rows × 768). */
  record Dim(Extent extent, long factor) implements Arg {}

  /** A compile-time constant int. */
  record IntConst(int value) implements Arg {}

  /** A compile-time constant float. */
  record FloatConst(float value) implements Arg {}

  /** A compile-time constant boolean. */
  record BoolConst(boolean value) implements Arg {}

  /** A constant of a bert4j enum (Activation, Mask). */
  record EnumConst(Enum<?> value) implements Arg {}

  /** No value (a null slice or activation). */
  record None() implements Arg {}

  /** A host id array the model's base class fills for each call: tokenIds, segmentIds, positionIds. */
  record Host(String name) implements Arg {}

  /** A host float array the model's base class fills for each call: {@code conditions}. */
  record HostFloats(String name) implements Arg {}

  /** The host target array of loss {@code loss} (in the order of the plan's losses). */
  record Targets(int loss) implements Arg {}

  /** The scale of loss {@code loss} for this call (1 / counted targets), from the base class. */
  record LossScale(int loss) implements Arg {}

  /** The dropout seed of site {@code site} for this step; site −1 (no dropout) is the constant 0. */
  record Seed(int site) implements Arg {}

  /** A dropout rate that applies in training mode only (0 at inference). */
  record TrainingRate(float rate) implements Arg {}

  /** The number of sequences of this call ({@code batch}). */
  record Batch() implements Arg {}

  /** The sequence length of this call ({@code seq}). */
  record SeqLength() implements Arg {}

  /** The row stride of the [CLS] rows: seq × {@code width}. */
  record ClsStride(int width) implements Arg {}

  /** Layer's key cache ({@code values} false) or value cache of incremental decoding, from the base class. */
  record Cache(boolean values) implements Arg {}

  /** The token ids ({@code segments} false) or segment ids of every cached position, from the base class. */
  record CacheIds(boolean segments) implements Arg {}

  /** Cache layer {@code layer}'s keys ({@code values} false) or values, named by its index (T5). */
  record CacheAt(int layer, boolean values) implements Arg {}

  /** The length of the encoder rows an encoder–decoder's cross-attention cache holds. */
  record EncodedLength() implements Arg {}

  /** The positions the cache holds per sequence: the model's maxLength. */
  record CacheLength() implements Arg {}

  /** The attention shape of this call: batch and seq of the call, heads and sizes of the model. */
  record Shape(int heads, int keySize, int headSize, float scale) implements Arg {}
}
