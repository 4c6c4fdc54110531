/// Where member leases live: read one, create one, replace one if nobody
/// wrote it since a given `resourceVersion`, and list a ring's leases with a
/// quorum read. `KubeClient` is one. Write conflicts (the lease exists on
/// create; the resourceVersion moved on update) throw `LeaseConflictError`.
public protocol MemberLeaseStore: Sendable {
    /// The lease, or nil when it does not exist (quorum read).
    func getMemberLease(namespace: String, name: String) async throws -> MemberLeaseRecord?
    /// Creates the lease; throws `LeaseConflictError` if it already exists.
    func createMemberLease(namespace: String, _ record: MemberLeaseRecord) async throws -> MemberLeaseRecord
    /// Replaces the lease's spec, labels and annotations if its
    /// `resourceVersion` is still `precondition`; throws `LeaseConflictError`
    /// if it is not.
    func updateMemberLease(namespace: String, _ record: MemberLeaseRecord, precondition resourceVersion: String) async throws -> MemberLeaseRecord
    /// Every lease labelled `vigil.dev/ring=<ring>` (quorum read).
    func listMemberLeases(namespace: String, ring: String) async throws -> [MemberLeaseRecord]
}
