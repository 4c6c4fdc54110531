/// `fieldValidation`: what happens to fields a kind does not define.
/// `Strict` refuses them (400, as strict decoding does), `Warn` (the
/// server's default) drops them and returns a warning each, `Ignore` drops
/// them silently. Built-in kinds use the table of the Kubernetes 1.33 API
/// (`BuiltinSchema`); custom resources their CRD's structural schema.
enum FieldValidation {
    static func check(_ rt: ResourceType, _ obj: JSON, registry: ResourceRegistry, mode: String?) throws(APIError) -> (object: JSON, warnings: [String]) {
        let mode = mode ?? "Warn"
        guard ["Strict", "Warn", "Ignore"].contains(mode) else {
            throw APIError.badRequest("fieldValidation: Unsupported value: \"\(mode)\": supported values: \"Ignore\", \"Strict\", \"Warn\"")
        }
        if let m = obj["metadata"], m != .null, m.objectValue == nil {
            throw APIError.badRequest("\(rt.kind) in version \"\(rt.version)\" cannot be handled as a \(rt.kind): json: cannot unmarshal \(m.typeName) into Go struct field \(rt.kind).metadata of type v1.ObjectMeta")
        }
        if let n = obj[path: ["metadata", "name"]], n != .null, n.stringValue == nil {
            throw APIError.badRequest("\(rt.kind) in version \"\(rt.version)\" cannot be handled as a \(rt.kind): json: cannot unmarshal \(n.typeName) into Go struct field ObjectMeta.metadata.name of type string")
        }
        var object = obj
        var unknown: [String] = []
        if rt.isCustom {
            guard let schema = CustomResourceStrategy.schema(rt, obj, registry: registry) else { return (obj, []) }
            var body = obj
            body["metadata"] = nil
            unknown = schema.prune(body).unknownFields
            // The schema prunes custom resources on write anyway.
        } else {
            let kind = rt.group == "events.k8s.io" ? "Event" : rt.kind
            guard let result = BuiltinSchema.prune(group: rt.group, version: rt.version, kind: kind, object: obj) else { return (obj, []) }
            object = result.pruned
            unknown = result.unknownFields
        }
        if unknown.isEmpty { return (object, []) }
        if mode == "Strict" {
            throw APIError.badRequest("\(rt.kind) in version \"\(rt.version)\" cannot be handled as a \(rt.kind): \(StructuralSchema.strictDecodingMessage(unknown))")
        }
        return (object, mode == "Warn" ? StructuralSchema.unknownFieldWarnings(unknown) : [])
    }
}
