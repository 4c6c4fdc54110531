import VigilAPI
import VigilJSON

/// Where the progress is stored in `status`, next to the fields
/// `NamespacePolicyStatus` already models:
///
///     status:
///       armedGeneration: 4            # new
///       armedAt: "2026-11-22T10:00:00Z"  # new
///       dormantGeneration: 3          # new, absent while armed
///       policies:
///         - name: done
///           state: Fired              # existing: the outcome when Fired/Failed/DryRun
///           firedAt: "…"              # existing: outcomeAt
///           trigger: nsp/done/g4      # new
///           conditionMetAt: "…"       # new
///           succeededPods: [uid, …]   # new
///
/// Reading is lenient: a member that is missing or of the wrong type is
/// treated as absent (the status is Vigil's own and is rewritten on the next
/// reconcile).
extension NamespacePolicyProgress {
    /// Reads the progress from a stored `status` object (nil or `{}` for a new resource).
    public init(status: JSON?) {
        let s = status ?? .object(JSONObject())
        var policies: [Policy] = []
        for item in s["policies"]?.arrayValue ?? [] {
            guard let name = item["name"]?.stringValue, let trigger = item["trigger"]?.stringValue else { continue }
            let state = item["state"]?.stringValue.flatMap(PolicyState.init(rawValue:))
            let outcome = state.flatMap { [.fired, .failed, .dryRun].contains($0) ? $0 : nil }
            policies.append(
                Policy(
                    name: name, trigger: trigger,
                    conditionMetAt: item["conditionMetAt"]?.stringValue.flatMap(RFC3339Time.init),
                    outcome: outcome,
                    outcomeAt: outcome == nil ? nil : item["firedAt"]?.stringValue.flatMap(RFC3339Time.init),
                    succeededPods: (item["succeededPods"]?.arrayValue ?? []).compactMap(\.stringValue)))
        }
        self.init(
            armedGeneration: s["armedGeneration"]?.intValue,
            armedAt: s["armedAt"]?.stringValue.flatMap(RFC3339Time.init),
            dormantGeneration: s["dormantGeneration"]?.intValue,
            policies: policies)
    }

    /// The top-level status members this progress owns (absent ones as `null`,
    /// so a JSON merge patch removes them).
    public var statusMembers: JSONObject {
        var o = JSONObject()
        o["armedGeneration"] = armedGeneration.map { .int($0) } ?? .null
        o["armedAt"] = armedAt.map { .string($0.text) } ?? .null
        o["dormantGeneration"] = dormantGeneration.map { .int($0) } ?? .null
        return o
    }

    /// The members this progress adds to `status.policies[]` for policy `name`
    /// (empty when it has no progress).
    public func policyMembers(_ name: String) -> JSONObject {
        var o = JSONObject()
        guard let p = policy(name) else { return o }
        o["trigger"] = .string(p.trigger)
        if let t = p.conditionMetAt { o["conditionMetAt"] = .string(t.text) }
        if !p.succeededPods.isEmpty { o["succeededPods"] = .array(p.succeededPods.map { .string($0) }) }
        return o
    }
}
