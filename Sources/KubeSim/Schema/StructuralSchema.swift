/// A CRD version's structural schema (`schema.openAPIV3Schema`), with the
/// three things the apiserver does with it on every write: pruning unknown
/// fields, applying `default`s and OpenAPI validation. Error texts follow
/// apiextensions-apiserver + kube-openapi (`spec.x in body must be of type
/// integer: "string"`, …). Immutable and shareable across tasks.
public final class StructuralSchema: Sendable {
    public let type: String?
    public let nullable: Bool
    public let propertyOrder: [String]
    public let properties: [String: StructuralSchema]
    public let required: [String]
    public let items: StructuralSchema?
    /// `additionalProperties` given as a schema.
    public let additionalProperties: StructuralSchema?
    /// `additionalProperties: true` (keep any key, no schema).
    public let additionalPropertiesAllowed: Bool
    public let preserveUnknownFields: Bool
    public let embeddedResource: Bool
    public let intOrString: Bool
    public let defaultValue: JSON?
    public let enumValues: [JSON]?
    public let minimum: Double?
    public let maximum: Double?
    public let exclusiveMinimum: Bool
    public let exclusiveMaximum: Bool
    public let multipleOf: Double?
    public let minLength: Int?
    public let maxLength: Int?
    public let pattern: String?
    public let minItems: Int?
    public let maxItems: Int?
    public let uniqueItems: Bool
    public let minProperties: Int?
    public let maxProperties: Int?
    public let format: String?
    public let allOf: [StructuralSchema]
    public let anyOf: [StructuralSchema]
    public let oneOf: [StructuralSchema]
    public let not: StructuralSchema?
    /// `x-kubernetes-list-type` (`atomic`, `set`, `map`).
    public let listType: String?
    public let listMapKeys: [String]

