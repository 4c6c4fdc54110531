import Kube

/// Member leases on the API server. Updates are JSON patches whose first op
/// tests `/metadata/resourceVersion`; a failed test (422), a 409 or an
/// `AlreadyExists` is a `LeaseConflictError`.
extension KubeClient: MemberLeaseStore {
    public func getMemberLease(namespace: String, name: String) async throws -> MemberLeaseRecord? {
        do {
            return MemberLeaseRecord(try await get(Lease.self, namespace: namespace, name: name))
        } catch {
            if error.isNotFound { return nil }
            throw error
        }
    }

    public func createMemberLease(namespace: String, _ record: MemberLeaseRecord) async throws -> MemberLeaseRecord {
        let lease = Lease(
            metadata: ObjectMeta(name: record.name, namespace: namespace, labels: record.labels, annotations: record.annotations), spec: record.leaseSpec)
        do {
            let resp = try await send(.create(.leases, namespace: namespace, body: try KubeJSON.encode(lease)))
            return MemberLeaseRecord(try KubeJSON.decode(Lease.self, from: resp.body))
        } catch {
            if error.isConflict || error.isAlreadyExists {
                throw LeaseConflictError(namespace: namespace, name: record.name, detail: error.description)
            }
            throw error
        }
    }

    public func updateMemberLease(namespace: String, _ record: MemberLeaseRecord, precondition resourceVersion: String) async throws
        -> MemberLeaseRecord
    {
        func object(_ d: [String: String]) -> JSONValue { .object(d.mapValues { .string($0) }) }
        let patch: JSONValue = .array([
            .object(["op": .string("test"), "path": .string("/metadata/resourceVersion"), "value": .string(resourceVersion)]),
            .object(["op": .string("add"), "path": .string("/metadata/labels"), "value": object(record.labels)]),
            .object(["op": .string("add"), "path": .string("/metadata/annotations"), "value": object(record.annotations)]),
            .object(["op": .string("add"), "path": .string("/spec"), "value": record.specJSON]),
        ])
        do {
            let resp = try await send(.patch(.leases, namespace: namespace, name: record.name, type: .json, body: try KubeJSON.encode(patch)))
            return MemberLeaseRecord(try KubeJSON.decode(Lease.self, from: resp.body))
        } catch {
            if error.isConflict || error.statusCode == 422 {
                throw LeaseConflictError(
                    namespace: namespace, name: record.name, detail: "resourceVersion is no longer \(resourceVersion): \(error.description)")
            }
            throw error
        }
    }

    public func listMemberLeases(namespace: String, ring: String) async throws -> [MemberLeaseRecord] {
        let (items, _) = try await listAll(Lease.self, namespace: namespace, options: ListOptions(labelSelector: "\(MemberLeaseRecord.Key.ring)=\(ring)"))
        return items.map(MemberLeaseRecord.init)
    }
}

extension MemberLeaseRecord {
    var specJSON: JSONValue {
        LeaseRecord.specJSON(holderIdentity: holderIdentity, leaseDurationSeconds: leaseDurationSeconds, leaseTransitions: leaseTransitions,
            acquireTime: acquireTime, renewTime: renewTime)
    }
}
