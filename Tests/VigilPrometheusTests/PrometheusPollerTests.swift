import MetricsTestKit
import Testing
import VigilJSON
import VigilRuntime

@testable import VigilPrometheus

/// The shared poller, driven by `pollOnce` on a `ManualClock` with a fake transport.
@Suite struct PrometheusPollerTests {
    let source = PrometheusSource(name: "main", url: "http://fake-prometheus:9090", interval: 15, timeout: 10)

    func makePoller(_ fake: FakePrometheusTransport, _ log: ChangeLog, metrics: TestMetrics = TestMetrics(), clock: ManualClock = ManualClock()) -> PrometheusPoller {
        PrometheusPoller(
            sources: [source], transports: ["main": fake], clock: clock, wallClockAtZero: 1_700_000_000,
            maxConcurrentRequests: 4, metricsFactory: metrics, onChange: log.callback)
    }

    func sample(_ labels: [String: String], _ value: String) -> PrometheusSample {
        PrometheusSample(labels: labels, value: try! PrometheusSampleValue(timestamp: 1, text: value))
    }

    func alert(_ name: String, namespace: String?, state: PrometheusAlert.State = .firing) -> PrometheusAlert {
        var labels = ["alertname": name]
        labels["namespace"] = namespace
        return PrometheusAlert(labels: labels, state: state, activeAt: RFC3339Time("2024-05-01T10:00:00.5Z"))
    }

    @Test func thousandSubscribersTenExpressionsAndAlertsMakeElevenRequests() async throws {
        let fake = FakePrometheusTransport()
        let log = ChangeLog()
        let metrics = TestMetrics()
        let poller = makePoller(fake, log, metrics: metrics)
        for i in 0..<1000 {
            let need: PrometheusRegistration.Need = i % 11 == 10 ? .alerts : .query(expr: "expr_\(i % 11)")
            poller.register(PrometheusRegistration(id: "CounterMeasure/ns\(i % 50)/r\(i)", source: "main", need: need, namespace: "ns\(i % 50)"))
        }
        #expect(try metrics.expectGauge("vigil_prometheus_expressions", [("source", "main")]).lastValue == 10)

        await poller.pollOnce(source: "main")
        #expect(fake.totalRequests == 11)
        #expect(fake.state.withLock { $0.alertCalls } == 1)
        #expect(fake.state.withLock { $0.queryCalls.values.allSatisfy { $0 == 1 } && $0.queryCalls.count == 10 })
        #expect(fake.maxConcurrent <= 4)
        // First data: every subscriber is told once.
        #expect(log.take().flatMap { $0 }.count == 1000)

        await poller.pollOnce(source: "main")
        #expect(fake.totalRequests == 22)
        // Nothing changed: no one is told.
        #expect(log.take().flatMap { $0 }.count == 0)
        #expect(try metrics.expectCounter("vigil_prometheus_requests_total", [("source", "main"), ("endpoint", "query"), ("code", "200")]).totalValue == 20)
        #expect(try metrics.expectCounter("vigil_prometheus_requests_total", [("source", "main"), ("endpoint", "alerts"), ("code", "200")]).totalValue == 2)
        #expect(try metrics.expectTimer("vigil_prometheus_query_seconds", [("source", "main"), ("endpoint", "query")]).values.count == 20)

        // Unregistering every subscriber of one expression removes it from the next poll.
        for i in stride(from: 0, to: 1000, by: 11) { poller.unregister(id: "CounterMeasure/ns\(i % 50)/r\(i)") }
        #expect(try metrics.expectGauge("vigil_prometheus_expressions", [("source", "main")]).lastValue == 9)
        await poller.pollOnce(source: "main")
        #expect(fake.totalRequests == 32)
        #expect(fake.state.withLock { $0.queryCalls["expr_0"] } == 2)
    }

