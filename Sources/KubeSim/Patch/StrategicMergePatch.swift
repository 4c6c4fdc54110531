/// Strategic merge patch (`application/strategic-merge-patch+json`) for the
/// built-in kinds, following apimachinery `strategicpatch.StrategicMergeMapPatch`
/// (MergeParallelList and IgnoreUnmatchedNulls on, as the apiserver calls it):
///
/// - maps merge key by key; `null` deletes a key;
/// - lists follow the ``PatchSchema``: merge lists of objects merge by their
///   merge key, merge lists of primitives merge as sets, other lists are
///   replaced;
/// - new list items are ordered as strategicpatch does: patch items keep the
///   patch order, server-only items keep theirs, and the two are interleaved
///   by the live order (so an item new to the list lands before the
///   server-only items that follow it in no known order, i.e. first);
/// - directives: `$patch: replace|delete` in maps, `$patch: replace|delete`
///   in merge-list items (`merge` there is an error, as upstream),
///   `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`,
///   `$retainKeys`.
///
/// Values taken over from the patch as-is (new keys, replaced lists) are
/// cleaned as the typed round trip through the Go struct would clean them:
/// directive keys and maps carrying `$patch` are dropped, and so are `null`
/// members. Unknown directives inside such values are dropped the same way.
/// Errors carry the apiserver's status (see ``PatchError``).
public enum StrategicMergePatch {
    /// Applies `patch` to `original` using the list rules in `schema`.
    public static func apply(_ patch: JSON, to original: JSON, schema: PatchSchema) throws(PatchError) -> JSON {
        guard case .object(let p) = patch else {
            throw PatchError.badRequest(
                "json: cannot unmarshal \(JSONPatch.goJSONKind(patch)) into Go value of type map[string]interface {}")
        }
        let engine = Engine(schema: schema)
        return .object(try engine.mergeMap(original.objectValue ?? JSONObject(), p, path: []))
    }

    enum ElementKind: Equatable {
        case object, scalar
    }

    struct Engine {
        let schema: PatchSchema

        typealias S = PatchSupport

        func mergeMap(_ originalIn: JSONObject, _ patchIn: JSONObject, path: [String]) throws(PatchError) -> JSONObject {
            var original = originalIn
            var patch = patchIn
            if let directive = patch[S.directiveMarker] {
                switch directive {
                case "replace":
                    patch[S.directiveMarker] = nil
                    return S.sanitize(.object(patch))?.objectValue ?? JSONObject()
                case "delete":
                    return JSONObject()
                default:
                    throw PatchError.internalError(
                        "unknown patch type: \(S.goFormatS(directive)) in map: \(S.goFormat(.object(patch)))")
                }
            }
            try applyRetainKeys(&original, &patch)
            try mergeSetElementOrder(&original, &patch, path: path)

            var deleteLists: [(String, JSON)] = []
            for (key, value) in patch {
                if key.hasPrefix(S.deleteFromPrimitiveListPrefix) {
                    deleteLists.append((key, value))
                    continue
                }
                try mergeField(&original, key, value, isDeleteList: false, path: path)
            }
            for (key, value) in deleteLists {
                let field = try extractKey(key, prefix: S.deleteFromPrimitiveListPrefix)
                try mergeField(&original, field, value, isDeleteList: true, path: path)
            }
            return original
        }

        func mergeField(
            _ original: inout JSONObject, _ key: String, _ patchValue: JSON, isDeleteList: Bool, path: [String]
        ) throws(PatchError) {
            if patchValue == .null {
                original[key] = nil
                return
            }
            guard let current = original[key], S.sameKind(current, patchValue) else {
                if !isDeleteList { original[key] = S.sanitize(patchValue) }
                return
            }
            switch (current, patchValue) {
            case (.object(let o), .object(let p)):
                original[key] = .object(try mergeMap(o, p, path: path + [key]))
            case (.array(let o), .array(let p)):
                original[key] = .array(try mergeSliceHandler(o, p, path: path + [key], isDeleteList: isDeleteList))
            default:
                original[key] = patchValue
            }
        }

