import VigilJSON

/// One action's record within a run, as every kind keeps it in status
/// (`actions: [{index, type, phase, summary, error, output}]`).
public struct ActionStepRecord: Sendable, Equatable {
    public var index: Int
    public var type: String
    public var phase: String
    public var summary: String
    public var error: String?
    /// Captured output: the ConfigMap, its size and first lines.
    public var configMap: String?
    public var bytes: Int?
    public var head: String?

    public init(index: Int, type: String, phase: String, summary: String, error: String? = nil, configMap: String? = nil, bytes: Int? = nil, head: String? = nil) {
        self.index = index
        self.type = type
        self.phase = phase
        self.summary = summary
        self.error = error
        self.configMap = configMap
        self.bytes = bytes
        self.head = head
    }

    /// The record of a step the engine reported.
    public init(_ s: ActionEngine.Step) {
        self.init(
            index: s.index, type: s.type, phase: s.phase.rawValue, summary: s.summary, error: s.error, configMap: s.output?.configMap,
            bytes: s.output?.bytes, head: s.output?.head)
    }

    public var json: JSON {
        var a = JSONObject()
        a["index"] = .int(Int64(index))
        a["type"] = .string(type)
        a["phase"] = .string(phase)
        a["summary"] = .string(summary)
        if let e = error { a["error"] = .string(e) }
        if let c = configMap { a["output"] = .obj(["configMap": .string(c), "bytes": .int(Int64(bytes ?? 0)), "head": .string(head ?? "")]) }
        return .object(a)
    }

    public init?(json a: JSON) {
        guard let i = a["index"]?.intValue, let t = a["type"]?.stringValue else { return nil }
        self.init(
            index: Int(i), type: t, phase: a["phase"]?.stringValue ?? "", summary: a["summary"]?.stringValue ?? "", error: a["error"]?.stringValue,
            configMap: a[path: ["output", "configMap"]]?.stringValue, bytes: a[path: ["output", "bytes"]]?.intValue.map { Int($0) },
            head: a[path: ["output", "head"]]?.stringValue)
    }
}

extension ActionEngine.Outcome {
    /// An announcement for every step that finished or failed since `previous`.
    public func announcements(previous: [ActionStepRecord], dryRun: Bool) -> [Announcement] {
        var out: [Announcement] = []
        for s in steps where previous.first(where: { $0.index == s.index })?.phase != s.phase.rawValue {
            switch s.phase {
            case .succeeded:
                if s.summary.hasSuffix("(done earlier)") { continue }
                var message = "action \(s.index) (\(s.type)): \(s.summary)"
                if let o = s.output { message += "; first lines: \(o.head.prefix(300))" }
                out.append(.init(reason: dryRun ? "DryRunAction" : "ActionTaken", message: message))
            case .failed:
                out.append(.init(warning: true, reason: "ActionFailed", message: "action \(s.index) (\(s.type)) failed for good, the run stops: \(s.error ?? "")"))
            case .retrying:
                out.append(.init(warning: true, reason: "ActionRetrying", message: "action \(s.index) (\(s.type)) failed, will retry: \(s.error ?? "")"))
            case .waiting:
                continue
            }
        }
        return out
    }
}
