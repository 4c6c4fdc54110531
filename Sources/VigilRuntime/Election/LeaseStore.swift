/// Where leader election keeps its Lease: read it, create it, or replace
/// its spec if nobody wrote it since a given `resourceVersion`. `KubeClient`
/// is one; tests use an in-memory one.
public protocol LeaseStore: Sendable {
    /// The lease, or nil if it does not exist.
    func getLease(namespace: String, name: String) async throws -> LeaseRecord?
    /// Creates the lease; throws `LeaseConflictError` if it already exists.
    func createLease(namespace: String, name: String, _ record: LeaseRecord) async throws -> LeaseRecord
    /// Replaces the lease's spec if its `resourceVersion` is still
    /// `precondition`; throws `LeaseConflictError` if it is not.
    func updateLease(namespace: String, name: String, _ record: LeaseRecord, precondition resourceVersion: String) async throws -> LeaseRecord
}

/// A lease write lost a race: the lease exists already (create) or was
/// written by someone else since it was read (update).
public struct LeaseConflictError: Error, Sendable, Hashable, CustomStringConvertible {
    public var namespace: String
    public var name: String
    public var detail: String

    public init(namespace: String, name: String, detail: String) {
        self.namespace = namespace
        self.name = name
        self.detail = detail
    }

    public var description: String { "lease \(namespace)/\(name) was written by someone else first: \(detail)" }
}
