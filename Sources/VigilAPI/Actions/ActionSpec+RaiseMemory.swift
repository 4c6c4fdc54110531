extension ActionSpec {
    /// `raiseMemory`: one step of a `MemoryScaler`, from one memory limit to
    /// a larger one, for one container of a pod (in place, `pods/resize`) or
    /// of the pod template of a Deployment or StatefulSet. The request grows
    /// in proportion (`MemoryStep.request`).
    ///
    /// Not part of the YAML vocabulary (no resource's `actions` may name
    /// it): the MemoryScaler controller builds it, so that its steps go
    /// through the one action engine and its ledger like every other effect.
    /// It is a compare-and-set: it raises only a limit that is still
    /// `fromLimit`, and finds it done when the limit is already `toLimit`.
    public struct RaiseMemory: Sendable, Hashable {
        public enum Target: String, Sendable, Hashable, CaseIterable {
            case pod = "Pod"
            case deployment = "Deployment"
            case statefulSet = "StatefulSet"
        }
        public var target: Target
        public var name: String
        /// The UID of the pod or workload: a step is keyed by it, so a
        /// replacement object of the same name is a new target.
        public var uid: String
        public var container: String
        public var fromLimit: Int64
        public var toLimit: Int64
        /// What the controller's cache says of the container, so the step
        /// can be sent without reading the object first (nil: read it).
        /// Not part of the step's identity (`==`, `ledgerAction`).
        public var seen: Seen?

        /// The container as last seen: its index in the containers list and
        /// its memory limit and request exactly as stored.
        public struct Seen: Sendable, Hashable {
            public var index: Int
            public var limitText: String
            public var requestText: String?
            public init(index: Int, limitText: String, requestText: String?) {
                self.index = index
                self.limitText = limitText
                self.requestText = requestText
            }
        }

        public init(target: Target, name: String, uid: String, container: String, fromLimit: Int64, toLimit: Int64, seen: Seen? = nil) {
            self.target = target
            self.name = name
            self.uid = uid
            self.container = container
            self.fromLimit = fromLimit
            self.toLimit = toLimit
            self.seen = seen
        }

        public static func == (a: RaiseMemory, b: RaiseMemory) -> Bool {
            a.target == b.target && a.name == b.name && a.uid == b.uid && a.container == b.container && a.fromLimit == b.fromLimit && a.toLimit == b.toLimit
        }

        public func hash(into h: inout Hasher) {
            h.combine(ledgerAction)
        }

        /// What the ledger records as the entry's `action`, the whole step:
        /// `raiseMemory:<Target>/<name>/<uid>/<container>/<fromLimit>/<toLimit>` (bytes),
        /// so a replica that takes over can finish or record a step whose
        /// replica died before writing status (`init?(ledgerAction:)`).
        public var ledgerAction: String {
            "\(Self.ledgerPrefix)\(target.rawValue)/\(name)/\(uid)/\(container)/\(fromLimit)/\(toLimit)"
        }

        static let ledgerPrefix = "raiseMemory:"

        /// The step a ledger entry's `action` records; nil for any other entry.
        public init?(ledgerAction text: String) {
            guard text.hasPrefix(Self.ledgerPrefix) else { return nil }
            let parts = text.dropFirst(Self.ledgerPrefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 6, let target = Target(rawValue: parts[0]), !parts[1].isEmpty, !parts[2].isEmpty, !parts[3].isEmpty,
                let from = Int64(parts[4]), let to = Int64(parts[5])
            else { return nil }
            self.init(target: target, name: parts[1], uid: parts[2], container: parts[3], fromLimit: from, toLimit: to)
        }
    }
}
