import VigilJSON

/// Types that read themselves straight from a parsed JSON tree, skipping
/// `Codable`'s per-field dispatch. Used for the types on the hot path of
/// every list and watch (`ObjectMeta`, `Pod`); `KubeJSON.decode` prefers it
/// over `Decodable`. A test keeps each in step with its `Codable` form.
public protocol JSONTreeInitializable {
    init(tree: JSON) throws(KubeError)
}

/// Field readers for `JSONTreeInitializable` conformances.
enum Tree {
    static func object(_ v: JSON, _ what: @autoclosure () -> String) throws(KubeError) -> JSONObject {
        guard case .object(let o) = v else { throw .decoding("\(what()): expected an object, found \(v.typeName)") }
        return o
    }

    static func string(_ o: JSONObject, _ key: String, _ what: @autoclosure () -> String) throws(KubeError) -> String? {
        switch o[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let v?: throw .decoding("\(what()).\(key): expected a string, found \(v.typeName)")
        }
    }

    static func int(_ o: JSONObject, _ key: String, _ what: @autoclosure () -> String) throws(KubeError) -> Int64? {
        switch o[key] {
        case nil, .null?: return nil
        case let v?:
            guard let i = v.intValue else { throw .decoding("\(what()).\(key): expected an integer, found \(v.typeName)") }
            return i
        }
    }

    static func bool(_ o: JSONObject, _ key: String, _ what: @autoclosure () -> String) throws(KubeError) -> Bool? {
        switch o[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case let v?: throw .decoding("\(what()).\(key): expected a boolean, found \(v.typeName)")
        }
    }

    static func stringMap(_ o: JSONObject, _ key: String, _ what: @autoclosure () -> String) throws(KubeError) -> [String: String]? {
        switch o[key] {
        case nil, .null?: return nil
        case .object(let m)?:
            var out: [String: String] = [:]
            out.reserveCapacity(m.count)
            for (k, v) in m {
                guard case .string(let s) = v else { throw .decoding("\(what()).\(key).\(k): expected a string, found \(v.typeName)") }
                out[k] = s
            }
            return out
        case let v?: throw .decoding("\(what()).\(key): expected an object, found \(v.typeName)")
        }
    }

    static func strings(_ o: JSONObject, _ key: String, _ what: @autoclosure () -> String) throws(KubeError) -> [String]? {
        switch o[key] {
        case nil, .null?: return nil
        case .array(let a)?:
            var out: [String] = []
            out.reserveCapacity(a.count)
            for v in a {
                guard case .string(let s) = v else { throw .decoding("\(what()).\(key): expected strings, found \(v.typeName)") }
                out.append(s)
            }
            return out
        case let v?: throw .decoding("\(what()).\(key): expected an array, found \(v.typeName)")
        }
    }

    static func objects<T>(_ o: JSONObject, _ key: String, _ what: @autoclosure () -> String, _ make: (JSON) throws(KubeError) -> T) throws(KubeError) -> [T]? {
        switch o[key] {
        case nil, .null?: return nil
        case .array(let a)?:
            var out: [T] = []
            out.reserveCapacity(a.count)
            for v in a { out.append(try make(v)) }
            return out
        case let v?: throw .decoding("\(what()).\(key): expected an array, found \(v.typeName)")
        }
    }

    static func nested<T>(_ o: JSONObject, _ key: String, _ make: (JSON) throws(KubeError) -> T) throws(KubeError) -> T? {
        switch o[key] {
        case nil, .null?: return nil
        case let v?: return try make(v)
        }
    }
}

extension ObjectMeta: JSONTreeInitializable {
    public init(tree: JSON) throws(KubeError) {
        let o = try Tree.object(tree, "metadata")
        self.init()
        name = try Tree.string(o, "name", "metadata")
        generateName = try Tree.string(o, "generateName", "metadata")
        namespace = try Tree.string(o, "namespace", "metadata")
        uid = try Tree.string(o, "uid", "metadata")
        resourceVersion = try Tree.string(o, "resourceVersion", "metadata")
        generation = try Tree.int(o, "generation", "metadata")
        creationTimestamp = try Tree.string(o, "creationTimestamp", "metadata")
        deletionTimestamp = try Tree.string(o, "deletionTimestamp", "metadata")
        deletionGracePeriodSeconds = try Tree.int(o, "deletionGracePeriodSeconds", "metadata")
        labels = try Tree.stringMap(o, "labels", "metadata")
        annotations = try Tree.stringMap(o, "annotations", "metadata")
        finalizers = try Tree.strings(o, "finalizers", "metadata")
        ownerReferences = try Tree.objects(o, "ownerReferences", "metadata") { (v: JSON) throws(KubeError) -> OwnerReference in
            let r = try Tree.object(v, "metadata.ownerReferences[]")
            guard let apiVersion = try Tree.string(r, "apiVersion", "metadata.ownerReferences[]"),
                let kind = try Tree.string(r, "kind", "metadata.ownerReferences[]"),
                let name = try Tree.string(r, "name", "metadata.ownerReferences[]"),
                let uid = try Tree.string(r, "uid", "metadata.ownerReferences[]")
            else { throw .decoding("metadata.ownerReferences[]: apiVersion, kind, name and uid are required") }
            return OwnerReference(apiVersion: apiVersion, kind: kind, name: name, uid: uid,
                controller: try Tree.bool(r, "controller", "metadata.ownerReferences[]"),
                blockOwnerDeletion: try Tree.bool(r, "blockOwnerDeletion", "metadata.ownerReferences[]"))
        }
    }
}
