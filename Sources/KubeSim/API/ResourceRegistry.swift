import Synchronization

/// What a CustomResourceDefinition says about one served version.
public struct CustomVersionInfo: Sendable {
    public var name: String
    public var served: Bool
    public var storage: Bool
    /// `schema.openAPIV3Schema`, if any.
    public var schema: JSON?
    public var printerColumns: [JSON]
    public var statusSubresource: Bool
    /// `subresources.scale`: `specReplicasPath`, `statusReplicasPath`, `labelSelectorPath`.
    public var scale: JSON?
    /// The schema, compiled once when the CRD is registered.
    public var structural: StructuralSchema?
}

/// A registered CustomResourceDefinition, as the serving side needs it.
public struct CustomResourceInfo: Sendable {
    public var crdName: String
    public var group: String
    public var kind: String
    public var plural: String
    public var versions: [CustomVersionInfo]
    public var storageVersion: String

    public func version(_ v: String) -> CustomVersionInfo? { versions.first { $0.name == v } }
}

/// The resource types the simulator serves: the built-ins plus every
/// established CustomResourceDefinition. Shared by request routing (many
/// readers) and the CRD write path (one writer), behind a mutex.
public final class ResourceRegistry: Sendable {
    struct State {
        var byGVR: [String: ResourceType] = [:]  // "group/version/plural"
        var custom: [String: CustomResourceInfo] = [:]  // storageKey
        var ordered: [ResourceType] = []
    }
    private let state: Mutex<State>

    public init(builtins: [ResourceType] = BuiltinResources.all) {
        var s = State()
        for rt in builtins {
            s.byGVR[ResourceRegistry.gvrKey(rt.group, rt.version, rt.plural)] = rt
            s.ordered.append(rt)
        }
        state = Mutex(s)
    }

    static func gvrKey(_ g: String, _ v: String, _ p: String) -> String { "\(g)/\(v)/\(p)" }

    public func resolve(group: String, version: String, plural: String) -> ResourceType? {
        state.withLock { $0.byGVR[ResourceRegistry.gvrKey(group, version, plural)] }
    }

    /// Every served resource type, built-ins first, in registration order.
    public var all: [ResourceType] { state.withLock { $0.ordered } }

    public func customInfo(storageKey: String) -> CustomResourceInfo? {
        state.withLock { $0.custom[storageKey] }
    }

    /// The type that owns the storage for a key (the storage version for custom resources).
    public func storageType(forKey key: String) -> ResourceType? {
        state.withLock { s in
            if let info = s.custom[key] {
                return s.byGVR[ResourceRegistry.gvrKey(info.group, info.storageVersion, info.plural)]
            }
            return s.ordered.first { $0.storageKey == key && !($0.group == "events.k8s.io") }
        }
    }

    /// Registers (or re-registers) the resource a CRD defines. Returns the
    /// problems that keep it from being served (empty when established).
    @discardableResult
    public func register(crd: JSON) -> [String] {
        guard let info = ResourceRegistry.parse(crd: crd) else { return ["spec is incomplete"] }
        let namespaced = crd[path: ["spec", "scope"]]?.stringValue != "Cluster"
        let names = crd[path: ["spec", "names"]] ?? [:]
        let shortNames = names["shortNames"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let categories = names["categories"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let singular = names["singular"]?.stringValue ?? info.kind.lowercased()
        state.withLock { s in
            Self.removeLocked(&s, storageKey: "\(info.group)/\(info.plural)")
            for v in info.versions where v.served {
                var subs: [String] = []
                if v.statusSubresource { subs.append("status") }
                if v.scale != nil { subs.append("scale") }
                let rt = ResourceType(
                    group: info.group, version: v.name, kind: info.kind, plural: info.plural, singular: singular,
                    shortNames: shortNames, namespaced: namespaced, subresources: subs, categories: categories,
                    tracksGeneration: true, returnsDeletedObject: true, isCustom: true)
                s.byGVR[ResourceRegistry.gvrKey(rt.group, rt.version, rt.plural)] = rt
                s.ordered.append(rt)
            }
            s.custom["\(info.group)/\(info.plural)"] = info
        }
        return []
    }

    public func unregister(crd: JSON) {
        guard let group = crd[path: ["spec", "group"]]?.stringValue,
            let plural = crd[path: ["spec", "names", "plural"]]?.stringValue
        else { return }
        state.withLock { Self.removeLocked(&$0, storageKey: "\(group)/\(plural)") }
    }

    private static func removeLocked(_ s: inout State, storageKey: String) {
        s.custom[storageKey] = nil
        s.ordered.removeAll { $0.isCustom && $0.storageKey == storageKey }
        s.byGVR = s.byGVR.filter { !($0.value.isCustom && $0.value.storageKey == storageKey) }
    }

    static func parse(crd: JSON) -> CustomResourceInfo? {
        guard let spec = crd["spec"], let group = spec["group"]?.stringValue,
            let kind = spec[path: ["names", "kind"]]?.stringValue,
            let plural = spec[path: ["names", "plural"]]?.stringValue,
            let versions = spec["versions"]?.arrayValue, !versions.isEmpty
        else { return nil }
        var infos: [CustomVersionInfo] = []
        var storage = ""
        for v in versions {
            guard let name = v["name"]?.stringValue else { continue }
            let info = CustomVersionInfo(
                name: name, served: v["served"]?.boolValue ?? true, storage: v["storage"]?.boolValue ?? false,
                schema: v[path: ["schema", "openAPIV3Schema"]],
                printerColumns: v["additionalPrinterColumns"]?.arrayValue ?? [],
                statusSubresource: v[path: ["subresources", "status"]] != nil,
                scale: v[path: ["subresources", "scale"]],
                structural: v[path: ["schema", "openAPIV3Schema"]].map { StructuralSchema(json: $0) })
            if info.storage { storage = name }
            infos.append(info)
        }
        if storage.isEmpty, let first = infos.first { storage = first.name }
        return CustomResourceInfo(
            crdName: crd[path: ["metadata", "name"]]?.stringValue ?? "\(plural).\(group)", group: group, kind: kind,
            plural: plural, versions: infos, storageVersion: storage)
    }
}