    /// Builds the schema tree from `openAPIV3Schema` JSON.
    public init(json: JSON) {
        func int(_ k: String) -> Int? { json[k]?.intValue.map { Int($0) } }
        func sub(_ k: String) -> [StructuralSchema] { (json[k]?.arrayValue ?? []).map { StructuralSchema(json: $0) } }
        type = json["type"]?.stringValue
        nullable = json["nullable"]?.boolValue ?? false
        var order: [String] = []
        var props: [String: StructuralSchema] = [:]
        if let p = json["properties"]?.objectValue {
            for (k, v) in p {
                order.append(k)
                props[k] = StructuralSchema(json: v)
            }
        }
        propertyOrder = order
        properties = props
        required = (json["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        items = json["items"].flatMap { $0.objectValue != nil ? StructuralSchema(json: $0) : nil }
        switch json["additionalProperties"] {
        case .some(.object(let o)):
            additionalProperties = StructuralSchema(json: .object(o))
            additionalPropertiesAllowed = true
        case .some(.bool(let b)):
            additionalProperties = nil
            additionalPropertiesAllowed = b
        default:
            additionalProperties = nil
            additionalPropertiesAllowed = false
        }
        preserveUnknownFields = json["x-kubernetes-preserve-unknown-fields"]?.boolValue ?? false
        embeddedResource = json["x-kubernetes-embedded-resource"]?.boolValue ?? false
        intOrString = json["x-kubernetes-int-or-string"]?.boolValue ?? false
        defaultValue = json["default"]
        enumValues = json["enum"]?.arrayValue
        minimum = json["minimum"]?.doubleValue
        maximum = json["maximum"]?.doubleValue
        exclusiveMinimum = json["exclusiveMinimum"]?.boolValue ?? false
        exclusiveMaximum = json["exclusiveMaximum"]?.boolValue ?? false
        multipleOf = json["multipleOf"]?.doubleValue
        minLength = int("minLength")
        maxLength = int("maxLength")
        pattern = json["pattern"]?.stringValue
        minItems = int("minItems")
        maxItems = int("maxItems")
        uniqueItems = json["uniqueItems"]?.boolValue ?? false
        minProperties = int("minProperties")
        maxProperties = int("maxProperties")
        format = json["format"]?.stringValue
        allOf = sub("allOf")
        anyOf = sub("anyOf")
        oneOf = sub("oneOf")
        not = json["not"].map { StructuralSchema(json: $0) }
        listType = json["x-kubernetes-list-type"]?.stringValue
        listMapKeys = (json["x-kubernetes-list-map-keys"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// Fields of `metav1.ObjectMeta`; anything else under `metadata` is
    /// dropped (and reported as unknown) like the apiserver's decoder does.
    static let objectMetaFields: Set<String> = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
        "ownerReferences", "finalizers", "managedFields",
    ]

    // MARK: - Pruning

    /// Removes fields the schema does not specify. The root's `apiVersion`,
    /// `kind` and `metadata` are always kept (unknown `metadata` members are
    /// dropped), as are those of `x-kubernetes-embedded-resource` objects.
    /// `unknownFields` lists the dropped paths (`spec.foo`,
    /// `spec.items[0].bar`), sorted; see `unknownFieldWarnings` and
    /// `strictDecodingMessage` for the texts `fieldValidation` uses.
    public func prune(_ object: JSON) -> (pruned: JSON, unknownFields: [String]) {
        var unknown: [String] = []
        let out = pruneNode(object, path: "", isResourceRoot: true, unknown: &unknown)
        return (out, unknown.sorted())
    }

    private func pruneNode(_ value: JSON, path: String, isResourceRoot: Bool, unknown: inout [String]) -> JSON {
        func child(_ k: String) -> String { path.isEmpty ? k : "\(path).\(k)" }
        switch value {
        case .object(let o):
            var out = JSONObject()
            for (k, v) in o {
                if isResourceRoot || embeddedResource, k == "apiVersion" || k == "kind" {
                    out[k] = v
                    continue
                }
                if isResourceRoot || embeddedResource, k == "metadata" {
                    out[k] = StructuralSchema.pruneMetadata(v, path: child(k), unknown: &unknown)
                    continue
                }
                if let p = properties[k] {
                    out[k] = p.pruneNode(v, path: child(k), isResourceRoot: false, unknown: &unknown)
                } else if let ap = additionalProperties {
                    out[k] = ap.pruneNode(v, path: child(k), isResourceRoot: false, unknown: &unknown)
                } else if additionalPropertiesAllowed || preserveUnknownFields {
                    out[k] = v
                } else {
                    unknown.append(child(k))
                }
            }
            return .object(out)
        case .array(let a):
            guard let items else { return value }
            return .array(
                a.enumerated().map { i, v in
                    items.pruneNode(v, path: "\(path)[\(i)]", isResourceRoot: false, unknown: &unknown)
                })
        default:
            return value
        }
    }

    static func pruneMetadata(_ v: JSON, path: String, unknown: inout [String]) -> JSON {
        guard case .object(let o) = v else { return v }
        var out = JSONObject()
        for (k, val) in o {
            if objectMetaFields.contains(k) { out[k] = val } else { unknown.append("\(path).\(k)") }
        }
        return .object(out)
    }

    /// The `Warning` texts for `fieldValidation=Warn`: `unknown field "spec.foo"`.
    public static func unknownFieldWarnings(_ paths: [String]) -> [String] {
        paths.map { "unknown field \(GoFormat.quote($0))" }
    }

    /// The 400 message for `fieldValidation=Strict`:
    /// `strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`.
    public static func strictDecodingMessage(_ paths: [String]) -> String {
        "strict decoding error: " + unknownFieldWarnings(paths).joined(separator: ", ")
    }

    // MARK: - Defaulting

    /// Applies `default`s the way the apiserver does: a missing property
    /// (or a `null` one whose schema is not nullable) of an object that is
    /// present gets a copy of its default; defaulting then recurses into
    /// every member, including freshly defaulted ones. Afterwards `null`s of
    /// non-nullable properties without a default are dropped.
    public func applyDefaults(_ object: JSON) -> JSON {
        defaultNode(object)
    }

    private func defaultNode(_ value: JSON) -> JSON {
        switch value {
        case .object(var o):
            for k in propertyOrder {
                let p = properties[k]!
                guard let d = p.defaultValue else { continue }
                if o[k] == nil || (o[k] == .null && !p.nullable) { o[k] = d }
            }
            var out = JSONObject()
            for (k, v) in o {
                if let p = properties[k] {
                    if v == .null && !p.nullable && p.defaultValue == nil { continue }
                    out[k] = p.defaultNode(v)
                } else if let ap = additionalProperties {
                    out[k] = ap.defaultNode(v)
                } else {
                    out[k] = v
                }
            }
            return .object(out)
        case .array(let a):
            guard let items else { return value }
            return .array(a.map { items.defaultNode($0) })
        default:
            return value
        }
    }

    // MARK: - Validation

    /// OpenAPI validation plus `x-kubernetes-list-type` uniqueness, errors
    /// rendered as the apiserver renders them. The root's `apiVersion`,
    /// `kind` and `metadata` are not checked here.
    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        var root = object
        if case .object(var o) = object {
            o["apiVersion"] = nil
            o["kind"] = nil
            o["metadata"] = nil
            root = .object(o)
        }
        validateNode(root, path: "", errs: &errs, isRoot: true)
        listTypeErrors(object, path: "", errs: &errs)
        return errs
    }

    /// How kube-openapi names the data's type.
    static func typeName(_ v: JSON) -> String { v.typeName }

    func typeMatches(_ v: JSON) -> Bool {
        if intOrString {
            switch v {
            case .int, .string: return true
            case .double(let d): return d == d.rounded()
            default: return false
            }
        }
        guard let type, !type.isEmpty else { return true }
        switch (type, v) {
        case ("string", .string), ("boolean", .bool), ("object", .object), ("array", .array): return true
        case ("integer", .int), ("number", .int), ("number", .double): return true
        case ("integer", .double(let d)): return d == d.rounded() && d.isFinite
        default: return false
        }
    }

    /// The field path kube-openapi reports (`nil` path prints as `<nil>`).
    static func fieldPath(_ p: String) -> String { p.isEmpty ? "<nil>" : p }

    private func validateNode(_ value: JSON, path: String, errs: inout [FieldError], isRoot: Bool = false) {
        let fp = StructuralSchema.fieldPath(path)
        let name = path
        if value == .null {
            if nullable { return }
            if type != nil || intOrString {
                let t = intOrString ? "integer,string" : type!
                errs.append(.typeInvalid(fp, "null", "\(name) in body must be of type \(t): \"null\""))
            }
            enumCheck(value, fp: fp, errs: &errs)
            return
        }
        if !typeMatches(value) {
            let got = StructuralSchema.typeName(value)
            let t = intOrString ? "integer,string" : type!
            errs.append(
                .typeInvalid(fp, .string(got), "\(name) in body must be of type \(t): \(GoFormat.quote(got))"))
            enumCheck(value, fp: fp, errs: &errs)
            return
        }
        compositeChecks(value, path: path, errs: &errs)
        switch value {
        case .string(let s):
            let runes = s.unicodeScalars.count
            if let maxLength, runes > maxLength { errs.append(.tooLong(fp, value, maxLength: maxLength)) }
            if let minLength, runes < minLength {
                errs.append(.invalid(fp, value, "\(name) in body should be at least \(minLength) chars long"))
            }
            if let pattern {
                if let re = SimpleRegex.cached(pattern), !re.matches(s) {
                    errs.append(.invalid(fp, value, "\(name) in body should match '\(pattern)'"))
                }
            }
            if let format, !StructuralSchema.formatValid(format, s) {
                errs.append(.typeInvalid(fp, value, "\(name) in body must be of type \(format): \(GoFormat.quote(s))"))
            }
        case .int, .double:
            let d = value.doubleValue!
            if let multipleOf, multipleOf > 0 {
                let q = d / multipleOf
                if q != q.rounded() {
                    errs.append(
                        .invalid(fp, value, "\(name) in body should be a multiple of \(GoFormat.float(multipleOf))"))
                }
            }
            if let maximum, exclusiveMaximum ? d >= maximum : d > maximum {
                let rel = exclusiveMaximum ? "less than" : "less than or equal to"
                errs.append(.invalid(fp, value, "\(name) in body should be \(rel) \(GoFormat.float(maximum))"))
            }
            if let minimum, exclusiveMinimum ? d <= minimum : d < minimum {
                let rel = exclusiveMinimum ? "greater than" : "greater than or equal to"
                errs.append(.invalid(fp, value, "\(name) in body should be \(rel) \(GoFormat.float(minimum))"))
            }
            if case .int(let i) = value, let format {
                let (lo, hi): (Int64, Int64) = format == "int32" ? (Int64(Int32.min), Int64(Int32.max)) : (.min, .max)
                if i < lo || i > hi {
                    errs.append(.typeInvalid(fp, value, "\(name) in body must be of type \(format): \"\(i)\""))
                }
            }
        case .array(let a):
            if let items {
                for (i, v) in a.enumerated() { items.validateNode(v, path: "\(path)[\(i)]", errs: &errs) }
            }
            if let minItems, a.count < minItems {
                errs.append(.invalid(fp, .int(Int64(a.count)), "\(name) in body should have at least \(minItems) items"))
            }
            if let maxItems, a.count > maxItems { errs.append(.tooMany(fp, actual: a.count, max: maxItems)) }
            if uniqueItems {
                var dup = false
                for i in 0..<a.count where !dup {
                    for j in (i + 1)..<max(a.count, i + 1) where a[i] == a[j] { dup = true }
                }
                if dup { errs.append(.invalid(fp, "", "\(name) in body shouldn't contain duplicates")) }
            }
        case .object(let o):
            if let maxProperties, o.count > maxProperties { errs.append(.tooMany(fp, actual: o.count, max: maxProperties)) }
            if let minProperties, o.count < minProperties {
                errs.append(
                    .invalid(fp, .int(Int64(o.count)), "\(name) in body should have at least \(minProperties) properties"))
            }
            for r in required where o[r] == nil {
                errs.append(.required(path.isEmpty ? r : "\(path).\(r)"))
            }
            for (k, v) in o {
                let cp = path.isEmpty ? k : "\(path).\(k)"
                if let p = properties[k] {
                    p.validateNode(v, path: cp, errs: &errs)
                } else if let ap = additionalProperties {
                    ap.validateNode(v, path: cp, errs: &errs)
                }
            }
        default:
            break
        }
        enumCheck(value, fp: fp, errs: &errs)
    }

    private func enumCheck(_ value: JSON, fp: String, errs: inout [FieldError]) {
        guard let enumValues, !enumValues.isEmpty, !enumValues.contains(where: { StructuralSchema.jsonEqual($0, value) })
        else { return }
        let names = enumValues.map { v -> String in
            if case .string(let s) = v { return s }
            return v.serializedString
        }
        errs.append(.notSupported(fp, value, names))
    }

    /// Equality with integral doubles equal to ints (Go's DeepEqual on the
    /// decoded values compares int64 1 and float64 1 as different, but the
    /// apiserver's decoder never produces float64 for integral JSON).
    static func jsonEqual(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        default: return a == b
        }
    }

    private func compositeChecks(_ value: JSON, path: String, errs: inout [FieldError]) {
        let q = GoFormat.quote(path)
        func sub(_ s: StructuralSchema) -> [FieldError] {
            var e: [FieldError] = []
            s.validateNode(value, path: path, errs: &e)
            return e
        }
        if !allOf.isEmpty {
            var valid = 0
            for s in allOf {
                let e = sub(s)
                if e.isEmpty { valid += 1 }
                errs += e
            }
            if valid != allOf.count {
                errs.append(.invalid("<nil>", "", "\(q) must validate all the schemas (allOf)\(valid == 0 ? ". None validated" : "")"))
            }
        }
        if !anyOf.isEmpty {
            var best: [FieldError]?
            var ok = false
            for s in anyOf {
                let e = sub(s)
                if e.isEmpty { ok = true; break }
                if best == nil || e.count < best!.count { best = e }
            }
            if !ok {
                errs.append(.invalid("<nil>", "", "\(q) must validate at least one schema (anyOf)"))
                errs += best ?? []
            }
        }
        if !oneOf.isEmpty {
            var valid = 0
            var best: [FieldError]?
            for s in oneOf {
                let e = sub(s)
                if e.isEmpty { valid += 1 } else if valid == 0, best == nil || e.count < best!.count { best = e }
            }
            if valid != 1 {
                let extra = valid == 0 ? "Found none valid" : "Found \(valid) valid alternatives"
                errs.append(.invalid("<nil>", "", "\(q) must validate one and only one schema (oneOf). \(extra)"))
                if valid == 0 { errs += best ?? [] }
            }
        }
        if let not, sub(not).isEmpty {
            errs.append(.invalid("<nil>", "", "\(q) must not validate the schema (not)"))
        }
    }

    /// The string formats the apiserver checks (a subset of kube-openapi's
    /// registry); unknown formats pass.
    static func formatValid(_ format: String, _ s: String) -> Bool {
        switch format {
        case "date-time", "datetime": return Timestamp.parse(s) != nil
        case "date":
            let b = Array(s.utf8)
            guard b.count == 10, b[4] == 45, b[7] == 45 else { return false }
            return Timestamp.parse(s + "T00:00:00Z") != nil
        case "byte":
            let b = Array(s.utf8)
            guard b.count % 4 == 0 else { return false }
            for (i, c) in b.enumerated() {
                let alnum = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 43 || c == 47
                if alnum { continue }
                if c == 61 && i >= b.count - 2 { continue }
                return false
            }
            return true
        case "uuid":
            let b = Array(s.utf8)
            guard b.count == 36 else { return false }
            for (i, c) in b.enumerated() {
                if [8, 13, 18, 23].contains(i) { if c != 45 { return false } } else if !isHex(c) { return false }
            }
            return true
        case "ipv4":
            let parts = s.split(separator: ".", omittingEmptySubsequences: false)
            return parts.count == 4
                && parts.allSatisfy { p in
                    !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isASCII) && Int(p).map { $0 <= 255 } == true
                }
        default:
            return true
        }
    }

    static func isHex(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) }