        func mergeSliceHandler(_ original: [JSON], _ patch: [JSON], path: [String], isDeleteList: Bool)
            throws(PatchError) -> [JSON]
        {
            if let rule = schema.listRule(at: path), rule.smpMerge {
                return try mergeSlice(original, patch, mergeKey: rule.smpMergeKey, path: path, isDeleteList: isDeleteList)
            }
            return patch.compactMap(S.sanitize)
        }

        func mergeSlice(_ originalIn: [JSON], _ patchIn: [JSON], mergeKey: String?, path: [String], isDeleteList: Bool)
            throws(PatchError) -> [JSON]
        {
            if originalIn.isEmpty && patchIn.isEmpty { return originalIn }
            let kind = try elementKind(originalIn, patchIn)
            var original = originalIn
            var patch = patchIn
            var merged: [JSON]
            if kind == .scalar {
                if isDeleteList {
                    return original.filter { v in !patch.contains { S.equal($0, v) } }
                }
                merged = []
                for v in original + patch where !merged.contains(where: { S.equal($0, v) }) { merged.append(v) }
            } else {
                guard let mergeKey, !mergeKey.isEmpty else {
                    throw PatchError.internalError("cannot merge lists without merge key for \(path.joined(separator: "."))")
                }
                (original, patch) = try mergeSpecialElements(original, patch, mergeKey: mergeKey)
                merged = try mergeWithoutSpecialElements(original, patch, mergeKey: mergeKey, path: path)
            }
            let key = kind == .object ? mergeKey : nil
            let (patchItems, serverOnly) = try partition(merged, by: patch, mergeKey: key)
            return try normalizeElementOrder(
                patchItems, serverOnly, patchOrder: patch, serverOrder: original, mergeKey: key)
        }

        /// `$patch` items in a merge list: delete matching entries, replace the whole list.
        func mergeSpecialElements(_ originalIn: [JSON], _ patch: [JSON], mergeKey: String) throws(PatchError) -> (
            [JSON], [JSON]
        ) {
            var original = originalIn
            var without: [JSON] = []
            var replace = false
            for v in patch {
                guard case .object(let item) = v, let directive = item[S.directiveMarker] else {
                    without.append(v)
                    continue
                }
                switch directive {
                case "delete":
                    guard let value = item[mergeKey] else { throw noMergeKey(v, mergeKey) }
                    original.removeAll { S.equal($0[mergeKey] ?? .null, value) && $0[mergeKey] != nil }
                case "replace":
                    replace = true
                case "merge":
                    throw PatchError.internalError("merging lists cannot yet be specified in the patch")
                default:
                    throw PatchError.internalError(
                        "unknown patch type: \(S.goFormatS(directive)) in map: \(S.goFormat(v))")
                }
            }
            if replace { return (without.compactMap(S.sanitize), []) }
            return (original, without)
        }

        func mergeWithoutSpecialElements(_ originalIn: [JSON], _ patch: [JSON], mergeKey: String, path: [String])
            throws(PatchError) -> [JSON]
        {
            var original = originalIn
            for v in patch {
                guard case .object(let item) = v else { continue }
                guard let value = item[mergeKey] else { throw noMergeKey(v, mergeKey) }
                if let i = original.firstIndex(where: { $0[mergeKey].map { S.equal($0, value) } ?? false }),
                    case .object(let existing) = original[i]
                {
                    original[i] = .object(try mergeMap(existing, item, path: path))
                } else if let clean = S.sanitize(v) {
                    original.append(clean)
                }
            }
            return original
        }

        func noMergeKey(_ v: JSON, _ key: String) -> PatchError {
            PatchError.internalError("map: \(S.goFormat(v)) does not contain declared merge key: \(key)")
        }

        /// `sliceElementType`: all elements one Go type, never lists.
        func elementKind(_ lists: [JSON]...) throws(PatchError) -> ElementKind {
            var first: JSON?
            for list in lists {
                for v in list {
                    if let f = first {
                        if !S.sameKind(f, v) {
                            let rendered = "[" + lists.map { S.goFormat(.array($0)) }.joined(separator: " ") + "]"
                            throw PatchError.internalError("list element types are not identical: \(rendered)")
                        }
                    } else {
                        if case .array = v {
                            throw PatchError.genericInvalid("lists of lists are not supported")
                        }
                        first = v
                    }
                }
            }
            guard let first else {
                throw PatchError.internalError("no elements in any of the given slices")
            }
            if case .object = first { return .object }
            return .scalar
        }

