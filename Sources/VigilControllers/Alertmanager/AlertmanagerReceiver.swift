import Foundation
import Kube
import Logging
import Metrics
import VigilHTTP
import VigilJSON
import VigilPrometheus
import VigilRuntime

/// `POST /alertmanager/webhook` on every replica: takes Alertmanager's
/// webhook notifications and hands each alert to the replica that owns its
/// `namespace` label, which records it as a trigger instance of every
/// CounterMeasure of that namespace whose alert trigger it matches, in the
/// resource's `status.pushed`, **before** answering 200. So a replica killed
/// after answering loses nothing: the next owner finds the pushed alert in
/// status and runs it (exactly once, through the ledger, under the same
/// instance id as polling would give it; see `CounterMeasureEvaluator`).
///
/// - Wrong or missing bearer token (read from `alertmanager.tokenFile`,
///   re-read when it changes) → 401; the receiver is off (403) while no
///   token file is configured.
/// - A body over the limit → 413; malformed JSON or a wrong version → 400
///   naming the field.
/// - An alert without a `namespace` label is counted and logged, not routed.
/// - Owned here and startable → recorded here. Owned by another replica →
///   forwarded to its `vigil.dev/address`, batched per owner, with the same
///   token. No committed owner (a hand-off), the owner unreachable, or a
///   write failing → 503, so Alertmanager retries; never 200 for an alert
///   not recorded. A forwarded request is never forwarded again.
public final class AlertmanagerReceiver: Sendable {
    /// Where the alerts of a namespace go.
    public enum Route: Sendable, Equatable {
        case local
        case remote(member: String, address: String)
        case unavailable(String)
    }

    public struct Answer: Sendable, Equatable {
        public var status: Int
        public var body: String
    }

    /// The header a forwarded request carries (the forwarding replica's identity).
    public static let forwardedHeader = "X-Vigil-Forwarded-By"

    let client: KubeClient
    let store: ObjectStore<CounterMeasureObject>
    let token: BearerTokenFile?
    public let maxBodyBytes: Int
    let identity: String
    let http: HTTPClient
    let route: @Sendable (String) -> Route
    let enqueue: @Sendable (ObjectKey) -> Void
    let clock: any RuntimeClock
    let wallClockAtZero: Double
    let logger: Logger

    public init(
        client: KubeClient, store: ObjectStore<CounterMeasureObject>, tokenFile: String?, maxBodyBytes: Int, identity: String, http: HTTPClient,
        route: @escaping @Sendable (String) -> Route, enqueue: @escaping @Sendable (ObjectKey) -> Void, clock: any RuntimeClock = SystemClock(),
        logger: Logger
    ) {
        self.client = client
        self.store = store
        self.token = tokenFile.flatMap { $0.isEmpty ? nil : BearerTokenFile(path: $0) }
        self.maxBodyBytes = maxBodyBytes
        self.identity = identity
        self.http = http
        self.route = route
        self.enqueue = enqueue
        self.clock = clock
        self.wallClockAtZero = Date().timeIntervalSince1970 - clock.now()
        self.logger = logger
    }

    /// `vigil_alerts_received_total{shard, outcome}`: handled, forwarded, duplicate, unmatched, no_namespace, rejected, unavailable.
    func received(_ outcome: String, _ n: Int = 1) {
        Counter(label: "vigil_alerts_received_total", dimensions: [("shard", identity), ("outcome", outcome)]).increment(by: n)
    }