    @Test func seriesArePartitionedByNamespaceAndOwnership() async throws {
        let fake = FakePrometheusTransport()
        let log = ChangeLog()
        let metrics = TestMetrics()
        let poller = makePoller(fake, log, metrics: metrics)
        fake.setVector("mem", [
            sample(["namespace": "shop", "pod": "a"], "1"),
            sample(["namespace": "shop", "pod": "b"], "2"),
            sample(["namespace": "ops", "pod": "c"], "3"),
            sample(["namespace": "other", "pod": "d"], "4"),
            sample(["pod": "node-exporter"], "5"),
        ])
        fake.setAlerts([alert("A", namespace: "shop"), alert("B", namespace: "other"), alert("C", namespace: nil)])
        poller.setOwned { $0 != "other" }
        poller.register(PrometheusRegistration(id: "shop-mem", source: "main", need: .query(expr: "mem"), namespace: "shop"))
        poller.register(PrometheusRegistration(id: "ops-mem", source: "main", need: .query(expr: "mem"), namespace: "ops"))
        poller.register(PrometheusRegistration(id: "other-mem", source: "main", need: .query(expr: "mem"), namespace: "other"))
        poller.register(PrometheusRegistration(id: "shop-alerts", source: "main", need: .alerts, namespace: "shop"))
        poller.register(PrometheusRegistration(id: "all-alerts", source: "main", need: .alerts, namespace: nil))

        await poller.pollOnce(source: "main")
        #expect(poller.latest(for: "shop-mem")?.samples.map { $0.labels["pod"] } == ["a", "b"])
        #expect(poller.latest(for: "ops-mem")?.samples.map { $0.labels["pod"] } == ["c"])
        #expect(poller.latest(for: "other-mem")?.samples == [])
        #expect(poller.latest(for: "shop-alerts")?.alerts.map(\.name) == ["A"])
        // Cluster-wide (a resource the cluster lets act across namespaces): every namespace, owned
        // or not, plus the unlabelled alert.
        #expect(poller.latest(for: "all-alerts")?.alerts.map(\.name).sorted() == ["A", "B", "C"])
        #expect(poller.latest(for: "shop-mem")?.reachability == .reachable)
        #expect(poller.latest(for: "shop-mem")?.fetchedAtWall.secondsSinceEpoch == 1_700_000_000)

        let notOwned = try metrics.expectCounter("vigil_prometheus_series_dropped_total", [("source", "main"), ("reason", "not_owned")])
        let noNamespace = try metrics.expectCounter("vigil_prometheus_series_dropped_total", [("source", "main"), ("reason", "no_namespace")])
        #expect(notOwned.totalValue == 2)  // sample d, alert B
        #expect(noNamespace.totalValue == 1)  // the node-exporter sample: "mem" has no cluster-wide subscriber

        // Ownership moves: "shop" is handed off, so its subscriber sees nothing and is told.
        _ = log.take()
        poller.setOwned { $0 == "ops" }
        await poller.pollOnce(source: "main")
        #expect(poller.latest(for: "shop-mem")?.samples == [])
        // The cluster-wide subscriber's data does not depend on ownership: not told.
        #expect(log.take() == [["shop-alerts", "shop-mem"]])
    }

    @Test func onlyChangedSubscribersAreNotified() async throws {
        let fake = FakePrometheusTransport()
        let log = ChangeLog()
        let poller = makePoller(fake, log)
        fake.setVector("mem", [sample(["namespace": "shop"], "1"), sample(["namespace": "ops"], "1")])
        fake.setAlerts([alert("A", namespace: "shop", state: .pending)])
        poller.register(PrometheusRegistration(id: "shop", source: "main", need: .query(expr: "mem"), namespace: "shop"))
        poller.register(PrometheusRegistration(id: "ops", source: "main", need: .query(expr: "mem"), namespace: "ops"))
        poller.register(PrometheusRegistration(id: "alerts", source: "main", need: .alerts, namespace: "shop"))
        await poller.pollOnce(source: "main")
        #expect(log.take() == [["alerts", "ops", "shop"]])

        // Only shop's value moves; a new evaluation timestamp alone is not a change.
        fake.setVector("mem", [
            PrometheusSample(labels: ["namespace": "shop"], value: try PrometheusSampleValue(timestamp: 99, text: "2")),
            PrometheusSample(labels: ["namespace": "ops"], value: try PrometheusSampleValue(timestamp: 99, text: "1")),
        ])
        await poller.pollOnce(source: "main")
        #expect(log.take() == [["shop"]])
        #expect(poller.latest(for: "shop")?.samples.first?.value.value == 2)

        // The alert goes from pending to firing.
        fake.setAlerts([alert("A", namespace: "shop", state: .firing)])
        await poller.pollOnce(source: "main")
        #expect(log.take() == [["alerts"]])
        await poller.pollOnce(source: "main")
        #expect(log.take().isEmpty)

        // A new subscriber gets first data at the next poll; the others stay quiet.
        poller.register(PrometheusRegistration(id: "shop-2", source: "main", need: .query(expr: "mem"), namespace: "shop"))
        #expect(poller.latest(for: "shop-2") == nil)
        await poller.pollOnce(source: "main")
        #expect(log.take() == [["shop-2"]])
    }

