import Kube
import VigilJSON

/// One member lease `vigil-member-<id>` as membership reads and writes it:
/// the lease spec (who holds it, when it was renewed) plus the labels and
/// annotations that carry the ring, the member's address, the epoch it
/// acknowledged, whether it is leaving, and whether the leader declared it
/// dead. Annotations this type does not know are kept and written back.
public struct MemberLeaseRecord: Sendable, Hashable {
    /// The prefix of every member lease name.
    public static let namePrefix = "vigil-member-"

    /// Label and annotation keys.
    public enum Key {
        /// Label: the ring the member belongs to.
        public static let ring = "vigil.dev/ring"
        /// Annotation: `host:port` of the member's HTTP server.
        public static let address = "vigil.dev/address"
        /// Annotation: the last shard-map epoch the member acknowledged.
        public static let ackEpoch = "vigil.dev/ack-epoch"
        /// Annotation `true`: the member is shutting down gracefully.
        public static let leaving = "vigil.dev/leaving"
        /// Annotation written by the leader when it judges the lease expired:
        /// the epoch of the map that drops the member. The write carries the
        /// resourceVersion the leader judged, so a renewal that raced it
        /// fails; the member removes the annotation when it renews again.
        public static let deadInEpoch = "vigil.dev/dead-in-epoch"
    }

    /// The lease name for `member`.
    public static func leaseName(for member: MemberID) -> String { namePrefix + member.rawValue }

    public var name: String
    /// `vigil.dev/ring`.
    public var ring: String
    /// The member holding the lease; empty when released.
    public var holderIdentity: String
    public var leaseDurationSeconds: Int
    public var acquireTime: RFC3339Time?
    public var renewTime: RFC3339Time?
    public var leaseTransitions: Int
    /// `vigil.dev/address`.
    public var address: String?
    /// `vigil.dev/ack-epoch`; nil when absent or not a number.
    public var ackEpoch: Int?
    /// `vigil.dev/leaving=true`.
    public var leaving: Bool
    /// `vigil.dev/dead-in-epoch`; nil when absent or not a number.
    public var deadInEpoch: Int?
    /// Labels other than `vigil.dev/ring`, kept as found.
    public var otherLabels: [String: String]
    /// Annotations other than the ones above, kept as found.
    public var otherAnnotations: [String: String]
    /// The version the server stored this record at; nil on a record to create.
    public var resourceVersion: String?

    public init(
        name: String, ring: String, holderIdentity: String, leaseDurationSeconds: Int, acquireTime: RFC3339Time? = nil, renewTime: RFC3339Time? = nil,
        leaseTransitions: Int = 0, address: String? = nil, ackEpoch: Int? = nil, leaving: Bool = false, deadInEpoch: Int? = nil,
        otherLabels: [String: String] = [:], otherAnnotations: [String: String] = [:], resourceVersion: String? = nil
    ) {
        self.name = name
        self.ring = ring
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
        self.address = address
        self.ackEpoch = ackEpoch
        self.leaving = leaving
        self.deadInEpoch = deadInEpoch
        self.otherLabels = otherLabels
        self.otherAnnotations = otherAnnotations
        self.resourceVersion = resourceVersion
    }

    /// Reads a Lease; missing fields read as empty / zero / absent.
    public init(_ lease: Lease) {
        let spec = lease.spec
        var labels = lease.metadata.labels ?? [:]
        var annotations = lease.metadata.annotations ?? [:]
        let ring = labels.removeValue(forKey: Key.ring) ?? ""
        let address = annotations.removeValue(forKey: Key.address)
        let ack = annotations.removeValue(forKey: Key.ackEpoch).flatMap { Int($0) }
        let leaving = annotations.removeValue(forKey: Key.leaving) == "true"
        let dead = annotations.removeValue(forKey: Key.deadInEpoch).flatMap { Int($0) }
        self.init(
            name: lease.metadata.name ?? "", ring: ring, holderIdentity: spec?.holderIdentity ?? "",
            leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0, acquireTime: spec?.acquireTime.flatMap(RFC3339Time.init),
            renewTime: spec?.renewTime.flatMap(RFC3339Time.init), leaseTransitions: spec?.leaseTransitions ?? 0, address: address, ackEpoch: ack,
            leaving: leaving, deadInEpoch: dead, otherLabels: labels, otherAnnotations: annotations, resourceVersion: lease.metadata.resourceVersion)
    }

    /// The member this lease belongs to, from its name; nil when the name is
    /// not `vigil-member-<valid id>`.
    public var member: MemberID? {
        guard name.hasPrefix(Self.namePrefix) else { return nil }
        let id = String(name.dropFirst(Self.namePrefix.count))
        return MemberID.problem(with: id) == nil ? MemberID(id) : nil
    }

    /// All labels to write.
    public var labels: [String: String] {
        var l = otherLabels
        l[Key.ring] = ring
        return l
    }

    /// All annotations to write.
    public var annotations: [String: String] {
        var a = otherAnnotations
        if let address { a[Key.address] = address }
        if let ackEpoch { a[Key.ackEpoch] = String(ackEpoch) }
        if leaving { a[Key.leaving] = "true" }
        if let deadInEpoch { a[Key.deadInEpoch] = String(deadInEpoch) }
        return a
    }

    /// The lease spec to write.
    public var leaseSpec: Lease.Spec {
        Lease.Spec(
            holderIdentity: holderIdentity, leaseDurationSeconds: leaseDurationSeconds, acquireTime: acquireTime?.microText,
            renewTime: renewTime?.microText, leaseTransitions: leaseTransitions)
    }
}
