/// Server-side apply (`application/apply-patch+yaml`; clients send JSON or
/// YAML, this takes the decoded object), producing the new object with
/// `metadata.managedFields` in the real `FieldsV1` format.
///
/// Semantics, after structured-merge-diff as the apiserver runs it:
/// - fields in the applied configuration are set; the manager's `Apply`
///   entry then owns exactly the fields it applied (leaf fields, atomic
///   lists/objects as a whole, keyed list items `k:{…}` and set members
///   `v:…`); `apiVersion`, `kind`, `metadata.name`/`namespace`/`uid`/
///   `resourceVersion`/`generation`/`creationTimestamp`/`selfLink`/
///   `managedFields` are never owned;
/// - fields the manager applied before but no longer applies are removed,
///   unless another manager also owns them (or something below them);
/// - lists follow the ``PatchSchema`` apply view: `map` lists merge by their
///   keys (missing key fields take the schema default, e.g. `protocol: TCP`),
///   `set` lists are unions, other lists and atomic objects are replaced;
///   merged map lists keep the applied order, with live-only items staying
///   before the next item they preceded;
/// - a field owned by another manager whose live value differs from the
///   applied one is a conflict: 409 Conflict, "Apply failed with N
///   conflict(s): …" with one `FieldManagerConflict` cause per field, unless
///   `force`, in which case those fields move to this manager; fields with
///   equal values become shared;
/// - an `Apply` entry's `time` is kept when neither its fields nor the
///   object changed, so a no-op apply yields an unchanged object.
///
/// Simplifications: `Update` operations are only owners if the caller records
/// them (``recordUpdate(old:new:fieldManager:schema:subresource:time:)``);
/// the real apiserver always does, and gives objects without managedFields a
/// "before-first-apply" owner, which this does not. No version conversion of
/// field sets between API versions. Objects that are maps rather than
/// structs (labels, data, …) are not marked with `.` as the apiserver does
/// for map entries with children. Empty objects and lists left behind by
/// removing fields are dropped (`omitempty`), also where the Go struct would
/// keep them. Status-subresource reset fields are the caller's
/// (``Options/ignoredFields``). Request-level checks (fieldManager required, apiVersion/kind match,
/// dry-run) are the caller's.
public enum ServerSideApply {
    /// Less common knobs.
    public struct Options: Sendable {
        /// `status` etc. when applying to a subresource; part of the manager identity.
        public var subresource: String
        /// `managedFields[].time`; defaults to now.
        public var time: String?
        /// Paths dropped from the applied configuration before anything else
        /// (e.g. `[["status"]]` on the main resource of a kind with a status
        /// subresource, as the apiserver's reset fields do).
        public var ignoredFields: [[String]]
        /// Whether fields owned by `Update` entries cause conflicts (they do in
        /// the real apiserver). Only matters if such entries exist.
        public var conflictsWithUpdateManagers: Bool

        public init(
            subresource: String = "", time: String? = nil, ignoredFields: [[String]] = [],
            conflictsWithUpdateManagers: Bool = true
        ) {
            self.subresource = subresource
            self.time = time
            self.ignoredFields = ignoredFields
            self.conflictsWithUpdateManagers = conflictsWithUpdateManagers
        }
    }

