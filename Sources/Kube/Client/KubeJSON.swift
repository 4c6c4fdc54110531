import Foundation
import VigilJSON

/// The JSON coders the client uses, set up once.
public enum KubeJSON {
    public static func decoder() -> JSONDecoder { JSONDecoder() }

    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// Decodes with VigilJSON's parser and `JSONTreeDecoder` (the fast path).
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(KubeError) -> T {
        let tree: JSON
        do { tree = try JSON.parse(bytes) } catch { throw .decoding("\(T.self): \(error)") }
        return try decode(type, from: tree)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from json: JSON) throws(KubeError) -> T {
        if let fast = T.self as? any JSONTreeInitializable.Type {
            return try fast.init(tree: json) as! T
        }
        do { return try JSONTreeDecoder().decode(type, from: json) } catch {
            throw .decoding("\(T.self): \(error)")
        }
    }

    public static func encode<T: Encodable>(_ value: T) throws(KubeError) -> [UInt8] {
        do { return Array(try encoder().encode(value)) } catch {
            throw .decoding("cannot encode \(T.self): \(error)")
        }
    }
}
