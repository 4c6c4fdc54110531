/// RFC 6902 JSON patch (`application/json-patch+json`), following the
/// behaviour of gopkg.in/evanphx/json-patch.v4 as the apiserver uses it:
///
/// - ops: add (`-` appends; negative indices count from the end), remove,
///   replace, move, copy, test; pointers unescape `~1` then `~0`;
/// - quirks kept: the root pointer `""` is rejected ("doc is missing path");
///   `replace` on a missing object key adds it; `copy` from a missing object
///   key writes `null`; `test` of a missing key against `null` passes;
///   a missing `value` counts as `null`.
///
/// Failures are reported as ``PatchError`` with the apiserver's status:
/// malformed body 400, more than ``maxOperations`` 413, any failed op 422
/// Invalid with the generic message (the library text is in `detail`).
public enum JSONPatch {
    /// `maxJSONPatchOperations` in the apiserver.
    public static let maxOperations = 10_000

    /// Applies an already-parsed patch document to `document`.
    public static func apply(_ patch: JSON, to document: JSON) throws(PatchError) -> JSON {
        let ops = try decode(patch)
        var doc = document
        for op in ops {
            do {
                try applyOperation(op, to: &doc)
            } catch let failure {
                throw PatchError.genericInvalid(failure.detail)
            }
        }
        return doc
    }

    /// Checks the body shape like `jsonpatch.DecodePatch` plus the size limit.
    static func decode(_ patch: JSON) throws(PatchError) -> [JSONObject] {
        guard case .array(let items) = patch else {
            throw PatchError.badRequest("json: cannot unmarshal \(goJSONKind(patch)) into Go value of type jsonpatch.Patch")
        }
        var ops: [JSONObject] = []
        ops.reserveCapacity(items.count)
        for item in items {
            switch item {
            case .object(let o): ops.append(o)
            case .null: ops.append(JSONObject())
            default:
                throw PatchError.badRequest(
                    "json: cannot unmarshal \(goJSONKind(item)) into Go value of type jsonpatch.Operation")
            }
        }
        if ops.count > maxOperations {
            throw PatchError(
                code: 413, reason: "RequestEntityTooLarge",
                message:
                    "Request entity too large: The allowed maximum operations in a JSON patch is \(maxOperations), got \(ops.count)"
            )
        }
        return ops
    }

    static func goJSONKind(_ v: JSON) -> String {
        switch v {
        case .object: return "object"
        case .array: return "array"
        case .string: return "string"
        case .int, .double: return "number"
        case .bool: return "bool"
        case .null: return "null"
        }
    }

    /// A failed operation, with evanphx's error text.
    struct Failure: Error {
        var detail: String
    }

    static let missing = "missing value"
    static let invalidIndex = "invalid index referenced"

