import VigilJSON

/// A `Decoder` over an already parsed `JSON` tree. With VigilJSON's byte
/// parser it decodes API responses and watch events several times faster
/// than Foundation's `JSONDecoder`, which matters on the watch hot path.
/// Coding paths are built only when an error needs one.
public struct JSONTreeDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try decode(type, from: try JSON.parse(bytes))
    }

    public func decode<T: Decodable>(_ type: T.Type, from json: JSON) throws -> T {
        try T(from: TreeDecoder(value: json, path: nil))
    }
}

/// Where a value sits, as a chain to the root (turned into a coding path on demand).
final class TreePath: Sendable {
    let parent: TreePath?
    let key: String?
    let index: Int?

    init(parent: TreePath?, key: String? = nil, index: Int? = nil) {
        self.parent = parent
        self.key = key
        self.index = index
    }

    static func codingPath(_ p: TreePath?) -> [any CodingKey] {
        var out: [any CodingKey] = []
        var cur = p
        while let c = cur {
            if let k = c.key { out.append(TreeKey(stringValue: k)) } else if let i = c.index { out.append(TreeKey(intValue: i)) }
            cur = c.parent
        }
        return out.reversed()
    }
}

struct TreeKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

struct TreeDecoder: Decoder {
    let value: JSON
    let path: TreePath?
    var codingPath: [any CodingKey] { TreePath.codingPath(path) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let o) = value else { throw treeMismatch([String: Any].self, value, path) }
        return KeyedDecodingContainer(TreeKeyedContainer<Key>(object: o, path: path))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let a) = value else { throw treeMismatch([Any].self, value, path) }
        return TreeUnkeyedContainer(array: a, path: path)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        TreeSingleValue(value: value, path: path)
    }
}

func treeMismatch(_ type: Any.Type, _ value: JSON, _ path: TreePath?) -> DecodingError {
    DecodingError.typeMismatch(type, DecodingError.Context(codingPath: TreePath.codingPath(path), debugDescription: "expected \(type), found \(value.typeName)"))
}

/// Scalar conversions shared by the three containers.
enum TreeScalar {
    @inline(__always) static func string(_ v: JSON, _ path: @autoclosure () -> TreePath?) throws -> String {
        guard case .string(let s) = v else { throw treeMismatch(String.self, v, path()) }
        return s
    }
    @inline(__always) static func int64(_ v: JSON, _ path: @autoclosure () -> TreePath?) throws -> Int64 {
        guard let i = v.intValue else { throw treeMismatch(Int64.self, v, path()) }
        return i
    }
    @inline(__always) static func bool(_ v: JSON, _ path: @autoclosure () -> TreePath?) throws -> Bool {
        guard case .bool(let b) = v else { throw treeMismatch(Bool.self, v, path()) }
        return b
    }
    @inline(__always) static func double(_ v: JSON, _ path: @autoclosure () -> TreePath?) throws -> Double {
        guard let d = v.doubleValue else { throw treeMismatch(Double.self, v, path()) }
        return d
    }

    static func decode<T: Decodable>(_ type: T.Type, _ v: JSON, _ path: @autoclosure () -> TreePath?) throws -> T {
        if T.self == String.self { return try string(v, path()) as! T }
        if T.self == Int.self { return Int(try int64(v, path())) as! T }
        if T.self == Bool.self { return try bool(v, path()) as! T }
        if T.self == Int64.self { return try int64(v, path()) as! T }
        if T.self == Double.self { return try double(v, path()) as! T }
        if T.self == JSON.self { return v as! T }
        if let fast = T.self as? any JSONTreeInitializable.Type {
            do { return try fast.init(tree: v) as! T } catch {
                throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: TreePath.codingPath(path()), debugDescription: error.description))
            }
        }
        return try T(from: TreeDecoder(value: v, path: path()))
    }
}

struct TreeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let path: TreePath?

    var codingPath: [any CodingKey] { TreePath.codingPath(path) }
    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    func sub(_ key: Key) -> TreePath { TreePath(parent: path, key: key.stringValue) }

    @inline(__always) func value(_ key: Key) throws -> JSON {
        guard let v = object[key.stringValue] else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: codingPath, debugDescription: "no value for \"\(key.stringValue)\""))
        }
        return v
    }

    @inline(__always) func present(_ key: Key) -> JSON? {
        guard let v = object[key.stringValue], v != .null else { return nil }
        return v
    }

    func decodeNil(forKey key: Key) throws -> Bool { (object[key.stringValue] ?? .null) == .null }

    func decode(_ type: String.Type, forKey key: Key) throws -> String { try TreeScalar.string(try value(key), sub(key)) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try TreeScalar.bool(try value(key), sub(key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { Int(try TreeScalar.int64(try value(key), sub(key))) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try TreeScalar.int64(try value(key), sub(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try TreeScalar.double(try value(key), sub(key)) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try TreeScalar.decode(type, try value(key), sub(key)) }

    // One lookup for optionals (the synthesized code's common case).
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let v = present(key) else { return nil }
        return try TreeScalar.string(v, sub(key))
    }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        guard let v = present(key) else { return nil }
        return try TreeScalar.bool(v, sub(key))
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        guard let v = present(key) else { return nil }
        return Int(try TreeScalar.int64(v, sub(key)))
    }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        guard let v = present(key) else { return nil }
        return try TreeScalar.int64(v, sub(key))
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        guard let v = present(key) else { return nil }
        return try TreeScalar.double(v, sub(key))
    }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let v = present(key) else { return nil }
        return try TreeScalar.decode(type, v, sub(key))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try TreeDecoder(value: try value(key), path: sub(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try TreeDecoder(value: try value(key), path: sub(key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { TreeDecoder(value: .object(object), path: path) }
    func superDecoder(forKey key: Key) throws -> any Decoder { TreeDecoder(value: try value(key), path: sub(key)) }
}

struct TreeUnkeyedContainer: UnkeyedDecodingContainer {
    let array: [JSON]
    let path: TreePath?
    var currentIndex = 0

    init(array: [JSON], path: TreePath?) {
        self.array = array
        self.path = path
    }

    var codingPath: [any CodingKey] { TreePath.codingPath(path) }
    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    func here() -> TreePath { TreePath(parent: path, index: currentIndex) }

    mutating func next() throws -> JSON {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(JSON.self, DecodingError.Context(codingPath: codingPath, debugDescription: "unkeyed container is at end"))
        }
        defer { currentIndex += 1 }
        return array[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        if !isAtEnd, array[currentIndex] == .null {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode(_ type: String.Type) throws -> String {
        let p = currentIndex
        return try TreeScalar.string(try next(), TreePath(parent: path, index: p))
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let p = currentIndex
        return try TreeScalar.decode(type, try next(), TreePath(parent: path, index: p))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let p = here()
        return try TreeDecoder(value: try next(), path: p).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let p = here()
        return try TreeDecoder(value: try next(), path: p).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let p = here()
        return TreeDecoder(value: try next(), path: p)
    }
}

struct TreeSingleValue: SingleValueDecodingContainer {
    let value: JSON
    let path: TreePath?

    var codingPath: [any CodingKey] { TreePath.codingPath(path) }
    func decodeNil() -> Bool { value == .null }
    func decode(_ type: String.Type) throws -> String { try TreeScalar.string(value, path) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try TreeScalar.decode(type, value, path) }
}
