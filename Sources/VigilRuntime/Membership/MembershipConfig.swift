/// What one replica needs to take part in a shard ring (docs/architecture.md,
/// "Sharding"): where the member leases and the shard map live, which ring,
/// who this replica is, where its HTTP server listens, and the lease timing
/// (the same rules as leader election). Checked when made, so a config that
/// exists is valid.
public struct MembershipConfig: Sendable, Hashable {
    /// The namespace of the member leases and of ConfigMap `vigil-shardmap`.
    public let namespace: String
    /// The ring, written as label `vigil.dev/ring` on every member lease.
    public let ring: String
    /// This replica (its lease is `vigil-member-<member>`).
    public let member: MemberID
    /// `host:port` of this replica's HTTP server (`vigil.dev/address`).
    public let address: String
    /// Lease duration, renew deadline and retry period, as for leader
    /// election: `leaseDuration > renewDeadline > retryPeriod × 1.2 > 0`.
    public let timing: LeaderElectionConfig.Timing

    /// The name of this replica's member lease.
    public var leaseName: String { MemberLeaseRecord.leaseName(for: member) }

    /// The `leaseDurationSeconds` written to the member lease: the lease
    /// duration rounded up to whole seconds.
    public var leaseDurationSeconds: Int { Int(timing.leaseDuration.rounded(.up)) }

    /// Throws `MembershipConfigError`, naming the field, when a name is empty
    /// or unusable, the ring is not a valid label value, or the timing breaks
    /// the leader-election rules.
    public init(
        namespace: String, ring: String, member: MemberID, address: String, timing: LeaderElectionConfig.Timing = .conservative
    ) throws(MembershipConfigError) {
        if namespace.isEmpty { throw MembershipConfigError(field: "namespace", value: "\"\"", requirement: "must not be empty") }
        if let problem = Self.labelValueProblem(ring) {
            throw MembershipConfigError(field: "ring", value: ring.debugDescription, requirement: problem)
        }
        if let problem = MemberID.problem(with: member.rawValue) {
            throw MembershipConfigError(field: "member", value: member.rawValue.debugDescription, requirement: "is invalid: \(problem)")
        }
        if address.isEmpty { throw MembershipConfigError(field: "address", value: "\"\"", requirement: "must be host:port of this replica's HTTP server") }
        do {
            _ = try LeaderElectionConfig(leaseNamespace: namespace, leaseName: "vigil-member-\(member)", identity: member.rawValue, timing: timing)
        } catch {
            throw MembershipConfigError(field: "timing.\(error.field)", value: error.value, requirement: error.requirement)
        }
        self.namespace = namespace
        self.ring = ring
        self.member = member
        self.address = address
        self.timing = timing
    }

    /// Why `value` cannot be a label value, or nil: 1–63 characters,
    /// alphanumerics, `-`, `_` or `.`, starting and ending alphanumeric.
    static func labelValueProblem(_ value: String) -> String? {
        let bytes = Array(value.utf8)
        if bytes.isEmpty { return "must not be empty (it is the value of label vigil.dev/ring)" }
        if bytes.count > 63 { return "has \(bytes.count) characters; a label value has at most 63" }
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) }
        guard bytes.allSatisfy({ alnum($0) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }), alnum(bytes[0]), alnum(bytes[bytes.count - 1]) else {
            return "must be a label value: letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        }
        return nil
    }
}
