import Foundation
import Synchronization
import VigilHTTP
import VigilJSON

/// Asks every live replica's `/shards` twice a second which namespaces it
/// owns, and keeps the samples, so a benchmark can tell the work that was
/// late because its namespace was changing hands (a failover after a
/// SIGKILL, or a hand-off when a replica joins) from the work that was late
/// for no such reason.
public final class OwnershipSampler: Sendable {
    public struct Sample: Sendable {
        public var at: Double
        /// Namespace → the replica whose committed shard map gives it that namespace.
        public var owners: [String: String]
    }

    let replicas = Mutex<[ReplicaProcess]>([])
    let samples = Mutex<[Sample]>([])
    let http: HTTPClient

    public init(http: HTTPClient) { self.http = http }

    /// The replicas to ask from now on (the dead are skipped).
    public func watch(_ processes: [ReplicaProcess]) { replicas.withLock { $0 = processes } }

    /// Samples until cancelled.
    public func run(every: Duration = .milliseconds(500)) async {
        while !Task.isCancelled {
            let at = Date().timeIntervalSince1970
            var owners: [String: String] = [:]
            for p in replicas.withLock({ $0 }) where p.isRunning {
                for ns in await Self.owned(p, http) ?? [] { owners[ns] = p.id }
            }
            samples.withLock { $0.append(Sample(at: at, owners: owners)) }
            try? await Task.sleep(for: every)
        }
    }

    /// Whether `namespace` lacked an owner, or changed owner, in any sample from `from` to `to`
    /// (and the last sample before `from`).
    public func changedHands(_ namespace: String, from: Double, to: Double) -> Bool {
        samples.withLock { all in
            let start = all.lastIndex { $0.at <= from } ?? 0
            var seen: String??
            for s in all[start...] where s.at <= to {
                let owner = s.owners[namespace]
                if owner == nil { return true }
                if let previous = seen, previous != owner { return true }
                seen = owner
            }
            return false
        }
    }

    /// The owner of `namespace` in the last sample.
    public func owner(_ namespace: String) -> String? { samples.withLock { $0.last?.owners[namespace] } }

    /// The longest run of consecutive samples in which `namespace` had no owner, in seconds
    /// (from the first sample without one to the first with one again).
    public func longestUnowned(_ namespaces: [String]) -> Double {
        samples.withLock { all in
            var longest = 0.0
            for ns in namespaces {
                var since: Double?
                for s in all {
                    if s.owners[ns] == nil {
                        if since == nil { since = s.at }
                    } else if let t = since {
                        longest = max(longest, s.at - t)
                        since = nil
                    }
                }
            }
            return longest
        }
    }

    /// The namespaces a replica owns under its committed shard map, nil when it is not ready.
    static func owned(_ p: ReplicaProcess, _ http: HTTPClient) async -> [String]? {
        guard let r = try? await http.execute(HTTPRequest(url: "http://127.0.0.1:\(p.port)/readyz", timeout: .seconds(2))), r.status == 200,
            let s = try? await http.execute(HTTPRequest(url: "http://127.0.0.1:\(p.port)/shards", timeout: .seconds(2))), let j = try? JSON.parse(s.body),
            j["epoch"] == j["committedEpoch"]
        else { return nil }
        return (j["ownedNamespaces"]?.arrayValue ?? []).compactMap(\.stringValue)
    }
}
