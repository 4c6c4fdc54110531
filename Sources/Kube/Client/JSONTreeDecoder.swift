import VigilJSON

/// A `Decoder` over an already parsed `JSON` tree. With VigilJSON's byte
/// parser it decodes API responses and watch events several times faster
/// than Foundation's `JSONDecoder`, which matters on the watch hot path.
public struct JSONTreeDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try decode(type, from: try JSON.parse(bytes))
    }

    public func decode<T: Decodable>(_ type: T.Type, from json: JSON) throws -> T {
        try T(from: TreeDecoder(value: json, codingPath: []))
    }
}

struct TreeDecoder: Decoder {
    let value: JSON
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let o) = value else { throw mismatch([String: Any].self, value, codingPath) }
        return KeyedDecodingContainer(TreeKeyedContainer<Key>(object: o, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let a) = value else { throw mismatch([Any].self, value, codingPath) }
        return TreeUnkeyedContainer(array: a, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        TreeSingleValue(value: value, codingPath: codingPath)
    }
}

func mismatch(_ type: Any.Type, _ value: JSON, _ path: [any CodingKey]) -> DecodingError {
    DecodingError.typeMismatch(type, DecodingError.Context(codingPath: path, debugDescription: "expected \(type), found \(value.typeName)"))
}

/// Decodes scalars from one JSON value (shared by the three containers).
enum TreeScalar {
    static func decode<T: Decodable>(_ type: T.Type, _ v: JSON, _ path: [any CodingKey]) throws -> T {
        switch type {
        case is String.Type:
            guard case .string(let s) = v else { throw mismatch(type, v, path) }
            return s as! T
        case is Bool.Type:
            guard case .bool(let b) = v else { throw mismatch(type, v, path) }
            return b as! T
        case is Int.Type:
            guard let i = v.intValue else { throw mismatch(type, v, path) }
            return Int(i) as! T
        case is Int64.Type:
            guard let i = v.intValue else { throw mismatch(type, v, path) }
            return i as! T
        case is Int32.Type:
            guard let i = v.intValue, let x = Int32(exactly: i) else { throw mismatch(type, v, path) }
            return x as! T
        case is Double.Type:
            guard let d = v.doubleValue else { throw mismatch(type, v, path) }
            return d as! T
        case is JSON.Type:
            return v as! T
        default:
            return try T(from: TreeDecoder(value: v, codingPath: path))
        }
    }
}

struct TreeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let codingPath: [any CodingKey]

    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    func value(_ key: Key) throws -> JSON {
        guard let v = object[key.stringValue] else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: codingPath, debugDescription: "no value for \"\(key.stringValue)\""))
        }
        return v
    }

    func decodeNil(forKey key: Key) throws -> Bool { (object[key.stringValue] ?? .null) == .null }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try TreeScalar.decode(type, try value(key), codingPath + [key])
    }

    // One lookup for optionals (the synthesized code's common case).
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let v = object[key.stringValue], v != .null else { return nil }
        return try TreeScalar.decode(type, v, codingPath + [key])
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let v = object[key.stringValue], v != .null else { return nil }
        guard case .string(let s) = v else { throw mismatch(type, v, codingPath + [key]) }
        return s
    }
    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        let v = try value(key)
        guard case .string(let s) = v else { throw mismatch(type, v, codingPath + [key]) }
        return s
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try TreeDecoder(value: try value(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try TreeDecoder(value: try value(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { TreeDecoder(value: .object(object), codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { TreeDecoder(value: try value(key), codingPath: codingPath + [key]) }
}

struct TreeUnkeyedContainer: UnkeyedDecodingContainer {
    let array: [JSON]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(array: [JSON], codingPath: [any CodingKey]) {
        self.array = array
        self.codingPath = codingPath
    }

    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    struct Index: CodingKey {
        var intValue: Int?
        var stringValue: String { String(intValue ?? 0) }
        init(_ i: Int) { intValue = i }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

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

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let path = codingPath + [Index(currentIndex)]
        return try TreeScalar.decode(type, try next(), path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let path = codingPath + [Index(currentIndex)]
        return try TreeDecoder(value: try next(), codingPath: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let path = codingPath + [Index(currentIndex)]
        return try TreeDecoder(value: try next(), codingPath: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let path = codingPath + [Index(currentIndex)]
        return TreeDecoder(value: try next(), codingPath: path)
    }
}

struct TreeSingleValue: SingleValueDecodingContainer {
    let value: JSON
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try TreeScalar.decode(type, value, codingPath) }
}
