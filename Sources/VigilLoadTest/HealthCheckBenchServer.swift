import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import VigilJSON

/// The other side of `bench-hc`: the endpoint every benchmark HealthCheck
/// probes (`GET /check`, always 200). It records each request's arrival
/// (wall clock) with the headers Vigil sends: `Vigil-HealthCheck`
/// (namespace/name), `Vigil-Run` and `Vigil-Scheduled-At`.
public final class HealthCheckBenchServer: Sendable {
    public struct Arrival: Sendable {
        public var check: String
        public var run: Int
        public var slot: Double
        public var at: Double
    }

    public let port: Int
    let log = Mutex<[Arrival]>([])
    let malformed = Mutex<Int>(0)

    public init(port: Int) { self.port = port }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Every request so far, and how many lacked Vigil's headers.
    public var arrivals: (all: [Arrival], malformed: Int) { (log.withLock { $0 }, malformed.withLock { $0 }) }

    public func run() async throws {
        let router = Router()
        router.get("/check") { [self] request, _ in
            let at = Date().timeIntervalSince1970
            let h = request.headers
            if let check = h[HTTPField.Name("Vigil-HealthCheck")!], let run = h[HTTPField.Name("Vigil-Run")!].flatMap({ Int($0) }),
                let slot = h[HTTPField.Name("Vigil-Scheduled-At")!].flatMap(RFC3339Time.init)
            {
                log.withLock { $0.append(Arrival(check: check, run: run, slot: slot.secondsSinceEpoch, at: at)) }
            } else {
                malformed.withLock { $0 += 1 }
            }
            return Response(status: .ok)
        }
        var logger = Logger(label: "bench-hc-server")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), backlog: 4096), logger: logger)
        try await app.runService()
    }
}
