/// Judges a `Timeline` (pure):
///
/// - **Overlaps.** Per namespace, each replica's reconciles are intervals
///   from `begin` to `end` (an interval left open closes when the replica
///   stopped, or at the end of the run). Intervals of two different
///   replicas on one namespace must not intersect: that would be two
///   replicas working on it at once.
/// - **Epoch order.** When the replica working on a namespace changes, the
///   new one must work under a later shard epoch than the old one did.
/// - **Effects.** Every expected `(namespace, index)` delivered at least
///   once (else lost); one key per `(namespace, index)` (else the effect was
///   fired twice under different keys: a duplicate that deduplication on the
///   key cannot remove); raw duplicate deliveries of a key are counted, not
///   hidden.
public struct TimelineAnalysis: Sendable, Hashable {
    public struct Overlap: Sendable, Hashable, CustomStringConvertible {
        public var namespace: String
        public var first: String
        public var firstInterval: ClosedRange<Double>
        public var second: String
        public var secondInterval: ClosedRange<Double>

        public var description: String {
            "\(namespace): \(first) worked \(firstInterval) and \(second) worked \(secondInterval)"
        }
    }

    public var overlaps: [Overlap] = []
    /// Owner changes where the new owner's epoch was not later.
    public var epochRegressions: [String] = []
    /// Expected effects never delivered: `namespace#index`.
    public var lost: [String] = []
    /// `(namespace, index)` pairs delivered under more than one key.
    public var duplicateKeys: [String] = []
    /// Deliveries beyond the first of each key.
    public var rawDuplicates = 0
    /// Distinct keys delivered.
    public var uniqueEffects = 0
    public var deliveries = 0
    /// Reconciles (intervals) seen.
    public var reconciles = 0

    public var isClean: Bool { overlaps.isEmpty && epochRegressions.isEmpty && lost.isEmpty && duplicateKeys.isEmpty }

    /// - Parameters:
    ///   - expected: namespace → effects it must have had delivered.
    ///   - end: the end of the run (closes intervals still open).
    public init(_ timeline: Timeline, expected: [String: Int], end: Double) {
        analyzeWork(timeline, end: end)
        analyzeEffects(timeline, expected: expected)
    }

    struct Interval {
        var replica: String
        var start: Double
        var end: Double
        var epoch: Int
    }

    /// Builds each namespace's intervals in order of their start.
    static func intervals(_ timeline: Timeline, end: Double) -> [String: [Interval]] {
        var open: [String: [String: (Double, Int)]] = [:]  // namespace → replica → (begin, epoch)
        var out: [String: [Interval]] = [:]
        for w in timeline.work.sorted(by: { $0.at < $1.at }) {
            if w.begin {
                // A begin while one is open (a lost `end`): close it at this begin.
                if let (start, epoch) = open[w.namespace]?[w.replica] {
                    out[w.namespace, default: []].append(Interval(replica: w.replica, start: start, end: w.at, epoch: epoch))
                }
                open[w.namespace, default: [:]][w.replica] = (w.at, w.epoch)
            } else if let (start, epoch) = open[w.namespace]?[w.replica] {
                out[w.namespace, default: []].append(Interval(replica: w.replica, start: start, end: w.at, epoch: epoch))
                open[w.namespace]?[w.replica] = nil
            }
        }
        for (namespace, replicas) in open {
            for (replica, (start, epoch)) in replicas {
                let stop = max(start, timeline.stoppedAt[replica] ?? end)
                out[namespace, default: []].append(Interval(replica: replica, start: start, end: stop, epoch: epoch))
            }
        }
        for k in out.keys { out[k]?.sort { $0.start < $1.start } }
        return out
    }

    mutating func analyzeWork(_ timeline: Timeline, end: Double) {
        for (namespace, list) in Self.intervals(timeline, end: end).sorted(by: { $0.key < $1.key }) {
            reconciles += list.count
            // The interval reaching furthest so far, per replica.
            var reach: [String: Interval] = [:]
            var previous: Interval?
            for i in list {
                for (replica, r) in reach where replica != i.replica && r.end > i.start {
                    overlaps.append(
                        Overlap(namespace: namespace, first: replica, firstInterval: r.start...r.end, second: i.replica, secondInterval: i.start...i.end))
                }
                if let p = previous, p.replica != i.replica, i.epoch <= p.epoch {
                    epochRegressions.append("\(namespace): \(p.replica) worked in epoch \(p.epoch), then \(i.replica) in epoch \(i.epoch) at \(i.start)")
                }
                if reach[i.replica].map({ $0.end < i.end }) ?? true { reach[i.replica] = i }
                previous = i
            }
        }
    }

    mutating func analyzeEffects(_ timeline: Timeline, expected: [String: Int]) {
        deliveries = timeline.deliveries.count
        var keysByEffect: [String: Set<String>] = [:]
        var seen: Set<String> = []
        for d in timeline.deliveries {
            keysByEffect["\(d.namespace)#\(d.index)", default: []].insert(d.key)
            if !seen.insert(d.key).inserted { rawDuplicates += 1 }
        }
        uniqueEffects = seen.count
        for (effect, keys) in keysByEffect.sorted(by: { $0.key < $1.key }) where keys.count > 1 {
            duplicateKeys.append("\(effect) delivered under \(keys.count) keys")
        }
        for (namespace, count) in expected.sorted(by: { $0.key < $1.key }) {
            for index in 0..<count where keysByEffect["\(namespace)#\(index)"] == nil {
                lost.append("\(namespace)#\(index)")
            }
        }
    }
}
