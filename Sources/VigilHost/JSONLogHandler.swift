import Foundation
import Logging
import VigilJSON

/// A swift-log handler that writes one JSON object per line to standard
/// error: `time` (RFC 3339, UTC, milliseconds), `level`, `logger`, `message`,
/// `source`, and the metadata as string fields. Structured logs for log
/// collectors (`logging.format: json`, the default of `vigil run`).
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable ([UInt8]) -> Void

    public init(label: String, write: @escaping @Sendable ([UInt8]) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    public static let standardError: @Sendable ([UInt8]) -> Void = { bytes in
        FileHandle.standardError.write(Data(bytes))
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var o = JSONObject()
        o["time"] = .string(Self.timestamp(Date()))
        o["level"] = .string(event.level.rawValue)
        o["logger"] = .string(label)
        o["message"] = .string(event.message.description)
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        for (k, v) in all.sorted(by: { $0.key < $1.key }) { o[k] = Self.json(v) }
        o["source"] = .string(event.source)
        write(JSON.object(o).serialized() + [0x0A])
    }

    static func json(_ v: Logger.Metadata.Value) -> JSON {
        switch v {
        case .string(let s): .string(s)
        case .stringConvertible(let c): .string(c.description)
        case .array(let a): .array(a.map(json))
        case .dictionary(let d): .object(JSONObject(d.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) }))
        }
    }

    static func timestamp(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        var seconds = time_t(t)
        var tm = tm()
        gmtime_r(&seconds, &tm)
        let millis = Int((t - Double(seconds)) * 1000)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday), Int(tm.tm_hour),
            Int(tm.tm_min), Int(tm.tm_sec), millis)
    }
}
