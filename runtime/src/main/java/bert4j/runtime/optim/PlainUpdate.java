package bert4j.runtime.optim;

import bert4j.dsl.Method;

/**
 * The scalars of one update of a bare Adam or SGD program (no extension but a schedule), for a
 * backend that runs the update on a device; see {@link BoundOptimizer#plainUpdate}. In the float
 * operations of {@link BoundOptimizer#applyOnHost}:
 * <ul>
 *   <li>Adam: m = β₁·m + (1−β₁)·g; v = β₂·v + (1−β₂)·g·g; θ += −(lr·(m·mScale)/(√(v·vScale) + ε)),
 *       m and v in the state regions M and V;
 *   <li>SGD: θ += −(lr·g) without momentum; with it, u = μ·u − lr·g (u in region M) and θ += u, or
 *       θ += μ·u − lr·g with Nesterov.
 * </ul>
 */
public record PlainUpdate(Method method, float learningRate, float beta1, float beta2,
    float oneMinusBeta1, float oneMinusBeta2, float mScale, float vScale, float epsilon,
    float momentum, boolean nesterov) {}
