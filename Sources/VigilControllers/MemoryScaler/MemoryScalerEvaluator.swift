import VigilAPI
import VigilJSON
import VigilPrometheus

/// What a `MemoryScaler` sees in each container of the pods it selects,
/// decided purely from the pods (the informer), the shared poller's view of
/// the working sets and limits, and the steps already started (the ledger
/// and status): the first stage of a step. Which way a step goes (in place
/// or through the owner) is `MemoryScalerPlanner`'s.
public enum MemoryScalerEvaluator {
    /// The one PromQL expression every MemoryScaler of every namespace
    /// subscribes to: the working set and the limit of every container, in
    /// cAdvisor's current label names (`namespace`, `pod`, `container`),
    /// one series each per container (`max by`, so a container's old and new
    /// cgroup during a restart count once) with only those labels and
    /// `vigil_series` (`working_set` or `limit`) to tell them apart. The
    /// poller sends it once per interval per replica and splits the answer by
    /// namespace, however many MemoryScalers and pods there are.
    public static let expression =
        #"label_replace(max by (namespace, pod, container) (container_memory_working_set_bytes{container!="",container!="POD"}), "vigil_series", "working_set", "", "")"#
        + #" or label_replace(max by (namespace, pod, container) (container_spec_memory_limit_bytes{container!="",container!="POD"}), "vigil_series", "limit", "", "")"#
    /// The label that tells the expression's two kinds of series apart.
    static let seriesLabel = "vigil_series"

    /// Why a container needs a step.
    public enum Trigger: Sendable, Equatable {
        /// The working set reached `thresholdPercent` of the limit.
        case threshold(workingSet: Int64, limit: Int64, percent: Int64)
        /// The container's last run ended OOMKilled at this time.
        case oomKilled(at: RFC3339Time)

        /// For status and Events.
        public var description: String {
            switch self {
            case .threshold(let ws, let limit, let percent):
                "working set \(MemoryScalerEvaluator.human(ws)) reached \(Self.percent(ws, limit))% of the \(MemoryStep.quantity(bytes: limit)) limit (threshold \(percent)%)"
            case .oomKilled(let at): "OOMKilled at \(at.text)"
            }
        }

        /// `OOMKilled` or `Threshold`, for status and metrics.
        public var reason: String {
            switch self {
            case .threshold: "Threshold"
            case .oomKilled: "OOMKilled"
            }
        }

        static func percent(_ ws: Int64, _ limit: Int64) -> Int64 { limit > 0 ? (ws * 100) / limit : 0 }
    }

    /// What one container of one selected pod needs.
    public enum Finding: Sendable, Equatable {
        /// A step: from the limit in the pod's spec to `to` (capped at maxMemory).
        case step(pod: ScaledPod, container: String, from: Int64, to: Int64, trigger: Trigger)
        /// The pod asks for a limit the kubelet has not applied yet (a resize in
        /// flight, deferred or infeasible): nothing new is decided for it.
        case resizing(pod: ScaledPod, container: String, requested: Int64, applied: Int64, trigger: Trigger?)
        /// Triggered, but at maxMemory already.
        case atMaximum(pod: ScaledPod, container: String, limit: Int64, trigger: Trigger)
        /// No memory limit: nothing to multiply; reported, never touched.
        case noLimit(pod: ScaledPod, container: String)

        public var pod: ScaledPod {
            switch self {
            case .step(let p, _, _, _, _), .resizing(let p, _, _, _, _), .atMaximum(let p, _, _, _), .noLimit(let p, _): p
            }
        }
        public var container: String {
            switch self {
            case .step(_, let c, _, _, _), .resizing(_, let c, _, _, _), .atMaximum(_, let c, _, _), .noLimit(_, let c): c
            }
        }
    }

    /// The containers' measurements, by `pod/container`.
    public struct Measurements: Sendable, Equatable {
        public var workingSet: [String: Int64] = [:]
        public var limit: [String: Int64] = [:]
        public init() {}