        func identity(_ v: JSON, _ mergeKey: String?) -> JSON? {
            guard let mergeKey else { return v }
            return v[mergeKey]
        }

        func index(of v: JSON, in list: [JSON], mergeKey: String?) -> Int? {
            guard let id = identity(v, mergeKey) else { return nil }
            return list.firstIndex { identity($0, mergeKey).map { S.equal($0, id) } ?? false }
        }

        /// Splits `merged` into items present in `by` and server-only items.
        func partition(_ merged: [JSON], by: [JSON], mergeKey: String?) throws(PatchError) -> ([JSON], [JSON]) {
            var inPatch: [JSON] = []
            var serverOnly: [JSON] = []
            for v in merged {
                if let mergeKey, v[mergeKey] == nil { throw noMergeKey(v, mergeKey) }
                if index(of: v, in: by, mergeKey: mergeKey) != nil { inPatch.append(v) } else { serverOnly.append(v) }
            }
            return (inPatch, serverOnly)
        }

        func normalizeElementOrder(
            _ patchItems: [JSON], _ serverOnly: [JSON], patchOrder: [JSON], serverOrder: [JSON], mergeKey: String?
        ) throws(PatchError) -> [JSON] {
            let p = try normalizeSliceOrder(patchItems, order: patchOrder, mergeKey: mergeKey)
            let s = try normalizeSliceOrder(serverOnly, order: serverOrder, mergeKey: mergeKey)
            // mergeSortedSlice: a server-only item goes first only when both it
            // and the next patch item are in the live list, in that order.
            var out: [JSON] = []
            out.reserveCapacity(p.count + s.count)
            var i = 0
            var j = 0
            while i < s.count || j < p.count {
                if i >= s.count {
                    out.append(p[j]); j += 1
                } else if j >= p.count {
                    out.append(s[i]); i += 1
                } else if let li = index(of: s[i], in: serverOrder, mergeKey: mergeKey),
                    let ri = index(of: p[j], in: serverOrder, mergeKey: mergeKey), li < ri
                {
                    out.append(s[i]); i += 1
                } else {
                    out.append(p[j]); j += 1
                }
            }
            return out
        }

        /// Stable sort of `list` by position in `order`; `$patch: delete` items go last.
        func normalizeSliceOrder(_ list: [JSON], order: [JSON], mergeKey: String?) throws(PatchError) -> [JSON] {
            var items = list
            var toDelete: [JSON] = []
            if let mergeKey {
                for v in list + order where v[mergeKey] == nil { throw noMergeKey(v, mergeKey) }
                items = list.filter { $0[S.directiveMarker] != "delete" }
                toDelete = list.filter { $0[S.directiveMarker] == "delete" }
            }
            let ranked = items.enumerated().map { (offset, v) in
                (rank: index(of: v, in: order, mergeKey: mergeKey) ?? Int.max, offset: offset, value: v)
            }
            let sorted = ranked.sorted { $0.rank != $1.rank ? $0.rank < $1.rank : $0.offset < $1.offset }
            return sorted.map(\.value) + toDelete
        }

        func extractKey(_ key: String, prefix: String) throws(PatchError) -> String {
            guard let slash = key.firstIndex(of: "/"), key[..<slash] == prefix else {
                if prefix == S.deleteFromPrimitiveListPrefix {
                    throw PatchError.badRequest("invalid patch format of primitive list")
                }
                throw PatchError.badRequest("invalid patch format of setElementOrder list")
            }
            return String(key[key.index(after: slash)...])
        }

