package bert4j.processor.emit;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.processor.TransformerProcessor;
import com.google.testing.compile.Compilation;
import com.google.testing.compile.Compiler;
import com.google.testing.compile.JavaFileObjects;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The generated code stays in methods HotSpot compiles: the JIT skips any method of more than 8,000
 * bytes of bytecode (HugeMethodLimit), and an interpreted forward pass would be far slower. The
 * generated class writes one layer's forward and backward once, in its inner class {@code Layer},
 * and loops over the layers, so no method grows with the depth (T5's decoder layers, written
 * outside {@code Layer}, come in section methods); this test compiles deep specs and
 * measures every method of the class files, constructors and static initialisers included, with a
 * small class-file reader of its own.
 */
class MethodSizeTest {
  /** HotSpot's HugeMethodLimit: larger methods are never JIT-compiled. */
  private static final int LIMIT = 8_000;

  /** One method of a class file and the length of its bytecode. */
  record MethodSize(String owner, String name, String descriptor, int codeLength) {
    @Override
    public String toString() {
      return owner + "." + name + descriptor + ": " + codeLength + " bytes";
    }
  }

  private static JavaFileObject spec(String name, int layers, boolean recompute) {
    return JavaFileObjects.forSourceString("deep." + name, String.join("\n",
        "package deep;",
        "",
        "import bert4j.dsl.*;",
        "",
        "@Transformer(layers = " + layers + ", hidden = 16, heads = 4, intermediate = 32,",
        "    vocab = 30, maxPosition = 16, hiddenDropout = 0.1, recompute = " + recompute + ")",
        "@Attention(mask = Mask.UNILM, dropout = 0.1)",
        "@Heads(pooler = true, mlm = true, classes = 3, tokenClasses = 4)",
        "public interface " + name + " {}",
        ""));
  }

  /**
   * T5's decoder layers are written as model-level calls, not as {@code Layer}s: at an mT5-small
   * size (8 + 8 layers, hidden 512, 6 heads of 64, gated feed-forward 1024, dropout) and at T5 1.0's
   * 12 + 12 layers their passes must come in sections under the limit (the straight-line passes of
   * mT5-small were 9,189 and 10,607 bytes). The constructor, which places every decoder buffer in
   * the arena, is larger than the limit and stays so: it runs once, and the interpreter runs it.
   */
  @ParameterizedTest(name = "{0}, {1} layers")
  @CsvSource({"T5_1_1, 8", "T5, 12"})
  void t5PassesStayUnderTheJitLimit(String architecture, int layers) {
    String name = architecture.replace("_", "") + "x" + layers;
    JavaFileObject source = JavaFileObjects.forSourceString("deep." + name, String.join("\n",
        "package deep;",
        "",
        "import bert4j.dsl.*;",
        "",
        "@Transformer(architecture = Architecture." + architecture + ", layers = " + layers + ",",
        "    hidden = 512, heads = 6, intermediate = 1024, vocab = 250112, hiddenDropout = 0.1)",
        "@Attention(keySize = 64, dropout = 0.1)",
        "@Heads(mlm = true)",
        "public interface " + name + " {}",
        ""));
    List<MethodSize> methods = measured(name, source, Set.of("<init>"));
    for (String method : List.of("forwardPass", "backwardPass", "decodePass", "forwardPassSection1",
        "backwardPassSection1", "decodePassSection1")) {
      assertTrue(methods.stream().anyMatch(m -> m.name().equals(method)), method + " is measured");
    }
  }

  @ParameterizedTest(name = "{0} layers, recompute {1}")
  @CsvSource({"48, false", "48, true", "12, false", "12, true"})
  void everyGeneratedMethodStaysUnderTheJitLimit(int layers, boolean recompute) {
    String name = "Deep" + layers + (recompute ? "Recompute" : "");
    List<MethodSize> methods = measured(name, spec(name, layers, recompute), Set.of());
    for (String method : List.of("forwardPass", "backwardPass", "forward", "backward",
        "parameterTable", "decodePass", "decode")) {
      assertTrue(methods.stream().anyMatch(m -> m.name().equals(method)), method + " is measured");
    }
  }

  /**
   * The methods of the classes generated from {@code source} (spec {@code name} in package
   * {@code deep}), each asserted under the limit but those named in {@code runOnce}.
   */
  private static List<MethodSize> measured(String name, JavaFileObject source,
      Set<String> runOnce) {
    Compilation compilation = Compiler.javac().withProcessors(new TransformerProcessor())
        .compile(source);
    assertThat(compilation).succeededWithoutWarnings();
    List<MethodSize> methods = new ArrayList<>();
    for (String file : List.of(name + "Impl.class", name + "Impl$Layer.class")) {
      JavaFileObject classFile = compilation
          .generatedFile(StandardLocation.CLASS_OUTPUT, "deep", file)
          .orElseThrow(() -> new AssertionError("no class file " + file));
      methods.addAll(methodSizes(bytes(classFile)));
    }
    assertTrue(methods.stream().anyMatch(m -> m.name().equals("<clinit>")),
        "the static initialiser (LAYOUT) is measured");
    assertEquals(2, methods.stream().filter(m -> m.name().equals("<init>")).count(),
        "both constructors are measured: " + methods);
    methods.sort(Comparator.comparingInt(MethodSize::codeLength).reversed());
    System.out.println(name + ": largest methods " + methods.subList(0, Math.min(3, methods.size())));
    for (MethodSize m : methods) {
      assertTrue(m.codeLength() < LIMIT || runOnce.contains(m.name()), m + " is over HotSpot's " + LIMIT + "-byte JIT limit");
    }
    return methods;
  }