    /// Applies `applied` for `fieldManager` onto `live` (nil = create).
    /// `schema` nil means every list is atomic (custom resources without list
    /// annotations).
    public static func apply(
        live: JSON?, applied: JSON, fieldManager: String, force: Bool, schema: PatchSchema? = nil,
        options: Options = Options()
    ) throws(PatchError) -> JSON {
        guard case .object = applied else {
            throw PatchError.badRequest("error decoding YAML: object expected, got \(applied.typeName)")
        }
        if let mf = applied[path: ["metadata", "managedFields"]], mf != .null {
            throw PatchError.badRequest("metadata.managedFields must be nil")
        }
        var config = applied
        for p in options.ignoredFields { config[path: p] = nil }
        let walker = Walker(schema: schema ?? PatchSchema(), typeName: gvkString(applied))
        let appliedSet = stripped(try walker.fieldSet(of: config))

        var liveObject = live ?? .object(JSONObject())
        let entries = parseEntries(liveObject[path: ["metadata", "managedFields"]])
        liveObject[path: ["metadata", "managedFields"]] = nil
        let mine = entries.firstIndex {
            $0.manager == fieldManager && $0.operation == "Apply" && $0.subresource == options.subresource
        }
        let previous = mine.map { entries[$0].set } ?? FieldSet()

        // Conflicts with other owners.
        var conflicts: [(entry: Int, path: FieldSet.Path)] = []
        for (i, e) in entries.enumerated() where i != mine {
            if e.operation != "Apply" && !options.conflictsWithUpdateManagers { continue }
            for p in appliedSet.intersection(e.set).paths where walker.differs(liveObject, config, p) {
                conflicts.append((i, p))
            }
        }
        if !conflicts.isEmpty && !force {
            throw conflictError(conflicts.map { (entries[$0.entry], $0.path) })
        }

        var others: [Entry] = []
        for (i, e) in entries.enumerated() where i != mine {
            var e = e
            let lost = conflicts.filter { $0.entry == i }.map(\.path)
            if !lost.isEmpty { e.set = e.set.subtracting(FieldSet(Set(lost))) }
            others.append(e)
        }
        let othersUnion = others.reduce(FieldSet()) { $0.union($1.set) }

        // Remove what this manager alone owned and no longer applies.
        var result = liveObject
        let dropped = previous.subtracting(appliedSet).paths.sorted { $0.count < $1.count }
        for p in dropped where !othersUnion.hasMember(under: p) {
            result = walker.removing(p[...], from: result, names: [])
        }
        result = walker.merge(base: result, applied: config, names: []) ?? .object(JSONObject())

        var newEntries = others.filter { !$0.set.isEmpty }
        if !appliedSet.isEmpty {
            var time = options.time ?? Timestamp.format(Timestamp.now())
            if let mine, entries[mine].set == appliedSet, PatchSupport.equal(result, liveObject),
                let old = entries[mine].time
            {
                time = old
            }
            newEntries.append(
                Entry(
                    manager: fieldManager, operation: "Apply",
                    apiVersion: applied["apiVersion"]?.stringValue ?? "", time: time,
                    subresource: options.subresource, set: appliedSet))
        }
        setEntries(newEntries, on: &result)
        return result
    }

    /// Records an `Update` (create, update, non-apply patch) by `fieldManager`
    /// into `new`'s managedFields, as the apiserver does for every write: the
    /// manager takes ownership of every field it set or changed, other
    /// managers lose those fields, and fields that disappeared lose all owners.
    /// managedFields are taken from `new` when it carries them, else from `old`.
    public static func recordUpdate(
        old: JSON?, new: JSON, fieldManager: String, schema: PatchSchema? = nil, subresource: String = "",
        time: String? = nil
    ) -> JSON {
        let walker = Walker(schema: schema ?? PatchSchema(), typeName: gvkString(new))
        var newObject = new
        let carried = new[path: ["metadata", "managedFields"]]
        newObject[path: ["metadata", "managedFields"]] = nil
        var oldObject = old ?? .object(JSONObject())
        let oldManaged = oldObject[path: ["metadata", "managedFields"]]
        oldObject[path: ["metadata", "managedFields"]] = nil
        let newSet = stripped((try? walker.fieldSet(of: newObject)) ?? FieldSet())
        let oldSet = stripped((try? walker.fieldSet(of: oldObject)) ?? FieldSet())
        let changed = FieldSet(Set(newSet.paths.filter { walker.differs(oldObject, newObject, $0) }))
        let removed = oldSet.subtracting(newSet)
        let apiVersion = new["apiVersion"]?.stringValue ?? ""

        var entries = parseEntries(carried ?? oldManaged)
        for i in entries.indices { entries[i].set = entries[i].set.subtracting(changed).subtracting(removed) }
        if let i = entries.firstIndex(where: {
            $0.manager == fieldManager && $0.operation == "Update" && $0.apiVersion == apiVersion
                && $0.subresource == subresource
        }) {
            entries[i].set = entries[i].set.union(changed)
            if !changed.isEmpty { entries[i].time = time ?? Timestamp.format(Timestamp.now()) }
        } else if !changed.isEmpty {
            entries.append(
                Entry(
                    manager: fieldManager, operation: "Update", apiVersion: apiVersion,
                    time: time ?? Timestamp.format(Timestamp.now()), subresource: subresource, set: changed))
        }
        setEntries(entries.filter { !$0.set.isEmpty }, on: &newObject)
        return newObject
    }