    @Test func unreachableSourceBacksOffHidesDataAndRecoveryNotifiesAll() async throws {
        let fake = FakePrometheusTransport()
        let log = ChangeLog()
        let metrics = TestMetrics()
        let clock = ManualClock()
        let poller = makePoller(fake, log, metrics: metrics, clock: clock)
        fake.setVector("mem", [sample(["namespace": "shop"], "1")])
        poller.register(PrometheusRegistration(id: "a", source: "main", need: .query(expr: "mem"), namespace: "shop"))
        poller.register(PrometheusRegistration(id: "b", source: "main", need: .alerts, namespace: nil))
        await poller.pollOnce(source: "main")
        _ = log.take()
        #expect(poller.nextDelay(source: "main") == 15)

        fake.setOutage(true)
        clock.advance(by: 15)
        await poller.pollOnce(source: "main")
        #expect(log.take() == [["a", "b"]])
        let view = try #require(poller.latest(for: "a"))
        guard case .unreachable(let error, let since) = view.reachability else {
            Issue.record("expected unreachable, got \(view.reachability)")
            return
        }
        #expect(error.contains("Connection refused") && error.contains("http://fake-prometheus:9090"))
        #expect(since == 1_700_000_015)
        // The last good data is not presented as current.
        #expect(view.content == .unavailable)
        #expect(view.samples.isEmpty)
        #expect(try metrics.expectCounter("vigil_prometheus_requests_total", [("source", "main"), ("endpoint", "query"), ("code", "error")]).totalValue == 1)

        // Backoff doubles up to 8 × interval; still unreachable is not news.
        var delays: [Double] = [poller.nextDelay(source: "main")!]
        for _ in 0..<4 {
            clock.advance(by: delays.last!)
            await poller.pollOnce(source: "main")
            delays.append(poller.nextDelay(source: "main")!)
        }
        #expect(delays == [30, 60, 120, 120, 120])
        #expect(log.take().isEmpty)
        if case .unreachable(_, let sinceLater) = poller.latest(for: "a")?.reachability {
            #expect(sinceLater == since)
        } else {
            Issue.record("expected unreachable")
        }

        // Recovery: everyone is told, the data is current again, the interval is back.
        fake.setOutage(false)
        await poller.pollOnce(source: "main")
        #expect(log.take() == [["a", "b"]])
        #expect(poller.latest(for: "a")?.reachability == .reachable)
        #expect(poller.latest(for: "a")?.samples.count == 1)
        #expect(poller.nextDelay(source: "main") == 15)
    }

    @Test func aServerErrorWithoutAPIBodyCountsAsUnreachable() async throws {
        let fake = FakePrometheusTransport()
        let log = ChangeLog()
        let metrics = TestMetrics()
        let poller = makePoller(fake, log, metrics: metrics)
        fake.setResult("up", .failure(.http(url: "http://fake-prometheus:9090/api/v1/query?query=up", status: 502, errorType: nil, error: "Bad Gateway")))
        poller.register(PrometheusRegistration(id: "a", source: "main", need: .query(expr: "up"), namespace: nil))
        await poller.pollOnce(source: "main")
        #expect(poller.latest(for: "a")?.reachability.isReachable == false)
        #expect(poller.nextDelay(source: "main") == 30)
        #expect(try metrics.expectCounter("vigil_prometheus_requests_total", [("source", "main"), ("endpoint", "query"), ("code", "502")]).totalValue == 1)
    }

