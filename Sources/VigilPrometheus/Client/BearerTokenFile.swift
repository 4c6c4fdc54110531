import Foundation
import Synchronization

/// A bearer token read from a file (a mounted Secret or a projected service-account token),
/// re-read whenever the file's modification time or size changes, so a rotated Secret is picked
/// up without a restart. Between changes the cached token is returned after one `stat`.
public final class BearerTokenFile: Sendable {
    struct Cached {
        var modified: Date
        var size: Int
        var token: String
    }

    public let path: String
    private let cache = Mutex<Cached?>(nil)

    public init(path: String) {
        self.path = path
    }

    /// Why the token could not be read.
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The current token (surrounding whitespace trimmed). Throws when the file is missing,
    /// unreadable or empty.
    public func token() throws(ReadError) -> String {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw ReadError(message: "cannot stat: \(Self.reason(error))")
        }
        let modified = attributes[.modificationDate] as? Date ?? .distantPast
        let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
        if let c = cache.withLock({ $0 }), c.modified == modified, c.size == size { return c.token }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(message: "cannot read (permission denied or not a regular file)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ReadError(message: "is empty") }
        cache.withLock { $0 = Cached(modified: modified, size: size, token: token) }
        return token
    }

    private static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