    // MARK: - managedFields entries

    struct Entry {
        var manager: String
        var operation: String
        var apiVersion: String
        var time: String?
        var subresource: String
        var set: FieldSet

        var json: JSON {
            var o = JSONObject()
            o["manager"] = .string(manager)
            o["operation"] = .string(operation)
            o["apiVersion"] = .string(apiVersion)
            if let time { o["time"] = .string(time) }
            o["fieldsType"] = "FieldsV1"
            o["fieldsV1"] = set.fieldsV1
            if !subresource.isEmpty { o["subresource"] = .string(subresource) }
            return .object(o)
        }

        /// `printManager` of the apiserver's conflict messages.
        var printed: String {
            var s = JSON.string(manager).serializedString
            if !subresource.isEmpty { s += " with subresource " + JSON.string(subresource).serializedString }
            if operation == "Update" { s += " using " + apiVersion }
            return s
        }
    }

    static func parseEntries(_ v: JSON?) -> [Entry] {
        (v?.arrayValue ?? []).compactMap { e -> Entry? in
            guard case .object(let o) = e else { return nil }
            return Entry(
                manager: o["manager"]?.stringValue ?? "", operation: o["operation"]?.stringValue ?? "",
                apiVersion: o["apiVersion"]?.stringValue ?? "", time: o["time"]?.stringValue,
                subresource: o["subresource"]?.stringValue ?? "",
                set: FieldSet(fieldsV1: o["fieldsV1"] ?? .null))
        }
    }

    /// Writes entries sorted as the apiserver sorts them (operation, time, manager, apiVersion, subresource).
    static func setEntries(_ entries: [Entry], on object: inout JSON) {
        let sorted = entries.sorted { p, q in
            if p.operation != q.operation { return p.operation < q.operation }
            let pt = p.time.flatMap(Timestamp.parse) ?? 0
            let qt = q.time.flatMap(Timestamp.parse) ?? 0
            if pt != qt { return pt < qt }
            if p.manager != q.manager { return p.manager < q.manager }
            if p.apiVersion != q.apiVersion { return p.apiVersion < q.apiVersion }
            return p.subresource < q.subresource
        }
        if sorted.isEmpty {
            object[path: ["metadata", "managedFields"]] = nil
        } else {
            object[path: ["metadata", "managedFields"]] = .array(sorted.map(\.json))
        }
    }

    static let neverOwned: [FieldSet.Path] = [
        ["apiVersion"], ["kind"], ["metadata", "name"], ["metadata", "namespace"], ["metadata", "uid"],
        ["metadata", "resourceVersion"], ["metadata", "generation"], ["metadata", "creationTimestamp"],
        ["metadata", "selfLink"], ["metadata", "managedFields"],
    ].map { $0.map(FieldSet.Element.field) }

    static func stripped(_ set: FieldSet) -> FieldSet {
        FieldSet(
            Set(set.paths.filter { p in !neverOwned.contains { n in p.count >= n.count && Array(p.prefix(n.count)) == n } }))
    }

    /// `schema.GroupVersionKind.String()` of the applied object.
    static func gvkString(_ v: JSON) -> String {
        let apiVersion = v["apiVersion"]?.stringValue ?? ""
        let kind = v["kind"]?.stringValue ?? ""
        let gv = apiVersion.contains("/") ? apiVersion : "/" + apiVersion
        return "\(gv), Kind=\(kind)"
    }

