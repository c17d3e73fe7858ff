package bert4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Architecture;
import bert4j.runtime.config.HfConfig;
import bert4j.runtime.config.ModelConfig;
import bert4j.runtime.config.SpecSource;
import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaFileObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code bert4j spec}'s work on published configs: the source written from each config.json compiles,
 * and the compiled model's parameter count (the report in the generated class's Javadoc) is Hugging
 * Face's for that config — counted by hand: embeddings + 12 layers of 7,087,872 + the pooler where
 * the HF base class has one.
 */
class ConfigToSpecTest {
  private static final Pattern PARAMETERS = Pattern.compile("Parameters: ([0-9,]+)\\.");

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "bert-base-chinese.json, , true, 102267648",
      "chinese-roberta-wwm-ext.json, , true, 102267648",
      "albert_chinese_base.json, ALBERT, true, 10547968",
      "chinese_roformer_base.json, , false, 123457536"})
  void theWrittenSpecCompilesWithTheConfigsParameterCount(String file, Architecture architecture,
      boolean pooler, long parameters) throws IOException, URISyntaxException {
    Path config = Path.of(getClass().getResource("/configs/" + file).toURI());
    ModelConfig model = HfConfig.read(config).toModelConfig(architecture);
    String source = SpecSource.of("com.acme.Pretrained", model,
        new SpecSource.Options(pooler, false, 0, 0, Double.NaN), file);
    JavaFileObject spec = JavaFileObjects.forSourceString("com.acme.Pretrained", source);
    Compilation compilation = Specs.compile(spec);
    assertThat(compilation).succeededWithoutWarnings();
    String generated = compilation.generatedSourceFile("com.acme.PretrainedImpl").orElseThrow()
        .getCharContent(true).toString();
    Matcher m = PARAMETERS.matcher(generated);
    assertTrue(m.find(), "the generated class reports its parameters");
    assertEquals(parameters, Long.parseLong(m.group(1).replace(",", "")), source);
    assertEquals(model, HfConfig.read(config).toModelConfig(architecture),
        "reading the config twice gives the same settings");
  }
}
