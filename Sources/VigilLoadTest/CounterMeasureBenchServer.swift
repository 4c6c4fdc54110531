import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import VigilJSON

/// The other side of `bench-ctm`: serves `/metrics` for Prometheus to scrape
/// (one `bench_load{namespace, group}` series per namespace, 0 until `fire`
/// sets it to 1) and takes the CounterMeasures' webhooks at `/webhook`,
/// recording when each namespace's first one arrived (wall clock) and how
/// many arrived in all.
public final class CounterMeasureBenchServer: Sendable {
    public let port: Int
    let series: [(namespace: String, group: String)]
    let firedAt = Mutex<Double?>(nil)
    let arrivals = Mutex<(first: [String: Double], ids: Set<String>, raw: Int, byPod: [String: (first: Double, count: Int)])>(([:], [], 0, [:]))

    public init(port: Int, series: [(namespace: String, group: String)]) {
        self.port = port
        self.series = series
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// From now on every series is 1 (above the threshold); returns the wall-clock instant.
    @discardableResult
    public func fire() -> Double {
        let now = Date().timeIntervalSince1970
        firedAt.withLock { $0 = now }
        return now
    }

    /// The first webhook per namespace, distinct webhook-ids, all deliveries, and per `pod`
    /// label (when the payload's `labels` has one) the first arrival and how many arrived.
    public var received: (first: [String: Double], unique: Int, raw: Int, byPod: [String: (first: Double, count: Int)]) {
        arrivals.withLock { ($0.first, $0.ids.count, $0.raw, $0.byPod) }
    }

    func exposition() -> String {
        let value = firedAt.withLock { $0 } == nil ? "0" : "1"
        var out = "# HELP bench_load Synthetic load per namespace for bench-ctm.\n# TYPE bench_load gauge\n"
        out.reserveCapacity(series.count * 64)
        for s in series { out += "bench_load{namespace=\"\(s.namespace)\",group=\"\(s.group)\"} \(value)\n" }
        return out
    }

    public func run() async throws {
        let router = Router()
        router.get("/metrics") { [self] _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: exposition())))
        }
        router.post("/webhook") { [self] request, _ in
            let at = Date().timeIntervalSince1970
            let id = request.headers[HTTPField.Name("webhook-id")!] ?? ""
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let body = try? JSON.parse(Array(buffer.readableBytesView))
            let namespace = body?[path: ["resource", "namespace"]]?.stringValue ?? ""
            let pod = body?[path: ["labels", "pod"]]?.stringValue
            arrivals.withLock { a in
                a.raw += 1
                a.ids.insert(id)
                if a.first[namespace] == nil { a.first[namespace] = at }
                if let pod { a.byPod[pod] = (a.byPod[pod]?.first ?? at, (a.byPod[pod]?.count ?? 0) + 1) }
            }
            return Response(status: .ok)
        }
        var logger = Logger(label: "bench-ctm-server")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        try await app.runService()
    }
}