    static func conflictError(_ conflicts: [(Entry, FieldSet.Path)]) -> PatchError {
        let causes = conflicts.map {
            PatchError.Cause(
                type: "FieldManagerConflict", message: "conflict with \($0.0.printed)", field: FieldSet.display($0.1))
        }
        let message: String
        if conflicts.count == 1 {
            message =
                "Apply failed with 1 conflict: conflict with \(conflicts[0].0.printed): \(FieldSet.display(conflicts[0].1))"
        } else {
            var byManager: [String: (Entry, [String])] = [:]
            for (e, p) in conflicts {
                let id = "\(e.manager)\u{0}\(e.operation)\u{0}\(e.apiVersion)\u{0}\(e.subresource)"
                byManager[id, default: (e, [])].1.append(FieldSet.display(p))
            }
            var lines: [String] = []
            for id in byManager.keys.sorted() {
                guard let (e, paths) = byManager[id] else { continue }
                lines.append("conflicts with \(e.printed):")
                lines += paths.sorted().map { "- " + $0 }
            }
            message = "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
        }
        return PatchError(code: 409, reason: "Conflict", message: message, causes: causes)
    }

    // MARK: - Walking objects with the schema

    struct Walker {
        let schema: PatchSchema
        let typeName: String

        func keyElement(_ item: JSON, rule: PatchSchema.ListRule, keys: [String]) -> (FieldSet.Element?, String?) {
            var k = JSONObject()
            for key in keys {
                if let v = item[key], v != .null {
                    k[key] = v
                } else if let d = rule.keyDefaults[key] {
                    k[key] = d
                } else {
                    return (nil, key)
                }
            }
            return (.key(PatchSupport.canonical(.object(k))), nil)
        }

        func fieldSet(of v: JSON) throws(PatchError) -> FieldSet {
            var out: Set<FieldSet.Path> = []
            try collect(v, [], [], &out)
            return FieldSet(out)
        }

        func collect(_ v: JSON, _ path: FieldSet.Path, _ names: [String], _ out: inout Set<FieldSet.Path>)
            throws(PatchError)
        {
            switch v {
            case .object(let o):
                if !names.isEmpty && schema.isAtomicObject(at: names) {
                    out.insert(path)
                    return
                }
                if o.isEmpty {
                    if !path.isEmpty { out.insert(path) }
                    return
                }
                for (k, c) in o {
                    let cp = path + [.field(k)]
                    if c == .null { out.insert(cp) } else { try collect(c, cp, names + [k], &out) }
                }
            case .array(let a):
                let rule = schema.listRule(at: names)
                switch rule?.listType ?? .atomic {
                case .atomic:
                    out.insert(path)
                case .set:
                    for item in a { out.insert(path + [.value(PatchSupport.canonical(item))]) }
                case .map(let keys):
                    guard let rule else { return }
                    var seen: Set<FieldSet.Element> = []
                    for (i, item) in a.enumerated() {
                        let prefix = "failed to create typed patch object (\(typeName)): \(FieldSet.display(path)): "
                        guard case .object = item else {
                            throw PatchError.internalError(prefix + "element \(i): expected map, got \(item.typeName)")
                        }
                        let (element, missingKey) = keyElement(item, rule: rule, keys: keys)
                        guard let element else {
                            throw PatchError.internalError(
                                prefix
                                    + "element \(i): associative list with keys has an element that omits key field \"\(missingKey ?? "")\" (and doesn't have default value)"
                            )
                        }
                        if !seen.insert(element).inserted {
                            throw PatchError.internalError(prefix + "duplicate entries for key \(element.display)")
                        }
                        out.insert(path + [element])
                        try collect(item, path + [element], names, &out)
                    }
                }
            default:
                out.insert(path)
            }
        }

        func itemIndex(_ list: [JSON], _ e: FieldSet.Element, names: [String]) -> Int? {
            switch e {
            case .key:
                guard let rule = schema.listRule(at: names), case .map(let keys) = rule.listType else { return nil }
                return list.firstIndex { keyElement($0, rule: rule, keys: keys).0 == e }
            case .value(let s):
                return list.firstIndex { PatchSupport.canonical($0) == s }
            case .index(let i):
                return i >= 0 && i < list.count ? i : nil
            case .field:
                return nil
            }
        }

