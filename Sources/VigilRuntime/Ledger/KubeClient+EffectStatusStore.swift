import Kube
import VigilJSON

/// The ledger in `status.effects` of any object with a status subresource.
/// Writes are JSON patches on the `status` subresource whose first op tests
/// `/metadata/resourceVersion`, so a concurrent write makes them fail (409,
/// or 422 for a failed test) instead of overwriting it.
extension KubeClient: EffectStatusStore {
    public func readEffects(_ resource: ResourceDescriptor, namespace: String, name: String) async throws -> EffectLedgerSnapshot {
        let body: [UInt8]
        do {
            body = try await send(.get(resource, namespace: resource.namespaced ? namespace : nil, name: name)).body
        } catch {
            if error.isNotFound { throw EffectLedgerError.objectNotFound(resource: resource.plural, namespace: namespace, name: name) }
            throw error
        }
        return try Self.snapshot(body)
    }

    public func writeEffects(
        _ entries: [EffectEntry], _ resource: ResourceDescriptor, namespace: String, name: String, observed: EffectLedgerSnapshot
    ) async throws -> EffectStatusWrite {
        let effects = EffectLedger.json(entries)
        let write: JSON = observed.hasStatus
            ? .obj(["op": "add", "path": "/status/effects", "value": effects])
            : .obj(["op": "add", "path": "/status", "value": .obj(["effects": effects])])
        let patch: JSON = [
            .obj(["op": "test", "path": "/metadata/resourceVersion", "value": .string(observed.resourceVersion)]),
            write,
        ]
        let body: [UInt8]
        do {
            body = try await send(.patch(resource, namespace: resource.namespaced ? namespace : nil, name: name,
                subresource: "status", type: .json, body: patch.serialized())).body
        } catch {
            if error.isConflict || error.statusCode == 422 { return .conflict }
            if error.isNotFound { throw EffectLedgerError.objectNotFound(resource: resource.plural, namespace: namespace, name: name) }
            throw error
        }
        return .written(try Self.snapshot(body))
    }

    static func snapshot(_ body: [UInt8]) throws -> EffectLedgerSnapshot {
        let object: JSON
        do {
            object = try JSON.parse(body)
        } catch {
            throw EffectLedgerError.unreadableResponse(detail: error.description)
        }
        return try EffectLedgerSnapshot(object: object)
    }
}
