import VigilJSON

/// The `scaleDown` action: scales every Deployment and StatefulSet matched by
/// one of `selectors` to zero replicas. The replica count before scaling is
/// saved on each object in the `savedReplicasAnnotation` annotation, so
/// restoring it is a matter of reading the annotation back.
public struct ScaleDownAction: Sendable, Hashable {
    /// The workload kinds that can be scaled down.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case deployment = "Deployment"
        case statefulSet = "StatefulSet"
    }

    /// One group of workloads: a kind and a label selector.
    public struct Target: Sendable, Hashable {
        public var kind: Kind
        /// Which objects of `kind`; nil (or `{}`) selects every one in the namespace.
        public var labels: LabelSelectorSpec?

        public init(kind: Kind, labels: LabelSelectorSpec? = nil) {
            self.kind = kind
            self.labels = labels
        }

        public var json: JSON {
            var o = JSONObject()
            o["kind"] = .string(kind.rawValue)
            if let labels { o["labels"] = labels.json }
            return .object(o)
        }
    }

    /// The annotation that holds a workload's replica count from before it
    /// was scaled down (a decimal integer, e.g. `"3"`).
    public static let savedReplicasAnnotation = "vigil.dev/scaled-down-from-replicas"

    /// What to scale down (at least one).
    public var selectors: [Target]

    public init(selectors: [Target]) {
        self.selectors = selectors
    }

    public var json: JSON {
        .obj(["selectors": .array(selectors.map(\.json))])
    }

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: ["selectors"], at: path)
        let hint = "a list of {kind: Deployment or StatefulSet, labels: <label selector>}"
        var targets: [Target] = []
        if let list = r.array(o, "selectors", at: path, required: hint) {
            let sp = FieldReader.child(path, "selectors")
            if list.isEmpty { r.report(sp, .array([]), "at least one selector is required: \(hint)") }
            for (i, item) in list.enumerated() {
                let ip = FieldReader.item(sp, i)
                guard let t = r.object(item, at: ip) else { continue }
                r.rejectUnknown(t, known: ["kind", "labels"], at: ip)
                let kind = r.enumeration(t, "kind", at: ip, as: Kind.self, required: "Deployment or StatefulSet")
                var labels: LabelSelectorSpec?
                if let l = t["labels"] { labels = LabelSelectorSpec(l, at: FieldReader.child(ip, "labels"), &r) }
                if let kind { targets.append(Target(kind: kind, labels: labels)) }
            }
        }
        guard r.count == before else { return nil }
        self.init(selectors: targets)
    }
}