    /// One notification. `tooLarge`: the body was cut at the limit.
    public func receive(body: [UInt8], tooLarge: Bool = false, authorization: String?, forwardedBy: String?) async -> Answer {
        guard let token else {
            received("rejected")
            return Answer(status: 403, body: "the Alertmanager receiver is off: set alertmanager.tokenFile in vigil.yaml (a file holding the bearer token)\n")
        }
        let expected: String
        do {
            expected = try token.token()
        } catch {
            // A configuration problem, not a passing one: 403, which Alertmanager does not retry forever.
            logger.error("Alertmanager receiver: the token file \(token.path) \(error)")
            received("rejected")
            return Answer(status: 403, body: "the Alertmanager receiver is off: its token file (alertmanager.tokenFile) \(error)\n")
        }
        guard let authorization, Self.constantTimeEqual(authorization, "Bearer " + expected) else {
            logger.warning("Alertmanager receiver: rejected a request with a missing or wrong bearer token")
            received("rejected")
            return Answer(status: 401, body: "missing or wrong bearer token\n")
        }
        if tooLarge || body.count > maxBodyBytes {
            received("rejected")
            return Answer(status: 413, body: "the body is over \(maxBodyBytes) bytes (alertmanager.maxBodyBytes); lower the receiver's max_alerts\n")
        }
        let payload: AlertmanagerPayload
        do {
            payload = try AlertmanagerPayload.decode(body)
        } catch {
            received("rejected")
            return Answer(status: 400, body: "\(error)\n")
        }
        var byNamespace: [String: [AlertmanagerPayload.Alert]] = [:]
        var unlabelled = 0
        for a in payload.alerts {
            guard let ns = a.namespace, !ns.isEmpty else {
                unlabelled += 1
                logger.warning("Alertmanager receiver: alert \(a.name) (fingerprint \(a.fingerprint)) has no namespace label; no CounterMeasure can act on it")
                continue
            }
            byNamespace[ns, default: []].append(a)
        }
        if unlabelled > 0 { received("no_namespace", unlabelled) }
        var local: [String: [AlertmanagerPayload.Alert]] = [:]
        var remote: [String: (address: String, alerts: [AlertmanagerPayload.Alert])] = [:]
        var failures: [String] = []
        for (ns, alerts) in byNamespace.sorted(by: { $0.key < $1.key }) {
            switch route(ns) {
            case .local: local[ns] = alerts
            case .remote(let member, let address):
                if let from = forwardedBy {
                    failures.append("namespace \(ns) is owned by \(member), but this request was forwarded here by \(from): the shard map is changing")
                } else {
                    remote[member, default: (address, [])].alerts += alerts
                }
            case .unavailable(let why): failures.append("namespace \(ns): \(why)")
            }
        }
        var recorded = 0
        var forwarded = 0
        await withTaskGroup(of: (Int, Int, [String]).self) { group in
            for (ns, alerts) in local {
                group.addTask {
                    do { return (try await self.record(alerts, namespace: ns), 0, []) } catch { return (0, 0, ["namespace \(ns): recording failed: \(error)"]) }
                }
            }
            for (member, batch) in remote {
                group.addTask {
                    let subset = AlertmanagerPayload(groupKey: payload.groupKey, status: payload.status, receiver: payload.receiver, alerts: batch.alerts)
                    if let failure = await self.forward(subset, to: member, at: batch.address, authorization: authorization) { return (0, 0, [failure]) }
                    return (0, batch.alerts.count, [])
                }
            }
            for await (r, f, errors) in group {
                recorded += r
                forwarded += f
                failures += errors
            }
        }
        if forwarded > 0 { received("forwarded", forwarded) }
        if !failures.isEmpty {
            received("unavailable", payload.alerts.count - unlabelled - forwarded)
            logger.warning("Alertmanager receiver: answering 503 so Alertmanager retries: \(failures.joined(separator: "; "))")
            return Answer(status: 503, body: failures.joined(separator: "\n") + "\n")
        }
        return Answer(status: 200, body: "recorded \(recorded), forwarded \(forwarded), without a namespace label \(unlabelled)\n")
    }

    /// Records `alerts` in the status of every CounterMeasure of `namespace`
    /// whose alert trigger they match; returns how many alerts matched one.
    func record(_ alerts: [AlertmanagerPayload.Alert], namespace: String) async throws -> Int {
        let now = RFC3339Time(secondsSinceEpoch: wallClockAtZero + clock.now())
        var matched = Set<String>()
        var duplicates = 0
        for object in store.list(namespace: namespace) {
            guard case .success(let cm) = object.decoded, case .alert(let trigger) = cm.spec.trigger, let name = object.metadata.name else { continue }
            let mine = alerts.filter { alert in alert.name == trigger.name && trigger.matchers.allSatisfy { $0.matches(alert.labels) } }
            guard !mine.isEmpty else { continue }
            let known = object.document[path: ["status", "pushed"]]?.objectValue ?? JSONObject()
            var entries = JSONObject()
            for a in mine {
                let p = CounterMeasureProgress.Pushed(
                    fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations, startsAt: a.startsAt, endsAt: a.endsAt,
                    resolved: a.status == .resolved, receivedAt: now)
                matched.insert(a.fingerprint + a.startsAt.text)
                // Recorded before in the same state (Alertmanager's re-sends, both members of a pair): nothing new.
                if known[p.key]?["status"]?.stringValue == (p.resolved ? "resolved" : "firing") {
                    duplicates += 1
                    continue
                }
                entries[p.key] = p.json
            }
            if entries.isEmpty { continue }
            let patch: JSON = ["status": ["pushed": .object(entries)]]
            do {
                _ = try await client.patch(CounterMeasureObject.descriptor, namespace: namespace, name: name, subresource: "status", type: .merge, body: patch.serialized())
            } catch {
                if error.isNotFound { continue }
                throw error
            }
            enqueue(ObjectKey(namespace: namespace, name: name))
        }
        if duplicates > 0 { received("duplicate", duplicates) }
        received("handled", matched.count)
        let unmatched = Set(alerts.map { $0.fingerprint + $0.startsAt.text }).subtracting(matched).count
        if unmatched > 0 { received("unmatched", unmatched) }
        return matched.count
    }

    /// Sends `payload` to the owner; nil on success, else why not.
    func forward(_ payload: AlertmanagerPayload, to member: String, at address: String, authorization: String) async -> String? {
        let started = clock.now()
        let request = HTTPRequest(
            method: "POST", url: "http://\(address)/alertmanager/webhook",
            headers: [("Content-Type", "application/json"), ("Authorization", authorization), (Self.forwardedHeader, identity)],
            body: payload.json.serialized(), timeout: .seconds(5))
        do {
            let response = try await http.execute(request)
            Timer(label: "vigil_alerts_forward_seconds", dimensions: [("shard", identity)]).recordNanoseconds(Int64((clock.now() - started) * 1e9))
            guard response.status == 200 else {
                return "forwarding \(payload.alerts.count) alert(s) to \(member) at \(address) got \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))"
            }
            return nil
        } catch {
            return "forwarding \(payload.alerts.count) alert(s) to \(member) at \(address) failed: \(error)"
        }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }
}
