package bert4j.processor.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;

import bert4j.runtime.model.LossTarget;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The processor's loss kinds are the runtime's, by name: generated code names the runtime constants. */
class LossKindTest {
  @Test
  void everyLossKindIsARuntimeKind() {
    assertEquals(Arrays.stream(LossTarget.Kind.values()).map(Enum::name).toList(),
        Arrays.stream(LossKind.values()).map(Enum::name).toList());
  }
}
