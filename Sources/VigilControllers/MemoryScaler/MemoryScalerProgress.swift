import VigilAPI
import VigilJSON

/// What a `MemoryScaler` keeps in its status between reconciles: the steps
/// applied (`resizes`, `lastResizeAt`) and one entry per workload and
/// container it has something to say about (`workloads`): the size it
/// gave, when (the cooldown runs from there), why, and where it stands now.
/// The ledger (`status.effects`) is kept apart, by the engine.
public struct MemoryScalerProgress: Sendable, Equatable {
    /// Entries kept at most; the oldest go first.
    public static let maxWorkloads = 100

    public struct Workload: Sendable, Equatable {
        /// `Pod` (stepped in place, or reported), `Deployment` or `StatefulSet`.
        public var kind: String
        public var name: String
        public var uid: String
        public var container: String
        /// The memory limit after the last step (a quantity).
        public var memory: String?
        /// The limit before the last step.
        public var previous: String?
        public var resizes: Int64 = 0
        public var lastResizeAt: RFC3339Time?
        /// Why the last step was taken.
        public var lastTrigger: String?
        /// `InPlace` or `Owner`: how the last step went.
        public var mode: String?
        /// `Resized`, `Waiting`, `AtMaximum`, `NoLimit`, `Refused`, `Infeasible`, `NoOwner`, `Failed`.
        public var phase: String
        public var message: String
        /// When this entry last changed (for pruning).
        public var updatedAt: RFC3339Time

        public var id: String { "\(kind)/\(name)/\(container)" }

        public init(kind: String, name: String, uid: String, container: String, phase: String, message: String, updatedAt: RFC3339Time) {
            self.kind = kind
            self.name = name
            self.uid = uid
            self.container = container
            self.phase = phase
            self.message = message
            self.updatedAt = updatedAt
        }

        init?(json: JSON) {
            guard let kind = json["kind"]?.stringValue, let name = json["name"]?.stringValue, let container = json["container"]?.stringValue else { return nil }
            self.kind = kind
            self.name = name
            self.container = container
            uid = json["uid"]?.stringValue ?? ""
            memory = json["memory"]?.stringValue
            previous = json["previous"]?.stringValue
            resizes = json["resizes"]?.intValue ?? 0
            lastResizeAt = (json["lastResizeAt"]?.stringValue).flatMap(RFC3339Time.init)
            lastTrigger = json["lastTrigger"]?.stringValue
            mode = json["mode"]?.stringValue
            phase = json["phase"]?.stringValue ?? ""
            message = json["message"]?.stringValue ?? ""
            updatedAt = (json["updatedAt"]?.stringValue).flatMap(RFC3339Time.init) ?? RFC3339Time(secondsSinceEpoch: 0)
        }

        var json: JSON {
            var o = JSONObject()
            o["kind"] = .string(kind)
            o["name"] = .string(name)
            o["uid"] = .string(uid)
            o["container"] = .string(container)
            if let memory { o["memory"] = .string(memory) }
            if let previous { o["previous"] = .string(previous) }
            o["resizes"] = .int(resizes)
            if let lastResizeAt { o["lastResizeAt"] = .string(lastResizeAt.text) }
            if let lastTrigger { o["lastTrigger"] = .string(lastTrigger) }
            if let mode { o["mode"] = .string(mode) }
            o["phase"] = .string(phase)
            o["message"] = .string(message)
            o["updatedAt"] = .string(updatedAt.text)
            return .object(o)
        }
    }

    public var resizes: Int64 = 0
    public var lastResizeAt: RFC3339Time?
    public var workloads: [Workload] = []
    /// The entries `set` wrote in this reconcile (not stored).
    public var touched: Set<String> = []

    public init() {}

    public init(status: JSON) {
        resizes = status["resizes"]?.intValue ?? 0
        lastResizeAt = (status["lastResizeAt"]?.stringValue).flatMap(RFC3339Time.init)
        workloads = (status["workloads"]?.arrayValue ?? []).compactMap(Workload.init(json:))
    }

    public func workload(_ id: String) -> Workload? { workloads.first { $0.id == id } }

