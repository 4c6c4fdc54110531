import CoreMetrics
import Synchronization

/// The per-shard gauges and timers of one replica, each with a `shard`
/// dimension (the member ID):
///
/// - `vigil_shard_owned_namespaces`: namespaces this member owns in the
///   epoch it adopted; `vigil_shard_active_namespaces`: those it may work on
///   now (owned and, for gained ones, committed).
/// - `vigil_shard_epoch`, `vigil_shard_committed_epoch`: the adopted map.
/// - `vigil_shard_fenced`: 1 while the member owns nothing because its lease
///   is not held (self-fencing).
/// - `vigil_leader`: 1 while this replica is the leader.
/// - `vigil_shard_handoff_seconds`: per epoch change, from adopting the epoch
///   to its ack (the drain of in-flight work on lost namespaces).
struct ShardMetrics: Sendable {
    let owned: Gauge
    let active: Gauge
    let epoch: Gauge
    let committedEpoch: Gauge
    let fenced: Gauge
    let leader: Gauge
    let handoff: Timer

    init(shard: String, factory: any MetricsFactory) {
        let dims = [("shard", shard)]
        owned = Gauge(label: "vigil_shard_owned_namespaces", dimensions: dims, factory: factory)
        active = Gauge(label: "vigil_shard_active_namespaces", dimensions: dims, factory: factory)
        epoch = Gauge(label: "vigil_shard_epoch", dimensions: dims, factory: factory)
        committedEpoch = Gauge(label: "vigil_shard_committed_epoch", dimensions: dims, factory: factory)
        fenced = Gauge(label: "vigil_shard_fenced", dimensions: dims, factory: factory)
        leader = Gauge(label: "vigil_leader", dimensions: dims, factory: factory)
        handoff = Timer(label: "vigil_shard_handoff_seconds", dimensions: dims, preferredDisplayUnit: .seconds, factory: factory)
    }
}

/// `vigil_api_requests_total{shard, verb, code}`: one counter per verb and
/// code, made on first use and kept, so counting a request is a dictionary
/// lookup, not a registry lookup.
final class APIRequestMetrics: Sendable {
    struct Key: Hashable {
        let verb: String
        let code: Int
    }

    let shard: String
    let factory: any MetricsFactory
    let counters = Mutex<[Key: Counter]>([:])

    init(shard: String, factory: any MetricsFactory) {
        self.shard = shard
        self.factory = factory
    }

    func record(verb: String, code: Int) {
        let key = Key(verb: verb, code: code)
        let counter = counters.withLock { c in
            if let existing = c[key] { return existing }
            let made = Counter(
                label: "vigil_api_requests_total", dimensions: [("shard", shard), ("verb", verb), ("code", String(code))], factory: factory)
            c[key] = made
            return made
        }
        counter.increment()
    }
}
