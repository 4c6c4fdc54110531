/// A kind the client can read typed: where it lives and how it decodes.
public protocol KubeResource: Codable, Sendable {
    static var descriptor: ResourceDescriptor { get }
    var metadata: ObjectMeta { get }
}

/// A list of any kind (`PodList`, …).
public struct ObjectList<Item: Codable & Sendable>: Codable, Sendable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ListMeta
    public var items: [Item]
}

/// An object of any kind, custom resources included: typed metadata, the
/// rest as JSON.
public struct DynamicObject: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: JSONValue?
    public var status: JSONValue?
    /// Top-level fields other than the ones above (`data`, `rules`, …).
    public var other: [String: JSONValue]

    enum Known: String, CodingKey { case apiVersion, kind, metadata, spec, status }
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: AnyKey(stringValue: "apiVersion"))
        kind = try c.decodeIfPresent(String.self, forKey: AnyKey(stringValue: "kind"))
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: AnyKey(stringValue: "metadata")) ?? ObjectMeta()
        spec = try c.decodeIfPresent(JSONValue.self, forKey: AnyKey(stringValue: "spec"))
        status = try c.decodeIfPresent(JSONValue.self, forKey: AnyKey(stringValue: "status"))
        var other: [String: JSONValue] = [:]
        for k in c.allKeys where Known(rawValue: k.stringValue) == nil {
            other[k.stringValue] = try c.decode(JSONValue.self, forKey: k)
        }
        self.other = other
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encodeIfPresent(apiVersion, forKey: AnyKey(stringValue: "apiVersion"))
        try c.encodeIfPresent(kind, forKey: AnyKey(stringValue: "kind"))
        try c.encode(metadata, forKey: AnyKey(stringValue: "metadata"))
        try c.encodeIfPresent(spec, forKey: AnyKey(stringValue: "spec"))
        try c.encodeIfPresent(status, forKey: AnyKey(stringValue: "status"))
        for (k, v) in other { try c.encode(v, forKey: AnyKey(stringValue: k)) }
    }
}