    // MARK: - x-kubernetes-list-type

    private func listTypeErrors(_ value: JSON, path: String, errs: inout [FieldError]) {
        switch value {
        case .array(let a):
            if listType == "set" {
                for i in 0..<a.count where a[0..<i].contains(where: { StructuralSchema.jsonEqual($0, a[i]) }) {
                    errs.append(.duplicate("\(path)[\(i)]", a[i]))
                }
            } else if listType == "map", !listMapKeys.isEmpty {
                var seen: [JSON] = []
                for (i, v) in a.enumerated() {
                    guard case .object(let o) = v else { continue }
                    var key = JSONObject()
                    for k in listMapKeys {
                        if let kv = o[k] { key[k] = kv } else if let d = items?.properties[k]?.defaultValue { key[k] = d }
                    }
                    let kj = JSON.object(key)
                    if seen.contains(kj) { errs.append(.duplicate("\(path)[\(i)]", kj)) } else { seen.append(kj) }
                }
            }
            if let items {
                for (i, v) in a.enumerated() { items.listTypeErrors(v, path: "\(path)[\(i)]", errs: &errs) }
            }
        case .object(let o):
            for (k, v) in o {
                let cp = path.isEmpty ? k : "\(path).\(k)"
                if let p = properties[k] {
                    p.listTypeErrors(v, path: cp, errs: &errs)
                } else if let ap = additionalProperties {
                    ap.listTypeErrors(v, path: cp, errs: &errs)
                }
            }
        default:
            break
        }
    }
}
