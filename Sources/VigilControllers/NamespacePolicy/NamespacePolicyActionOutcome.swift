import VigilAPI
import VigilJSON

/// How a planned `NamespacePolicyPlan` turned out, as the reconciler reports
/// it to `NamespacePolicyEvaluation.recording(_:at:)`.
public enum NamespacePolicyActionOutcome: Sendable, Hashable {
    /// Done (for `deleteNamespace`, also when the namespace was already gone).
    case succeeded
    /// Failed; the ledger will run it again under the same key at `nextAttemptAt`.
    case retrying(error: String, nextAttemptAt: RFC3339Time)
    /// Failed for good (all attempts used).
    case failed(error: String)
}
