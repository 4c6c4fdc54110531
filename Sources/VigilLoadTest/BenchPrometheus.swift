import Foundation
import ProcessFixtures
import VigilHTTP

/// A real Prometheus for the benchmarks that read it (bench-ctm, bench-msc),
/// and the counters they read: Prometheus' own count of API requests and the
/// replicas' `vigil_api_requests_total`.
enum BenchPrometheus {
    /// Starts `binary` on `port` with `config` (a prometheus.yml) written to
    /// `directory`, which also holds its data. Rule files named in `config`
    /// must be absolute paths.
    static func start(binary: String, directory: String, port: Int, config: String) throws -> ChildProcess {
        let d = URL(fileURLWithPath: directory).standardizedFileURL.path
        try config.write(toFile: d + "/prometheus.yml", atomically: true, encoding: .utf8)
        let p = ChildProcess(
            executable: binary,
            arguments: ["--config.file=\(d)/prometheus.yml", "--storage.tsdb.path=\(d)/prometheus-data", "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"],
            name: "prometheus")
        try p.launch()
        return p
    }

    /// Prometheus' count of requests to /api/v1/query and /api/v1/alerts.
    static func requests(_ http: HTTPClient, _ url: String) async throws -> (query: Double, alerts: Double, total: Double) {
        let text = String(decoding: try await http.execute(HTTPRequest(url: url + "/metrics")).body, as: UTF8.self)
        var q = 0.0
        var a = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix("prometheus_http_requests_total{") {
            let v = Double(line.split(separator: " ").last ?? "") ?? 0
            if line.contains("handler=\"/api/v1/query\"") { q += v }
            if line.contains("handler=\"/api/v1/alerts\"") { a += v }
        }
        return (q, a, q + a)
    }

    /// Every replica's `vigil_api_requests_total`, summed.
    static func vigilAPIRequests(_ http: HTTPClient, _ processes: [ReplicaProcess]) async throws -> Double {
        var total = 0.0
        for p in processes where p.isRunning {
            let text = (try? await http.execute(HTTPRequest(url: "http://127.0.0.1:\(p.port)/metrics"))).map { String(decoding: $0.body, as: UTF8.self) } ?? ""
            total += text.split(separator: "\n").filter { $0.hasPrefix("vigil_api_requests_total{") }.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        }
        return total
    }
}