    @Test func aBadExpressionFailsOnlyItsSubscribers() async throws {
        let fake = FakePrometheusTransport()
        let log = ChangeLog()
        let metrics = TestMetrics()
        let poller = makePoller(fake, log, metrics: metrics)
        let bad = PrometheusError.http(
            url: "http://fake-prometheus:9090/api/v1/query?query=rate%28x%29", status: 400, errorType: "bad_data",
            error: "invalid parameter \"query\": 1:6: parse error: ranges only allowed for vector selectors")
        fake.setResult("rate(x)", .failure(bad))
        fake.setVector("up", [sample(["namespace": "shop"], "1")])
        poller.register(PrometheusRegistration(id: "bad-1", source: "main", need: .query(expr: "rate(x)"), namespace: "shop"))
        poller.register(PrometheusRegistration(id: "bad-2", source: "main", need: .query(expr: "rate(x)"), namespace: nil))
        poller.register(PrometheusRegistration(id: "good", source: "main", need: .query(expr: "up"), namespace: "shop"))
        await poller.pollOnce(source: "main")
        #expect(poller.latest(for: "bad-1")?.error == bad)
        #expect(poller.latest(for: "bad-2")?.error == bad)
        #expect(poller.latest(for: "bad-1")?.reachability == .reachable)
        #expect(poller.latest(for: "good")?.error == nil)
        #expect(poller.latest(for: "good")?.samples.count == 1)
        #expect(poller.nextDelay(source: "main") == 15)  // no backoff for one bad expression
        #expect(try metrics.expectCounter("vigil_prometheus_requests_total", [("source", "main"), ("endpoint", "query"), ("code", "400")]).totalValue == 1)

        // The same failure again is not news.
        _ = log.take()
        await poller.pollOnce(source: "main")
        #expect(log.take().isEmpty)
    }

    @Test func warningsReachSubscribersAndUnknownSourcesSaySo() async throws {
        let fake = FakePrometheusTransport()
        let log = ChangeLog()
        let poller = makePoller(fake, log)
        fake.setResult("x", .success(PrometheusQueryResult(value: .scalar(try PrometheusSampleValue(timestamp: 1, text: "+Inf")), warnings: ["w1"], infos: ["i1"])))
        poller.register(PrometheusRegistration(id: "all", source: "main", need: .query(expr: "x"), namespace: nil))
        poller.register(PrometheusRegistration(id: "ns", source: "main", need: .query(expr: "x"), namespace: "shop"))
        poller.register(PrometheusRegistration(id: "lost", source: "missing", need: .alerts, namespace: nil))
        await poller.pollOnce(source: "main")
        let all = try #require(poller.latest(for: "all"))
        #expect(all.warnings == ["w1", "i1"])
        guard case .scalar(let v) = all.content else {
            Issue.record("expected a scalar, got \(all.content)")
            return
        }
        #expect(v.value == .infinity)
        #expect(poller.latest(for: "ns")?.content == .samples([]))
        guard case .unreachable(let error, _) = poller.latest(for: "lost")?.reachability else {
            Issue.record("expected unreachable for an unknown source")
            return
        }
        #expect(error.contains("no Prometheus source named 'missing'") && error.contains("main"))
    }

    @Test func runPollsOnTheClockAndStopsOnCancellation() async throws {
        let fake = FakePrometheusTransport()
        let log = ChangeLog()
        let clock = ManualClock()
        let poller = makePoller(fake, log, clock: clock)
        poller.register(PrometheusRegistration(id: "a", source: "main", need: .query(expr: "up"), namespace: nil))
        let task = Task { await poller.run() }
        try await waitFor { clock.sleeperCount == 1 }
        #expect(fake.totalRequests == 1)
        clock.advance(by: 14.9)
        #expect(fake.totalRequests == 1)
        clock.advance(by: 0.1)
        try await waitFor { fake.totalRequests == 2 && clock.sleeperCount == 1 }
        task.cancel()
        await task.value
        #expect(fake.totalRequests == 2)
    }

    /// Waits (yielding, bounded by wall time) until `condition` holds; fails the test if it never does.
    /// The bound is generous: the whole suite runs in parallel on two shared cores (a fresh CI run
    /// once took more than 5 s to schedule the poller's first poll); a hang still fails.
    func waitFor(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not reached within 30 s", sourceLocation: sourceLocation)
                return
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}
