import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import VigilJSON

/// The HA runs' receiver: an HTTP server on loopback that records every
/// `POST /work` and `POST /effect` with its arrival time on the run's clock
/// (it deduplicates nothing: `TimelineAnalysis` does, on the key).
/// `GET /stats` answers counts as JSON.
public final class Receiver: Sendable {
    public let port: Int
    let start: ContinuousClock.Instant
    let timeline = Mutex(Timeline())
    /// `POST /webhook` deliveries: arrival time and `webhook-id`.
    let webhooks = Mutex<[(at: Double, id: String)]>([])

    public init(port: Int, start: ContinuousClock.Instant = .now) {
        self.port = port
        self.start = start
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Seconds since the run started.
    public func now() -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    public var snapshot: Timeline { timeline.withLock { $0 } }

    /// Records that `replica` can do nothing any more (killed and reaped).
    public func markStopped(_ replica: String, at: Double? = nil) {
        let t = at ?? now()
        timeline.withLock { $0.stoppedAt[replica] = t }
    }

    /// The first `begin` on each namespace in `namespaces` by a replica other
    /// than `excluding`, at or after `after`.
    public func firstBegins(of namespaces: Set<String>, excluding: String, after: Double) -> [String: Double] {
        timeline.withLock { t in
            var out: [String: Double] = [:]
            for w in t.work where w.begin && w.at >= after && w.replica != excluding && namespaces.contains(w.namespace) {
                if out[w.namespace] == nil { out[w.namespace] = w.at }
            }
            return out
        }
    }

    /// Webhook deliveries so far (raw) and distinct ids, with arrival times.
    public var webhookDeliveries: [(at: Double, id: String)] { webhooks.withLock { $0 } }

    /// Distinct effect keys delivered per namespace.
    public func deliveredCount(namespace: String) -> Int {
        timeline.withLock { t in Set(t.deliveries.filter { $0.namespace == namespace }.map(\.key)).count }
    }

    func record(path: String, body: JSON) -> Bool {
        let at = now()
        guard let namespace = body["namespace"]?.stringValue, let replica = body["replica"]?.stringValue else { return false }
        switch path {
        case "/work":
            let phase = body["phase"]?.stringValue
            guard phase == "begin" || phase == "end" else { return false }
            let epoch = Int(body["epoch"]?.intValue ?? 0)
            timeline.withLock { $0.work.append(Timeline.Work(at: at, replica: replica, namespace: namespace, begin: phase == "begin", epoch: epoch)) }
        case "/effect":
            guard let key = body["key"]?.stringValue, let index = body["index"]?.intValue else { return false }
            timeline.withLock { $0.deliveries.append(Timeline.Delivery(at: at, key: key, namespace: namespace, index: Int(index), replica: replica)) }
        default:
            return false
        }
        return true
    }

    /// Serves until the calling task is cancelled.
    public func run() async throws {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { [self] request, _ in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            guard let body = try? JSON.parse(Array(buffer.readableBytesView)), record(path: request.uri.path, body: body) else {
                return Response(status: .badRequest)
            }
            return Response(status: .noContent)
        }
        router.post("/webhook") { [self] request, _ in
            let id = request.headers[HTTPField.Name("webhook-id")!] ?? ""
            let at = now()
            _ = try await request.body.collect(upTo: 1 << 20)
            webhooks.withLock { $0.append((at, id)) }
            return Response(status: .noContent)
        }
        router.post("/work", use: handler)
        router.post("/effect", use: handler)
        router.get("/stats") { [self] _, _ in
            let t = snapshot
            let body: JSON = ["work": .int(Int64(t.work.count)), "deliveries": .int(Int64(t.deliveries.count))]
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body.serialized())))
        }
        var logger = Logger(label: "receiver")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        try await app.runService()
    }
}
