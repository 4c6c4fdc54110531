import Hummingbird
import Logging
import NIOCore
import Prometheus
import VigilJSON

/// The replica's HTTP endpoints (docs/architecture.md, "The process"):
/// `/metrics` (Prometheus text format from `registry`), `/healthz` (the
/// process serves), `/readyz` (200 once the replica takes part, else 503 with
/// the reasons), `/shards` (the shard map and the owned namespaces as JSON).
/// `routes` adds more (the controllers' own endpoints).
public enum StatusServer {
    public static func application(
        replica: Replica, registry: PrometheusCollectorRegistry, host: String, port: Int, logger: Logger,
        routes: (Router<BasicRequestContext>) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/healthz") { _, _ in
            text("ok\n", .ok)
        }
        router.get("/readyz") { _, _ in
            let reasons = replica.readiness()
            return reasons.isEmpty ? text("ready\n", .ok) : text("not ready: " + reasons.joined(separator: "; ") + "\n", .serviceUnavailable)
        }
        router.get("/shards") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: replica.shardsJSON().serialized())))
        }
        routes(router)
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil), logger: logger)
    }

    static func text(_ s: String, _ status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: s)))
    }
}