    static func applyOperation(_ op: JSONObject, to doc: inout JSON) throws(Failure) {
        let kind = op["op"]?.stringValue ?? "unknown"
        let value = op["value"] ?? .null
        switch kind {
        case "add":
            guard let path = op["path"]?.stringValue else {
                throw Failure(detail: "add operation failed to decode path: \(missing)")
            }
            let found = try withContainer(&doc, path) { (c: inout JSON, key: String) throws(Failure) in
                do throws(Failure) { try add(&c, key, value) } catch { throw Failure(detail: "error in add for path: '\(path)': \(error.detail)") }
            }
            if found == nil {
                throw Failure(detail: "add operation does not apply: doc is missing path: \"\(path)\": \(missing)")
            }
        case "remove":
            guard let path = op["path"]?.stringValue else {
                throw Failure(detail: "remove operation failed to decode path: \(missing)")
            }
            let found = try withContainer(&doc, path) { (c: inout JSON, key: String) throws(Failure) in
                do throws(Failure) { _ = try remove(&c, key) } catch {
                    throw Failure(detail: "error in remove for path: '\(path)': \(error.detail)")
                }
            }
            if found == nil {
                throw Failure(detail: "remove operation does not apply: doc is missing path: \"\(path)\": \(missing)")
            }
        case "replace":
            guard let path = op["path"]?.stringValue else {
                throw Failure(
                    detail: "replace operation failed to decode path: operation missing path field: \(missing)")
            }
            let found = try withContainer(&doc, path) { (c: inout JSON, key: String) throws(Failure) in
                switch c {
                case .object(var o):
                    o[key] = value
                    c = .object(o)
                case .array(var a):
                    guard let i = Int(key), i >= 0, i < a.count else {
                        throw Failure(
                            detail: "replace operation does not apply: doc is missing key: \(path): \(missing)")
                    }
                    a[i] = value
                    c = .array(a)
                default:
                    throw Failure(detail: "replace operation does not apply: doc is missing key: \(path): \(missing)")
                }
            }
            if found == nil {
                throw Failure(detail: "replace operation does not apply: doc is missing path: \(path): \(missing)")
            }
        case "move":
            guard let from = op["from"]?.stringValue else {
                throw Failure(
                    detail: "move operation failed to decode from: operation, missing from field: \(missing)")
            }
            var moved: JSON = .null
            let foundFrom = try withContainer(&doc, from) { (c: inout JSON, key: String) throws(Failure) in
                do throws(Failure) {
                    _ = try get(c, key)
                    moved = try remove(&c, key)
                } catch { throw Failure(detail: "error in move for path: '\(key)': \(error.detail)") }
            }
            if foundFrom == nil {
                throw Failure(detail: "move operation does not apply: doc is missing from path: \(from): \(missing)")
            }
            guard let path = op["path"]?.stringValue else {
                throw Failure(
                    detail: "move operation failed to decode path: operation missing path field: \(missing)")
            }
            let foundTo = try withContainer(&doc, path) { (c: inout JSON, key: String) throws(Failure) in
                do throws(Failure) { try add(&c, key, moved) } catch {
                    throw Failure(detail: "error in move for path: '\(path)': \(error.detail)")
                }
            }
            if foundTo == nil {
                throw Failure(
                    detail: "move operation does not apply: doc is missing destination path: \(path): \(missing)")
            }
        case "copy":
            guard let from = op["from"]?.stringValue else {
                throw Failure(
                    detail: "copy operation failed to decode from: operation, missing from field: \(missing)")
            }
            var copied: JSON = .null
            let foundFrom = try withContainer(&doc, from) { (c: inout JSON, key: String) throws(Failure) in
                do throws(Failure) { copied = try get(c, key) ?? .null } catch {
                    throw Failure(detail: "error in copy for from: '\(from)': \(error.detail)")
                }
            }
            if foundFrom == nil {
                throw Failure(detail: "copy operation does not apply: doc is missing from path: \(from): \(missing)")
            }
            guard let path = op["path"]?.stringValue else {
                throw Failure(detail: "copy operation failed to decode path: \(missing)")
            }
            let foundTo = try withContainer(&doc, path) { (c: inout JSON, key: String) throws(Failure) in
                do throws(Failure) { try add(&c, key, copied) } catch {
                    throw Failure(detail: "error while adding value during copy: \(error.detail)")
                }
            }
            if foundTo == nil {
                throw Failure(
                    detail: "copy operation does not apply: doc is missing destination path: \(path): \(missing)")
            }
        case "test":
            guard let path = op["path"]?.stringValue else {
                throw Failure(
                    detail: "test operation failed to decode path: operation missing path field: \(missing)")
            }
            var passed = false
            let found = try withContainer(&doc, path) { (c: inout JSON, key: String) throws(Failure) in
                let current: JSON?
                do throws(Failure) { current = try get(c, key) } catch {
                    throw Failure(detail: "error in test for path: '\(path)': \(error.detail)")
                }
                if let current {
                    passed = current == value
                } else {
                    passed = value == .null
                }
            }
            if found == nil {
                throw Failure(detail: "test operation does not apply: is missing path: \(path): \(missing)")
            }
            if !passed {
                throw Failure(detail: "testing value \(path) failed: test failed")
            }
        default:
            throw Failure(detail: "Unexpected kind: \(kind)")
        }
    }