    /// Sets the phase and message of an entry (made when new); `updatedAt`
    /// moves only when they change. Returns whether the phase changed (or is new).
    @discardableResult
    public mutating func set(
        kind: String, name: String, uid: String, container: String, phase: String, message: String, now: RFC3339Time
    ) -> Bool {
        let id = "\(kind)/\(name)/\(container)"
        touched.insert(id)
        if let i = workloads.firstIndex(where: { $0.id == id }) {
            let changed = workloads[i].phase != phase
            if workloads[i].phase != phase || workloads[i].message != message || workloads[i].uid != uid { workloads[i].updatedAt = now }
            workloads[i].phase = phase
            workloads[i].message = message
            workloads[i].uid = uid
            return changed
        }
        workloads.append(Workload(kind: kind, name: name, uid: uid, container: container, phase: phase, message: message, updatedAt: now))
        return true
    }

    /// Records an applied step (a dry run: what it would have done, not counted).
    public mutating func resized(_ r: ActionSpec.RaiseMemory, trigger: String, message: String, dryRun: Bool = false, now: RFC3339Time) {
        let kind = r.target.rawValue
        set(kind: kind, name: r.name, uid: r.uid, container: r.container, phase: dryRun ? "DryRun" : "Resized", message: message, now: now)
        let i = workloads.firstIndex { $0.id == "\(kind)/\(r.name)/\(r.container)" }!
        workloads[i].lastTrigger = trigger
        workloads[i].mode = r.target == .pod ? "InPlace" : "Owner"
        // A dry run changes nothing: no size, no time a cooldown would run from.
        if dryRun { return }
        workloads[i].lastResizeAt = now
        workloads[i].previous = MemoryStep.quantity(bytes: r.fromLimit)
        workloads[i].memory = MemoryStep.quantity(bytes: r.toLimit)
        workloads[i].resizes += 1
        resizes += 1
        lastResizeAt = now
    }

    /// Whether the entries already record step `r` (its target and container at its size, or its dry run).
    public func accounts(for r: ActionSpec.RaiseMemory, dryRun: Bool) -> Bool {
        guard let w = workload("\(r.target.rawValue)/\(r.name)/\(r.container)"), w.uid == r.uid else { return false }
        if dryRun { return w.phase == "DryRun" }
        return w.memory.flatMap { try? MemoryStep.bytes(parsing: $0) }.map { $0 >= r.toLimit } ?? false
    }

    /// When a step of `uid/container` was last taken, by the entries.
    public var lastSteps: [String: RFC3339Time] {
        var out: [String: RFC3339Time] = [:]
        for w in workloads { if let at = w.lastResizeAt { out["\(w.uid)/\(w.container)"] = at } }
        return out
    }

    /// Entries this reconcile had nothing to say about: their finding went
    /// away (the resize was applied, the usage fell). One with steps goes back
    /// to `Resized`; the others are dropped.
    public mutating func settle(now: RFC3339Time) {
        workloads = workloads.compactMap { w in
            guard !touched.contains(w.id), w.phase != "Resized", w.phase != "DryRun" else { return w }
            guard w.resizes > 0, let memory = w.memory else { return nil }
            var w = w
            w.phase = "Resized"
            w.message = "\(memory) since \(w.lastResizeAt?.text ?? "the last step")"
            w.updatedAt = now
            return w
        }
    }

    /// Drops the entries of pods that are gone (`livePods`: uids), and the
    /// oldest entries past `maxWorkloads`.
    public mutating func prune(livePods: Set<String>) {
        workloads.removeAll { $0.kind == "Pod" && !livePods.contains($0.uid) }
        if workloads.count > Self.maxWorkloads {
            // Entries with steps go last, then the oldest.
            workloads.sort { a, b in
                if (a.resizes > 0) != (b.resizes > 0) { return a.resizes > 0 }
                return a.updatedAt.secondsSinceEpoch > b.updatedAt.secondsSinceEpoch
            }
            workloads.removeLast(workloads.count - Self.maxWorkloads)
        }
        workloads.sort { $0.id < $1.id }
    }

    /// The status fields this kind's reconcile writes from the progress.
    public var json: JSONObject {
        var o = JSONObject()
        o["resizes"] = .int(resizes)
        o["lastResizeAt"] = lastResizeAt.map { .string($0.text) } ?? .null
        o["workloads"] = .array(workloads.map(\.json))
        return o
    }
}
