package bert4j.runtime.io.torch;

import static bert4j.runtime.io.torch.PickleMachine.kind;

import bert4j.runtime.io.DType;
import bert4j.runtime.io.torch.PickleMachine.Global;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the globals of a {@code torch.save} pickle mean, interpreted instead of run: the allow-list
 * {@link PickleMachine} checks every global against, and the few calls a state dict needs.
 * {@code collections.OrderedDict()} is an empty dict; {@code torch._utils._rebuild_tensor_v2} and
 * {@code _rebuild_parameter} give a {@link Tensor} (where its elements lie in which storage); a
 * persistent id {@code ('storage', torch.FloatStorage, key, location, numel)} gives a {@link Storage},
 * the element type coming from the storage type's name. Torch 1.6 to 2.x write these same names.
 */
final class TorchPickle implements PickleMachine.Host {
  /** A storage: the zip entry {@code data/<key>} holding {@code numel} elements of {@code dtype}. */
  record Storage(DType dtype, String key, long numel) {}

  /** A tensor as the pickle describes it: a strided view of a storage. */
  record Tensor(Storage storage, long offset, long[] shape, long[] stride) {}

  private static final Global ORDERED_DICT = new Global("collections", "OrderedDict");
  private static final Global REBUILD_TENSOR = new Global("torch._utils", "_rebuild_tensor_v2");
  private static final Global REBUILD_PARAMETER = new Global("torch._utils", "_rebuild_parameter");
  private static final Map<Global, DType> STORAGES = storages();

  private static Map<Global, DType> storages() {
    Map<Global, DType> storages = new LinkedHashMap<>();
    storages.put(new Global("torch", "FloatStorage"), DType.F32);
    storages.put(new Global("torch", "HalfStorage"), DType.F16);
    storages.put(new Global("torch", "BFloat16Storage"), DType.BF16);
    storages.put(new Global("torch", "DoubleStorage"), DType.F64);
    storages.put(new Global("torch", "LongStorage"), DType.I64);
    storages.put(new Global("torch", "IntStorage"), DType.I32);
    storages.put(new Global("torch", "ShortStorage"), DType.I16);
    storages.put(new Global("torch", "CharStorage"), DType.I8);
    storages.put(new Global("torch", "ByteStorage"), DType.U8);
    storages.put(new Global("torch", "BoolStorage"), DType.BOOL);
    return Map.copyOf(storages);
  }

  @Override
  public boolean allows(Global global) {
    return global.equals(ORDERED_DICT) || global.equals(REBUILD_TENSOR) || global.equals(REBUILD_PARAMETER)
        || STORAGES.containsKey(global);
  }

  @Override
  public String allowed() {
    return ORDERED_DICT + ", " + REBUILD_TENSOR + ", " + REBUILD_PARAMETER + " and torch.{"
        + STORAGES.keySet().stream().map(g -> g.name().replace("Storage", "")).sorted()
            .collect(Collectors.joining(","))
        + "}Storage";
  }

  @Override
  public Object call(Global global, List<Object> arguments) throws PickleException {
    if (global.equals(ORDERED_DICT)) {
      if (!arguments.isEmpty()) {
        throw new PickleException("collections.OrderedDict is called with " + arguments.size()
            + " arguments; torch.save writes it empty and adds the items after");
      }
      return new LinkedHashMap<>();
    } else if (global.equals(REBUILD_TENSOR)) {
      return rebuildTensor(arguments);
    } else if (global.equals(REBUILD_PARAMETER)) {
      // (data, requires_grad, backward_hooks): the parameter's values are its data's
      arity(global, arguments, 3, 3);
      return argument(global, arguments, 0, "data", Tensor.class);
    }
    throw new PickleException("the pickle calls " + global + ", which torch.save never calls");
  }

  /** {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
  private static Tensor rebuildTensor(List<Object> arguments) throws PickleException {
    arity(REBUILD_TENSOR, arguments, 6, 7);
    Storage storage = argument(REBUILD_TENSOR, arguments, 0, "storage", Storage.class);
    long offset = argument(REBUILD_TENSOR, arguments, 1, "storage_offset", Long.class);
    long[] shape = longs(argument(REBUILD_TENSOR, arguments, 2, "size", List.class), "size");
    long[] stride = longs(argument(REBUILD_TENSOR, arguments, 3, "stride", List.class), "stride");
    argument(REBUILD_TENSOR, arguments, 4, "requires_grad", Boolean.class);
    argument(REBUILD_TENSOR, arguments, 5, "backward_hooks", Map.class);
    if (arguments.size() == 7) {
      // {"conj": bool, "neg": bool}: a set bit would change the values, which bert4j does not do
      Map<?, ?> metadata = argument(REBUILD_TENSOR, arguments, 6, "metadata", Map.class);
      for (Map.Entry<?, ?> bit : metadata.entrySet()) {
        if (!Boolean.FALSE.equals(bit.getValue())) {
          throw new PickleException("a tensor has the " + PickleMachine.printable(String.valueOf(bit.getKey()))
              + " bit set in its metadata, which bert4j does not apply (resolve it in torch before saving)");
        }
      }
    }
    return new Tensor(storage, offset, shape, stride);
  }

  @Override
  public Object persistentLoad(Object id) throws PickleException {
    if (!(id instanceof List<?> fields) || fields.size() != 5 || !"storage".equals(fields.get(0))) {
      throw new PickleException("a persistent id is a " + kind(id)
          + ", not the ('storage', type, key, location, numel) torch.save writes");
    }
    if (!(fields.get(1) instanceof Global type) || !STORAGES.containsKey(type)) {
      throw new PickleException("a persistent id's storage type is a " + kind(fields.get(1))
          + ", not a torch.*Storage");
    }
    if (!(fields.get(2) instanceof String key) || !(fields.get(3) instanceof String)
        || !(fields.get(4) instanceof Long numel) || numel < 0) {
      throw new PickleException("a persistent id's key, location and numel are a " + kind(fields.get(2)) + ", "
          + kind(fields.get(3)) + " and " + kind(fields.get(4)) + ", not a str, a str and an int >= 0");
    }
    return new Storage(STORAGES.get(type), key, numel);
  }

  /** Only the {@code _metadata} dict torch puts on a state dict (module versions), ignored. */
  @Override
  public void build(Object target, Object state) throws PickleException {
    if (!(target instanceof LinkedHashMap<?, ?>) || !(state instanceof Map<?, ?>)) {
      throw new PickleException("the pickle sets the state of a " + kind(target) + " to a " + kind(state)
          + "; torch.save does that only to a state dict's _metadata");
    }
  }

  private static void arity(Global global, List<Object> arguments, int least, int most) throws PickleException {
    if (arguments.size() < least || arguments.size() > most) {
      throw new PickleException(global + " is called with " + arguments.size() + " arguments, not "
          + (least == most ? least : least + " or " + most));
    }
  }

  private static <T> T argument(Global global, List<Object> arguments, int index, String name, Class<T> type)
      throws PickleException {
    Object value = arguments.get(index);
    if (!type.isInstance(value)) {
      throw new PickleException(global + "'s argument " + name + " is a " + kind(value));
    }
    return type.cast(value);
  }

  private static long[] longs(List<?> values, String name) throws PickleException {
    long[] longs = new long[values.size()];
    for (int i = 0; i < longs.length; i++) {
      if (!(values.get(i) instanceof Long value)) {
        throw new PickleException("a tensor's " + name + " holds a " + kind(values.get(i)) + ", not an int");
      }
      longs[i] = value;
    }
    return longs;
  }
}
