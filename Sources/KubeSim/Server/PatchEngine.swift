/// The patch formats the API accepts, chosen by Content-Type.
enum PatchKind: Sendable, Equatable {
    case json, merge, strategic, apply

    init(contentType: String, rt: ResourceType, scale: Bool = false) throws(APIError) {
        switch contentType {
        case "application/json-patch+json": self = .json
        case "application/merge-patch+json": self = .merge
        case "application/strategic-merge-patch+json":
            if rt.isCustom && !scale {
                throw APIError(code: 415, reason: "UnsupportedMediaType",
                    message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
            }
            self = .strategic
        case "application/apply-patch+yaml", "application/apply-patch+json": self = .apply
        default:
            throw APIError(code: 415, reason: "UnsupportedMediaType",
                message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json")
        }
    }
}

/// Applies a patch of any kind to the current object.
enum PatchEngine {
    static func apply(
        _ kind: PatchKind, patch: JSON, to current: JSON?, rt: ResourceType, registry: ResourceRegistry,
        fieldManager: String, force: Bool, scale: Bool = false, subresource: String? = nil
    ) throws(APIError) -> JSON {
        do {
            switch kind {
            case .json:
                guard let current else { throw APIError.notFound(rt, "") }
                return try JSONPatch.apply(patch, to: current)
            case .merge:
                guard let current else { throw APIError.notFound(rt, "") }
                return try MergePatch.applyChecked(patch, to: current)
            case .strategic:
                guard let current else { throw APIError.notFound(rt, "") }
                let schema = scale ? PatchSchema() : (PatchSchema.builtin(group: rt.group, kind: rt.kind) ?? PatchSchema())
                return try StrategicMergePatch.apply(patch, to: current, schema: schema)
            case .apply:
                if let k = patch["kind"]?.stringValue, k != (scale ? "Scale" : rt.kind) {
                    throw APIError.badRequest("the API version in the data (\(patch["apiVersion"]?.stringValue ?? "")) does not match the expected API version (\(rt.apiVersion))")
                }
                let schema = rt.isCustom ? PatchSchema.customResource(listTypes: [:]) : PatchSchema.builtin(group: rt.group, kind: rt.kind)
                let ignored: [[String]] = subresource == nil && rt.hasStatus ? [["status"]] : []
                var applied = patch
                // The applied configuration names the object; its identity comes from the live one.
                if current != nil { applied[path: ["metadata", "uid"]] = nil }
                return try ServerSideApply.apply(
                    live: current, applied: applied, fieldManager: fieldManager, force: force, schema: schema,
                    options: .init(subresource: subresource ?? "", time: Timestamp.format(Timestamp.now()), ignoredFields: ignored))
            }
        } catch let e as PatchError {
            var details: JSON? = nil
            if !e.causes.isEmpty {
                details = ["causes": .array(e.causes.map { ["reason": .string($0.type), "message": .string($0.message), "field": .string($0.field)] })]
            }
            throw APIError(code: e.code, reason: e.reason, message: e.message, details: details)
        } catch let e as APIError {
            throw e
        } catch {
            throw APIError.internalError("\(error)")
        }
    }
}