  @org.junit.jupiter.api.Test
  void theReaderMeasuresKnownMethods() {
    // javac's code for these is fixed: the default constructor is aload_0, invokespecial, return (5);
    // a constant int return is iconst_1, ireturn (2); a double constant is ldc2_w, dreturn (4), and a
    // long and a double in the constant pool take two entries each, which the reader must skip.
    Compilation compilation = Compiler.javac().compile(JavaFileObjects.forSourceString("k.Known",
        String.join("\n",
            "package k;",
            "public class Known {",
            "  static int one() { return 1; }",
            "  static double big() { return 1.5e300; }",
            "  static long far() { return 123456789012L; }",
            "  static String text() { return \"\u00e9t\u00e9\"; }",
            "  abstract static class Shape { abstract void draw(); }",
            "}")));
    assertThat(compilation).succeededWithoutWarnings();
    List<MethodSize> known = methodSizes(bytes(compilation
        .generatedFile(StandardLocation.CLASS_OUTPUT, "k", "Known.class").orElseThrow()));
    assertEquals(List.of("k/Known.<init>()V: 5 bytes", "k/Known.one()I: 2 bytes",
        "k/Known.big()D: 4 bytes", "k/Known.far()J: 4 bytes",
        "k/Known.text()Ljava/lang/String;: 3 bytes"),
        known.stream().map(MethodSize::toString).toList());
    List<MethodSize> shape = methodSizes(bytes(compilation
        .generatedFile(StandardLocation.CLASS_OUTPUT, "k", "Known$Shape.class").orElseThrow()));
    assertEquals(List.of("k/Known$Shape.<init>()V: 5 bytes"),
        shape.stream().map(MethodSize::toString).toList(), "an abstract method has no code");
  }

  private static byte[] bytes(JavaFileObject file) {
    try (InputStream in = file.openInputStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every method of a class file with its Code attribute's code_length (JVMS §4): the constant pool
   * is read only to name methods and attributes; fields and class attributes are skipped.
   */
  static List<MethodSize> methodSizes(byte[] classFile) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
      if (in.readInt() != 0xCAFEBABE) {
        throw new IllegalArgumentException("not a class file");
      }
      in.readUnsignedShort(); // minor
      in.readUnsignedShort(); // major
      int count = in.readUnsignedShort();
      String[] utf8 = new String[count];
      int[] classNames = new int[count];
      for (int i = 1; i < count; i++) {
        int tag = in.readUnsignedByte();
        switch (tag) {
          case 1 -> utf8[i] = in.readUTF();
          case 7 -> classNames[i] = in.readUnsignedShort();
          case 8, 16, 19, 20 -> in.skipNBytes(2); // String, MethodType, Module, Package
          case 15 -> in.skipNBytes(3); // MethodHandle
          case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
          case 5, 6 -> {
            in.skipNBytes(8); // Long, Double take two entries
            i++;
          }
          default -> throw new IllegalArgumentException("constant pool tag " + tag + " at " + i);
        }
      }
      in.readUnsignedShort(); // access flags
      String owner = utf8[classNames[in.readUnsignedShort()]];
      in.readUnsignedShort(); // super class
      in.skipNBytes(2L * in.readUnsignedShort()); // interfaces
      int fields = in.readUnsignedShort();
      for (int f = 0; f < fields; f++) {
        in.skipNBytes(6); // access, name, descriptor
        skipAttributes(in);
      }
      int methodCount = in.readUnsignedShort();
      List<MethodSize> methods = new ArrayList<>();
      for (int m = 0; m < methodCount; m++) {
        in.readUnsignedShort(); // access
        String name = utf8[in.readUnsignedShort()];
        String descriptor = utf8[in.readUnsignedShort()];
        int attributes = in.readUnsignedShort();
        int code = -1;
        for (int a = 0; a < attributes; a++) {
          String attribute = utf8[in.readUnsignedShort()];
          int length = in.readInt();
          if (attribute.equals("Code")) {
            in.readUnsignedShort(); // max_stack
            in.readUnsignedShort(); // max_locals
            code = in.readInt();
            in.skipNBytes(length - 8L);
          } else {
            in.skipNBytes(length);
          }
        }
        if (code >= 0) {
          methods.add(new MethodSize(owner, name, descriptor, code));
        }
      }
      return methods;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void skipAttributes(DataInputStream in) throws IOException {
    int attributes = in.readUnsignedShort();
    for (int a = 0; a < attributes; a++) {
      in.readUnsignedShort();
      in.skipNBytes(in.readInt() & 0xFFFFFFFFL);
    }
  }
}
