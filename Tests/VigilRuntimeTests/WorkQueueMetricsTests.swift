import MetricsTestKit
import Testing

@testable import VigilRuntime

/// The work queue's metrics, recorded into `TestMetrics`.
@Suite struct WorkQueueMetricsTests {
    let dims = [("name", "pods")]

    @Test func recordsDepthAddsLatencyDurationAndRetries() async throws {
        let metrics = TestMetrics()
        let clock = ManualClock()
        let q = WorkQueue<String>(name: "pods", clock: clock, metricsFactory: metrics)

        q.add("a")
        q.add("a")  // collapsed: not an add
        q.add("b")
        #expect(try metrics.expectCounter("workqueue_adds_total", dims).totalValue == 2)
        #expect(try metrics.expectGauge("workqueue_depth", dims).lastValue == 2)

        clock.advance(by: 2)
        #expect(await q.get() == "a")
        #expect(try metrics.expectGauge("workqueue_depth", dims).lastValue == 1)
        let queued = try metrics.expectTimer("workqueue_queue_duration_seconds", dims)
        #expect(queued.lastValue == 2_000_000_000)

        clock.advance(by: 3)
        q.updateUnfinishedWorkMetrics()
        #expect(try metrics.expectGauge("workqueue_unfinished_work_seconds", dims).lastValue == 3)
        #expect(try metrics.expectGauge("workqueue_longest_running_processor_seconds", dims).lastValue == 3)

        q.done("a")
        #expect(try metrics.expectTimer("workqueue_work_duration_seconds", dims).lastValue == 3_000_000_000)

        q.addRateLimited("a")
        q.addAfter("c", seconds: 1)
        #expect(try metrics.expectCounter("workqueue_retries_total", dims).totalValue == 2)
        clock.advance(by: 1)
        _ = await q.get()  // "b"
        _ = await q.get()  // "a" or "c", promoted by the clock
        #expect(try metrics.expectCounter("workqueue_adds_total", dims).totalValue == 4)
        #expect(try metrics.expectTimer("workqueue_queue_duration_seconds", dims).values.count == 3)
    }
}
