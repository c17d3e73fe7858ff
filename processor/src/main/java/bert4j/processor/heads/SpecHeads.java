package bert4j.processor.heads;

import bert4j.processor.spec.ModelSpec;
import bert4j.processor.spec.SpanHeadSpec;
import java.util.ArrayList;
import java.util.List;

/** The heads a spec declares, in the order they are built (the pooler before what reads it). */
public final class SpecHeads {
  private SpecHeads() {}

  public static List<Head> of(ModelSpec spec) {
    List<Head> heads = new ArrayList<>();
    if (spec.pooler()) {
      heads.add(new Pooler());
    }
    if (spec.mlm()) {
      heads.add(new MlmHead());
    }
    if (spec.classes() > 0) {
      heads.add(new Classifier());
    }
    if (spec.tokenClasses() > 0) {
      heads.add(new TokenClassifier());
    }
    if (spec.discriminator()) {
      heads.add(new Discriminator());
    }
    if (spec.crf() > 0 || spec.memm() > 0) {
      heads.add(new TagPathHead(spec.crf() > 0));
    }
    for (SpanHeadSpec span : spec.spans()) {
      heads.add(new GlobalPointerHead(span));
    }
    return heads;
  }
}