        func applyRetainKeys(_ original: inout JSONObject, _ patch: inout JSONObject) throws(PatchError) {
            guard let retain = patch[S.retainKeysDirective] else { return }
            patch[S.retainKeysDirective] = nil
            guard case .array(let keys) = retain else {
                throw PatchError.badRequest("invalid patch format of retainKeys")
            }
            let names = Set(keys.compactMap(\.stringValue))
            for (k, v) in patch {
                if v == .null || k.hasPrefix(S.deleteFromPrimitiveListPrefix) || k.hasPrefix(S.setElementOrderPrefix) {
                    continue
                }
                if !names.contains(k) { throw PatchError.badRequest("invalid patch format of retainKeys") }
            }
            for k in original.keys where !names.contains(k) { original[k] = nil }
        }

        func badArgType(_ expected: String, _ actual: JSON?) -> PatchError {
            PatchError.internalError("expected a \(expected), but received a \(actual.map(S.goTypeName) ?? "<nil>")")
        }

        /// `mergePatchIntoOriginal`: `$setElementOrder/<list>` with its list.
        func mergeSetElementOrder(_ original: inout JSONObject, _ patch: inout JSONObject, path: [String])
            throws(PatchError)
        {
            for (key, orderValue) in patch where key.hasPrefix(S.setElementOrderPrefix) {
                patch[key] = nil
                guard case .array(let order) = orderValue else { throw badArgType("[]interface {}", orderValue) }
                let field = try extractKey(key, prefix: S.setElementOrderPrefix)
                let originalValue = original[field]
                let patchValue = patch[field]
                var originalList: [JSON] = []
                var patchList: [JSON] = []
                if let originalValue {
                    guard case .array(let l) = originalValue else { throw badArgType("[]interface {}", originalValue) }
                    originalList = l
                }
                if let patchValue {
                    guard case .array(let l) = patchValue else { throw badArgType("[]interface {}", patchValue) }
                    patchList = l
                }
                let rule = schema.listRule(at: path + [field])
                let mergeKey = rule?.smpMergeKey
                try validateOrder(patchList, order, mergeKey: mergeKey)

                var merged: [JSON]
                switch (originalValue != nil, patchValue != nil) {
                case (true, false): merged = originalList
                case (false, true): merged = patchList.compactMap(S.sanitize)
                case (true, true):
                    merged = try mergeSliceHandler(originalList, patchList, path: path + [field], isDeleteList: false)
                case (false, false): continue
                }
                if originalList.isEmpty && patchList.isEmpty {
                    original[field] = .array(merged)
                    patch[field] = nil
                    continue
                }
                let kind = try elementKind(originalList, patchList)
                let key = kind == .object ? mergeKey : nil
                let (patchItems, serverOnly) = try partition(merged, by: order, mergeKey: key)
                let ordered = try normalizeElementOrder(
                    patchItems, serverOnly, patchOrder: order, serverOrder: originalList, mergeKey: key)
                original[field] = .array(ordered.compactMap(S.sanitize))
                patch[field] = nil
            }
        }

        /// `validatePatchWithSetOrderList`: patch items appear in the order list, in order.
        func validateOrder(_ patchList: [JSON], _ order: [JSON], mergeKey: String?) throws(PatchError) {
            if order.isEmpty || patchList.isEmpty { return }
            var nonDelete = patchList
            if let mergeKey {
                for v in patchList where v.objectValue == nil { throw badArgType("map[string]interface {}", v) }
                nonDelete = patchList.filter { $0[S.directiveMarker] != "delete" }
                for v in nonDelete + order where v[S.directiveMarker] == nil && v[mergeKey] == nil {
                    throw noMergeKey(v, mergeKey)
                }
            }
            var p = 0
            var o = 0
            while p < nonDelete.count && o < order.count {
                if nonDelete[p][S.directiveMarker] != nil {
                    p += 1
                    continue
                }
                let equal: Bool
                if let mergeKey {
                    equal = S.equal(nonDelete[p][mergeKey] ?? .null, order[o][mergeKey] ?? .null)
                } else {
                    equal = S.equal(nonDelete[p], order[o])
                }
                if equal { p += 1 }
                o += 1
            }
            if p < nonDelete.count && o >= order.count {
                throw PatchError.internalError(
                    "The order in patch list:\n\(S.goFormat(.array(patchList)))\n doesn't match \(S.setElementOrderPrefix) list:\n\(S.goFormat(.array(order)))\n"
                )
            }
        }
    }
}