    /// Decodes one reference token (`~1` → `/`, then `~0` → `~`).
    static func unescape(_ token: Substring) -> String {
        guard token.contains("~") else { return String(token) }
        var out = ""
        var it = token.makeIterator()
        while let c = it.next() {
            if c == "~" {
                switch it.next() {
                case "0": out.append("~")
                case "1": out.append("/")
                case let other?: out.append("~"); out.append(other)
                case nil: out.append("~")
                }
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// Finds the container of the last token of `path` and runs `body` on it
    /// in place. Returns nil when the container does not exist (evanphx
    /// `findObject` returning nil).
    static func withContainer(
        _ doc: inout JSON, _ path: String, _ body: (inout JSON, String) throws(Failure) -> Void
    ) throws(Failure) -> Bool? {
        let split = path.split(separator: "/", omittingEmptySubsequences: false)
        guard split.count >= 2 else { return nil }
        let parts = split[1..<(split.count - 1)].map(unescape)
        let key = unescape(split[split.count - 1])
        return try descend(&doc, parts[...], key, body)
    }

    static func descend(
        _ node: inout JSON, _ parts: ArraySlice<String>, _ key: String,
        _ body: (inout JSON, String) throws(Failure) -> Void
    ) throws(Failure) -> Bool? {
        guard let part = parts.first else {
            switch node {
            case .object, .array:
                try body(&node, key)
                return true
            default:
                return nil
            }
        }
        switch node {
        case .object(var o):
            guard var child = o[part], isContainer(child) else { return nil }
            o[part] = .null
            let r = try descend(&child, parts.dropFirst(), key, body)
            o[part] = child
            node = .object(o)
            return r
        case .array(var a):
            guard let i = Int(part), i >= 0, i < a.count, isContainer(a[i]) else { return nil }
            var child = a[i]
            a[i] = .null
            let r = try descend(&child, parts.dropFirst(), key, body)
            a[i] = child
            node = .array(a)
            return r
        default:
            return nil
        }
    }

    static func isContainer(_ v: JSON) -> Bool {
        switch v {
        case .object, .array: return true
        default: return false
        }
    }

    static func atoi(_ key: String) throws(Failure) -> Int {
        guard let i = Int(key) else {
            throw Failure(detail: "strconv.Atoi: parsing \(JSON.string(key).serializedString): invalid syntax")
        }
        return i
    }

    /// `container.get`: objects answer nil for a missing key; arrays fail.
    static func get(_ c: JSON, _ key: String) throws(Failure) -> JSON? {
        switch c {
        case .object(let o): return o[key]
        case .array(let a):
            let i = try atoi(key)
            guard i >= 0, i < a.count else {
                throw Failure(detail: "Unable to access invalid index: \(i): \(invalidIndex)")
            }
            return a[i]
        default: return nil
        }
    }

    static func add(_ c: inout JSON, _ key: String, _ value: JSON) throws(Failure) {
        switch c {
        case .object(var o):
            o[key] = value
            c = .object(o)
        case .array(var a):
            if key == "-" {
                a.append(value)
                c = .array(a)
                return
            }
            var i: Int
            do throws(Failure) { i = try atoi(key) } catch {
                throw Failure(detail: "value was not a proper array index: '\(key)': \(error.detail)")
            }
            let size = a.count + 1
            if i >= size || i < -size {
                throw Failure(detail: "Unable to access invalid index: \(i): \(invalidIndex)")
            }
            if i < 0 { i += size }
            a.insert(value, at: i)
            c = .array(a)
        default:
            break
        }
    }

    @discardableResult
    static func remove(_ c: inout JSON, _ key: String) throws(Failure) -> JSON {
        switch c {
        case .object(var o):
            guard let v = o[key] else {
                throw Failure(detail: "Unable to remove nonexistent key: \(key): \(missing)")
            }
            o[key] = nil
            c = .object(o)
            return v
        case .array(var a):
            var i = try atoi(key)
            if i >= a.count || i < -a.count {
                throw Failure(detail: "Unable to access invalid index: \(i): \(invalidIndex)")
            }
            if i < 0 { i += a.count }
            let v = a.remove(at: i)
            c = .array(a)
            return v
        default:
            return .null
        }
    }
}
