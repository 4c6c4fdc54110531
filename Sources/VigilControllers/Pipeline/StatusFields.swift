import Kube
import VigilAPI
import VigilJSON
import VigilRuntime

/// Writes the status fields one reconcile owns as a merge patch of the
/// difference from what is stored (members that went away are sent as
/// null; `status.effects`, the ledger's, is never among them), unless the
/// only difference is the poll time in SourceReachable's message. Shared by
/// the kinds whose status is written this way (CounterMeasure, MemoryScaler).
enum StatusFields {
    /// True when something was written.
    @discardableResult
    static func write(
        _ client: KubeClient, _ descriptor: ResourceDescriptor, _ key: ObjectKey, _ fields: JSONObject, current: JSON, ownWrites: OwnWrites
    ) async throws -> Bool {
        var stored = JSONObject()
        for (k, _) in fields { stored[k] = current[k] ?? .null }
        var comparable = fields
        comparable["conditions"] = fields["conditions"].map(stable)
        var comparableStored = stored
        comparableStored["conditions"] = stored["conditions"].map(stable)
        guard JSONMergePatch.diff(from: .object(comparableStored), to: .object(comparable)) != nil,
            let changes = JSONMergePatch.diff(from: .object(stored), to: .object(fields))
        else { return false }
        let patch: JSON = ["status": changes]
        do {
            let written = try await client.patch(descriptor, namespace: key.namespace, name: key.name, subresource: "status", type: .merge, body: patch.serialized())
            ownWrites.wrote(key, resourceVersion: written.metadata.resourceVersion)
            return true
        } catch {
            if error.isNotFound { return false }
            throw error
        }
    }

    /// A condition of type `type` as `c` (status, reason, message) says; its
    /// `lastTransitionTime` stays as in `previous` while the status is the same.
    static func condition(_ type: String, _ c: (StatusCondition.Status, String, String), previous: [JSON], generation: Int64?, now: RFC3339Time) -> JSON {
        let old = previous.first { $0["type"]?.stringValue == type }
        let since = old?["status"]?.stringValue == c.0.rawValue ? (old?["lastTransitionTime"]?.stringValue.flatMap(RFC3339Time.init) ?? now) : now
        return StatusCondition(type: type, status: c.0, reason: c.1, message: c.2, lastTransitionTime: since, observedGeneration: generation).json
    }

    /// `Ready=False` with `reason` (and `observedGeneration`), unless status
    /// says exactly that already. True when written (announce it then).
    static func writeNotReady(
        _ client: KubeClient, _ descriptor: ResourceDescriptor, _ key: ObjectKey, reason: String, message: String, current: JSON, generation: Int64?,
        now: RFC3339Time, ownWrites: OwnWrites
    ) async throws -> Bool {
        let previous = current["conditions"]?.arrayValue ?? []
        let old = previous.first { $0["type"]?.stringValue == "Ready" }
        if old?["reason"]?.stringValue == reason && old?["message"]?.stringValue == message && current["observedGeneration"]?.intValue == generation { return false }
        var o = JSONObject()
        o["observedGeneration"] = generation.map { .int($0) } ?? .null
        o["conditions"] = .array([StatusFields.condition("Ready", (.false, reason, message), previous: previous, generation: generation, now: now)])
        try await write(client, descriptor, key, o, current: current, ownWrites: ownWrites)
        return true
    }

    /// Conditions without the poll time in SourceReachable's message.
    static func stable(_ conditions: JSON) -> JSON {
        guard case .array(let list) = conditions else { return conditions }
        return .array(list.map { c in
            var c = c
            if c["reason"]?.stringValue == "Polled", let m = c["message"]?.stringValue, m.hasPrefix("polled at ") {
                c["message"] = .string(m.split(separator: ";", maxSplits: 1).dropFirst().joined())
            }
            return c
        })
    }
}
