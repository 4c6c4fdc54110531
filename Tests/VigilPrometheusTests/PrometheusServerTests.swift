import Foundation
import ProcessFixtures
import Testing
import VigilHTTP
import VigilRuntime

@testable import VigilPrometheus

/// `PrometheusClient` and the poller against a real Prometheus (`/usr/bin/prometheus`, the
/// Debian package), with a rule file whose alert fires at once.
@Suite struct PrometheusServerTests {
    static let binary = "/usr/bin/prometheus"

    static let rules = """
        groups:
          - name: vigil-test
            interval: 1s
            rules:
              - alert: AlwaysFiring
                expr: vector(1)
                for: 0s
                labels:
                  namespace: shop
                  severity: warning
                annotations:
                  summary: always firing
        """

    @Test func clientAgainstRealPrometheus() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary),
            "\(Self.binary) not found: install it with `apt-get install prometheus`")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.rules.write(to: dir.appendingPathComponent("rules.yml"), atomically: true, encoding: .utf8)
        let config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - \(dir.appendingPathComponent("rules.yml").path)
            """
        try config.write(to: dir.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let port = try freeLoopbackPort()
        let url = "http://127.0.0.1:\(port)"
        let process = ChildProcess(
            executable: Self.binary,
            arguments: [
                "--config.file=\(dir.appendingPathComponent("prometheus.yml").path)",
                "--storage.tsdb.path=\(dir.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
            ],
            name: "prometheus")
        try process.launch()
        defer { process.stop() }
        try await Self.waitUntilReady(url, process: process)

        let client = try PrometheusClient(source: PrometheusSource(name: "local", url: url, timeout: 5))
        defer { client.shutdown() }

        let fortyTwo = try await client.query("vector(42)")
        #expect(fortyTwo.samples.count == 1)
        #expect(fortyTwo.samples.first?.value.value == 42)
        #expect(fortyTwo.samples.first?.labels == [:])

        let inf = try await client.query("1/0")
        guard case .scalar(let v) = inf.value else {
            Issue.record("1/0 should be a scalar, got \(inf.value)")
            return
        }
        #expect(v.value == .infinity)
        #expect(v.text == "+Inf")

        do {
            _ = try await client.query("sum(rate(x[5m]")
            Issue.record("a bad expression was accepted")
        } catch {
            #expect(error.status == 400)
            #expect(error.errorType == "bad_data")
            #expect(error.description.contains("\(url)/api/v1/query?query=sum%28rate%28x%5B5m%5D"))
            #expect(!error.isSourceFailure)
        }

        do {
            _ = try await client.query("up[1m]")
            Issue.record("a range vector was accepted")
        } catch {
            #expect(error.description.contains("a range vector; use an instant vector expression"))
        }

        // The rule is evaluated every second; wait for it with a deadline.
        let deadline = ContinuousClock.now + .seconds(30)
        var firing: PrometheusAlert?
        var last: [PrometheusAlert] = []
        while firing == nil && ContinuousClock.now < deadline {
            last = try await client.alerts()
            firing = last.first { $0.name == "AlwaysFiring" && $0.state == .firing }
            if firing == nil { try await Task.sleep(for: .milliseconds(250)) }
        }
        let alert = try #require(firing, "AlwaysFiring not firing within 30 s; last alerts: \(last)")
        #expect(alert.namespace == "shop")
        #expect(alert.labels["severity"] == "warning")
        #expect(alert.annotations["summary"] == "always firing")
        #expect(alert.activeAt != nil)
        #expect(alert.value?.value == 1)

        // The poller over the real client: a namespaced alerts subscriber and a query subscriber.
        let changes = ChangeLog()
        let poller = try PrometheusPoller(sources: [PrometheusSource(name: "local", url: url, timeout: 5)], onChange: changes.callback)
        poller.register(PrometheusRegistration(id: "shop-alerts", source: "local", need: .alerts, namespace: "shop"))
        poller.register(PrometheusRegistration(id: "ops-alerts", source: "local", need: .alerts, namespace: "ops"))
        poller.register(PrometheusRegistration(id: "answer", source: "local", need: .query(expr: "vector(42)"), namespace: nil))
        await poller.pollOnce(source: "local")
        #expect(changes.take() == [["answer", "ops-alerts", "shop-alerts"]])
        #expect(poller.latest(for: "shop-alerts")?.alerts.map(\.name) == ["AlwaysFiring"])
        #expect(poller.latest(for: "ops-alerts")?.alerts == [])
        #expect(poller.latest(for: "answer")?.samples.first?.value.value == 42)
    }

    @Test func closedPortIsUnreachableNamingTheURL() async throws {
        let url = "http://127.0.0.1:\(try freeLoopbackPort())"
        let client = try PrometheusClient(source: PrometheusSource(name: "gone", url: url, timeout: 5))
        defer { client.shutdown() }
        do {
            _ = try await client.query("up")
            Issue.record("a closed port answered")
        } catch {
            guard case .unreachable(_, let kind, _) = error else {
                Issue.record("expected .unreachable, got \(error)")
                return
            }
            #expect(kind == .connect)
            #expect(error.description.contains("\(url)/api/v1/query?query=up"))
            #expect(error.description.contains("unreachable"))
            #expect(error.isSourceFailure)
        }
    }

    /// Polls `/-/ready` until 200, failing if the process exits or 30 s pass.
    static func waitUntilReady(_ url: String, process: ChildProcess) async throws {
        let http = try HTTPClient()
        defer { http.shutdown() }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw ChildProcessError(message: "prometheus exited before it was ready") }
            if let r = try? await http.execute(HTTPRequest(url: "\(url)/-/ready", timeout: .seconds(1))), r.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ChildProcessError(message: "prometheus at \(url) not ready within 30 s")
    }
}
