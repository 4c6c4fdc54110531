import VigilJSON

/// The ledger of one object as read: its entries and the version of the
/// object they were read at (the precondition of the next write).
public struct EffectLedgerSnapshot: Sendable, Hashable {
    /// `metadata.uid` of the object (the first input of its `EffectKey`s).
    public var uid: String
    /// `metadata.resourceVersion` the entries were read at.
    public var resourceVersion: String
    /// `status.effects`, oldest first.
    public var entries: [EffectEntry]
    /// Whether the object has a `status` object (decides the JSON patch path).
    public var hasStatus: Bool

    public init(uid: String, resourceVersion: String, entries: [EffectEntry], hasStatus: Bool) {
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.entries = entries
        self.hasStatus = hasStatus
    }

    /// The ledger of `object` (a whole Kubernetes object as JSON, as read
    /// from the API or a cache); throws if `status.effects` is malformed.
    public init(object: JSON) throws {
        let status = object["status"]
        let hasStatus: Bool
        if case .object = status { hasStatus = true } else { hasStatus = false }
        self.init(
            uid: object[path: ["metadata", "uid"]]?.stringValue ?? "",
            resourceVersion: object[path: ["metadata", "resourceVersion"]]?.stringValue ?? "",
            entries: try EffectLedger.entries(fromStatus: hasStatus ? status : nil), hasStatus: hasStatus)
    }

    /// The newest entry for `key`.
    public func entry(_ key: EffectKey) -> EffectEntry? { entries.last { $0.key == key } }
}