        /// The samples of one namespace's view.
        public init(samples: [PrometheusSample]) {
            for s in samples {
                guard let pod = s.labels["pod"], let container = s.labels["container"], s.value.value.isFinite, s.value.value >= 0 else { continue }
                let key = "\(pod)/\(container)"
                let bytes = Int64(s.value.value.rounded())
                switch s.labels[MemoryScalerEvaluator.seriesLabel] {
                case "working_set"?: workingSet[key] = max(workingSet[key] ?? 0, bytes)
                case "limit"?: limit[key] = bytes
                default: break
                }
            }
        }
    }

    /// Bytes for people: a quantity when whole Mi (`150Mi`), else Mi with one decimal (`80.3Mi`).
    public static func human(_ bytes: Int64) -> String {
        if bytes % MemoryStep.mebibyte == 0 { return MemoryStep.quantity(bytes: bytes) }
        let tenths = (bytes * 10 + MemoryStep.mebibyte / 2) / MemoryStep.mebibyte
        return "\(tenths / 10).\(tenths % 10)Mi"
    }

    public struct Result: Sendable, Equatable {
        /// Pods selected (live or not).
        public var selected = 0
        /// Containers whose working set was measured this time.
        public var measured = 0
        public var findings: [Finding] = []
        /// Containers whose measured limit is not yet the one in the pod's spec (a
        /// step just applied, not yet scraped): `pod/container`, skipped for now.
        public var stale: [String] = []
    }

    /// Every finding for the pods `scaler` selects. `measurements` is nil
    /// when there is no current data (no poll yet, source unreachable, query
    /// failed): the threshold cannot trigger, OOM kills still do.
    /// `lastStep` says when a step of `uid/container` was last started.
    public static func evaluate(
        _ scaler: MemoryScaler, pods: [ScaledPod], measurements: Measurements?, lastStep: [String: RFC3339Time]
    ) -> Result {
        var r = Result()
        let spec = scaler.spec
        for pod in pods.sorted(by: { $0.name < $1.name }) where scaler.selects(labels: pod.labels, annotations: pod.annotations) {
            r.selected += 1
            guard pod.isLive else { continue }
            for c in pod.containers {
                let key = "\(pod.name)/\(c.name)"
                var trigger: Trigger?
                if spec.onOOMKilled, let at = c.oomKilledAt {
                    let handled = lastStep["\(pod.uid)/\(c.name)"].map { $0.secondsSinceEpoch >= at.secondsSinceEpoch } ?? false
                    if !handled { trigger = .oomKilled(at: at) }
                }
                if let m = measurements, let ws = m.workingSet[key] {
                    r.measured += 1
                    if trigger == nil, let limit = c.limit, limit > 0 {
                        if let measured = m.limit[key], measured != limit {
                            r.stale.append(key)
                        } else if ws * 100 >= spec.thresholdPercent * limit {
                            trigger = .threshold(workingSet: ws, limit: limit, percent: spec.thresholdPercent)
                        }
                    }
                }
                guard let limit = c.limit, limit > 0 else {
                    r.findings.append(.noLimit(pod: pod, container: c.name))
                    continue
                }
                if let applied = c.appliedLimit, applied != limit {
                    r.findings.append(.resizing(pod: pod, container: c.name, requested: limit, applied: applied, trigger: trigger))
                    continue
                }
                guard let trigger else { continue }
                let next = MemoryStep.next(current: limit, multiplier: spec.multiplier, max: spec.maxMemory.bytes)
                if next.atMaximum {
                    r.findings.append(.atMaximum(pod: pod, container: c.name, limit: limit, trigger: trigger))
                } else {
                    r.findings.append(.step(pod: pod, container: c.name, from: limit, to: next.bytes, trigger: trigger))
                }
            }
        }
        return r
    }
}
