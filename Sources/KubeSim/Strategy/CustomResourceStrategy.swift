/// Write path of custom resources: the version's structural schema prunes
/// unknown fields, applies defaults and validates, as apiextensions-apiserver does.
enum CustomResourceStrategy {
    static func schema(_ rt: ResourceType, _ obj: JSON, registry: ResourceRegistry) -> StructuralSchema? {
        guard let info = registry.customInfo(storageKey: rt.storageKey) else { return nil }
        let version = obj["apiVersion"]?.stringValue.flatMap { $0.split(separator: "/").last.map(String.init) } ?? rt.version
        return (info.version(version) ?? info.version(rt.version))?.structural
    }

    static func admit(_ rt: ResourceType, _ obj: inout JSON, registry: ResourceRegistry) throws(APIError) {
        guard let schema = schema(rt, obj, registry: registry) else { return }
        let metadata = obj["metadata"]
        var o = schema.prune(obj).pruned
        o = schema.applyDefaults(o)
        o["metadata"] = metadata
        let errors = schema.validate(o)
        if !errors.isEmpty {
            let name = o[path: ["metadata", "name"]]?.stringValue ?? ""
            var seen: Set<String> = []
            let causes = errors.compactMap { e -> (field: String, reason: String, message: String)? in
                guard seen.insert(e.message).inserted else { return nil }
                return (e.field, e.type.rawValue, e.message)
            }
            throw APIError.invalid(kind: rt.kind, group: rt.group, name: name, causes: causes)
        }
        obj = o
    }
}
