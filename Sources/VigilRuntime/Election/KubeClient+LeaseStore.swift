import Kube
import VigilJSON

/// Leases on the API server. Updates are JSON patches whose first op tests
/// `/metadata/resourceVersion`, so nothing is written over someone else's
/// change: a failed test (422) or a 409 is a `LeaseConflictError`, as is an
/// `AlreadyExists` on create.
extension KubeClient: LeaseStore {
    public func getLease(namespace: String, name: String) async throws -> LeaseRecord? {
        do {
            return LeaseRecord(try await get(Lease.self, namespace: namespace, name: name))
        } catch {
            if error.isNotFound { return nil }
            throw error
        }
    }

    public func createLease(namespace: String, name: String, _ record: LeaseRecord) async throws -> LeaseRecord {
        let lease = Lease(metadata: ObjectMeta(name: name, namespace: namespace), spec: record.leaseSpec)
        do {
            let resp = try await send(.create(.leases, namespace: namespace, body: try KubeJSON.encode(lease)))
            return LeaseRecord(try KubeJSON.decode(Lease.self, from: resp.body))
        } catch {
            if error.isConflict || error.isAlreadyExists { throw LeaseConflictError(namespace: namespace, name: name, detail: error.description) }
            throw error
        }
    }

    public func updateLease(namespace: String, name: String, _ record: LeaseRecord, precondition resourceVersion: String) async throws
        -> LeaseRecord
    {
        let patch: JSONValue = .array([
            .object(["op": .string("test"), "path": .string("/metadata/resourceVersion"), "value": .string(resourceVersion)]),
            .object(["op": .string("add"), "path": .string("/spec"), "value": record.specJSON]),
        ])
        do {
            let resp = try await send(.patch(.leases, namespace: namespace, name: name, type: .json, body: try KubeJSON.encode(patch)))
            return LeaseRecord(try KubeJSON.decode(Lease.self, from: resp.body))
        } catch {
            if error.isConflict || error.statusCode == 422 {
                throw LeaseConflictError(namespace: namespace, name: name, detail: "resourceVersion is no longer \(resourceVersion): \(error.description)")
            }
            throw error
        }
    }
}

extension LeaseRecord {
    /// Reads a Lease; missing fields read as empty / zero.
    public init(_ lease: Lease) {
        let spec = lease.spec
        self.init(
            holderIdentity: spec?.holderIdentity ?? "", leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
            acquireTime: spec?.acquireTime.flatMap(RFC3339Time.init), renewTime: spec?.renewTime.flatMap(RFC3339Time.init),
            leaseTransitions: spec?.leaseTransitions ?? 0, resourceVersion: lease.metadata.resourceVersion)
    }

    /// The `LeaseSpec` this record writes.
    public var leaseSpec: Lease.Spec {
        Lease.Spec(
            holderIdentity: holderIdentity, leaseDurationSeconds: leaseDurationSeconds, acquireTime: acquireTime?.microText,
            renewTime: renewTime?.microText, leaseTransitions: leaseTransitions)
    }

    var specJSON: JSONValue {
        Self.specJSON(holderIdentity: holderIdentity, leaseDurationSeconds: leaseDurationSeconds, leaseTransitions: leaseTransitions,
            acquireTime: acquireTime, renewTime: renewTime)
    }

    /// A Lease `spec` as JSON (shared with member leases).
    static func specJSON(holderIdentity: String, leaseDurationSeconds: Int, leaseTransitions: Int, acquireTime: RFC3339Time?, renewTime: RFC3339Time?) -> JSONValue {
        var o: [String: JSONValue] = [
            "holderIdentity": .string(holderIdentity), "leaseDurationSeconds": .int(Int64(leaseDurationSeconds)),
            "leaseTransitions": .int(Int64(leaseTransitions)),
        ]
        if let t = acquireTime { o["acquireTime"] = .string(t.microText) }
        if let t = renewTime { o["renewTime"] = .string(t.microText) }
        return .object(o)
    }
}