        func value(at path: FieldSet.Path, in root: JSON) -> JSON? {
            var cur = root
            var names: [String] = []
            for e in path {
                if case .field(let k) = e {
                    guard let c = cur[k] else { return nil }
                    cur = c
                    names.append(k)
                } else {
                    guard let list = cur.arrayValue, let i = itemIndex(list, e, names: names) else { return nil }
                    cur = list[i]
                }
            }
            return cur
        }

        /// Whether applying would change the live value at `path`.
        func differs(_ live: JSON, _ applied: JSON, _ path: FieldSet.Path) -> Bool {
            let l = value(at: path, in: live)
            switch path.last {
            case .key?, .value?: return l == nil
            default: break
            }
            let a = value(at: path, in: applied) ?? .null
            return !PatchSupport.equal(a, l ?? .null)
        }

        /// Removes the member at `path`; objects and lists emptied by the removal go too.
        func removing(_ path: ArraySlice<FieldSet.Element>, from v: JSON, names: [String]) -> JSON {
            guard let e = path.first else { return v }
            let last = path.count == 1
            switch (e, v) {
            case (.field(let k), .object(var o)):
                if last {
                    o[k] = nil
                } else if let child = o[k] {
                    let updated = removing(path.dropFirst(), from: child, names: names + [k])
                    let emptied: Bool
                    switch (child, updated) {
                    case (.object(let before), .object(let after)): emptied = after.isEmpty && !before.isEmpty
                    case (.array(let before), .array(let after)): emptied = after.isEmpty && !before.isEmpty
                    default: emptied = false
                    }
                    if emptied {
                        o[k] = nil
                    } else {
                        o[k] = updated
                    }
                }
                return .object(o)
            case (_, .array(var a)):
                guard let i = itemIndex(a, e, names: names) else { return v }
                if last { a.remove(at: i) } else { a[i] = removing(path.dropFirst(), from: a[i], names: names) }
                return .array(a)
            default:
                return v
            }
        }

        /// Merges the applied configuration into `base`; nil = remove the field.
        func merge(base: JSON?, applied: JSON, names: [String]) -> JSON? {
            switch applied {
            case .null:
                return nil
            case .object(let ao):
                if !names.isEmpty && schema.isAtomicObject(at: names) { return MergePatch.pruned(applied) }
                var out = base?.objectValue ?? JSONObject()
                for (k, v) in ao { out[k] = merge(base: out[k], applied: v, names: names + [k]) }
                return .object(out)
            case .array(let items):
                guard let rule = schema.listRule(at: names), let baseList = base?.arrayValue else { return applied }
                switch rule.listType {
                case .atomic:
                    return applied
                case .set:
                    var out = baseList
                    for item in items where !out.contains(where: { PatchSupport.equal($0, item) }) { out.append(item) }
                    return .array(out)
                case .map(let keys):
                    return .array(mergeMapList(baseList, items, rule: rule, keys: keys, names: names))
                }
            default:
                return applied
            }
        }

        func mergeMapList(_ base: [JSON], _ applied: [JSON], rule: PatchSchema.ListRule, keys: [String], names: [String])
            -> [JSON]
        {
            let appliedKeys = applied.map { keyElement($0, rule: rule, keys: keys).0 }
            var merged: [FieldSet.Element: JSON] = [:]
            for (i, item) in applied.enumerated() {
                guard let k = appliedKeys[i] else { continue }
                let existing = base.first { keyElement($0, rule: rule, keys: keys).0 == k }
                merged[k] = merge(base: existing, applied: item, names: names) ?? item
            }
            var out: [JSON] = []
            var emitted: Set<FieldSet.Element> = []
            var next = 0
            func emitThrough(_ stop: FieldSet.Element?) {
                while next < applied.count {
                    let k = appliedKeys[next]
                    let item = applied[next]
                    next += 1
                    if let k {
                        if emitted.insert(k).inserted, let m = merged[k] { out.append(m) }
                        if k == stop { return }
                    } else {
                        out.append(item)
                    }
                }
            }
            for b in base {
                guard let bk = keyElement(b, rule: rule, keys: keys).0 else {
                    out.append(b)
                    continue
                }
                if emitted.contains(bk) { continue }
                if merged[bk] != nil { emitThrough(bk) } else { out.append(b) }
            }
            emitThrough(nil)
            return out
        }
    }
}
