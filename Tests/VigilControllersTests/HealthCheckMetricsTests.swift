import MetricsTestKit
import Testing
import VigilJSON

@testable import VigilControllers

/// HealthCheck metrics per check, recorded into `TestMetrics`: runs by
/// result, durations, Job metrics that come and go, remedies, and every
/// series of a deleted check removed.
@Suite struct HealthCheckMetricsTests {
    let dims = [("namespace", "shop"), ("healthcheck", "checkout")]

    func record(_ result: HealthCheckProgress.Result, metrics: [String: Double] = [:]) -> HealthCheckProgress.Record {
        var r = HealthCheckProgress.Record(
            number: 1, scheduledAt: RFC3339Time(secondsSinceEpoch: 0), result: result, message: "m", durationSeconds: 0.25)
        r.metrics = metrics
        return r
    }

    @Test func runsDurationsJobMetricsAndRemediesThenAllGoneWhenTheCheckIs() throws {
        let test = TestMetrics()
        let m = HealthCheckMetrics(factory: test)
        m.recorded(record(.succeeded, metrics: ["records": 3, "lookup_seconds": 0.5]), namespace: "shop", name: "checkout")
        m.recorded(record(.failed, metrics: ["records": 0]), namespace: "shop", name: "checkout")
        m.recorded(record(.unknown), namespace: "shop", name: "checkout")
        m.remedy(result: "succeeded", namespace: "shop", name: "checkout")
        #expect(try test.expectCounter("vigil_healthcheck_runs_total", dims + [("result", "succeeded")]).totalValue == 1)
        #expect(try test.expectCounter("vigil_healthcheck_runs_total", dims + [("result", "failed")]).totalValue == 1)
        #expect(try test.expectCounter("vigil_healthcheck_runs_total", dims + [("result", "unknown")]).totalValue == 1)
        #expect(try test.expectTimer("vigil_healthcheck_duration_seconds", dims).values.count == 2, "an Unknown run has no duration")
        #expect(try test.expectGauge("vigil_healthcheck_job_metric", dims + [("metric", "records")]).lastValue == 0)
        #expect(throws: (any Error).self, "a metric the Job stopped printing goes away") {
            try test.expectGauge("vigil_healthcheck_job_metric", dims + [("metric", "lookup_seconds")])
        }
        #expect(try test.expectCounter("vigil_healthcheck_remedies_total", dims + [("result", "succeeded")]).totalValue == 1)

        m.forget(namespace: "shop", name: "checkout")
        #expect(throws: (any Error).self) { try test.expectCounter("vigil_healthcheck_runs_total", dims + [("result", "succeeded")]) }
        #expect(throws: (any Error).self) { try test.expectCounter("vigil_healthcheck_runs_total", dims + [("result", "failed")]) }
        #expect(throws: (any Error).self) { try test.expectTimer("vigil_healthcheck_duration_seconds", dims) }
        #expect(throws: (any Error).self) { try test.expectGauge("vigil_healthcheck_job_metric", dims + [("metric", "records")]) }
        #expect(throws: (any Error).self) { try test.expectCounter("vigil_healthcheck_remedies_total", dims + [("result", "succeeded")]) }
    }
}
