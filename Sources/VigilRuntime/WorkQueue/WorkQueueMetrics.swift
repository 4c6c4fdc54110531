import Metrics

/// The metrics of one named work queue, with client-go's names and a `name`
/// dimension (and `shard`, the replica, for a controller's queue): `workqueue_depth` (gauge), `workqueue_adds_total` (counter),
/// `workqueue_queue_duration_seconds` (timer, add to get),
/// `workqueue_work_duration_seconds` (timer, get to done),
/// `workqueue_retries_total` (counter, every `addAfter`/`addRateLimited`),
/// `workqueue_unfinished_work_seconds` and
/// `workqueue_longest_running_processor_seconds` (gauges, refreshed by
/// `WorkQueue.updateUnfinishedWorkMetrics()`).
struct WorkQueueMetrics: Sendable {
    let depth: Gauge
    let adds: Counter
    let queueDuration: Timer
    let workDuration: Timer
    let retries: Counter
    let unfinishedWork: Gauge
    let longestRunning: Gauge

    init(name: String, shard: String = "", factory: any MetricsFactory) {
        let dimensions = shard.isEmpty ? [("name", name)] : [("name", name), ("shard", shard)]
        depth = Gauge(label: "workqueue_depth", dimensions: dimensions, factory: factory)
        adds = Counter(label: "workqueue_adds_total", dimensions: dimensions, factory: factory)
        queueDuration = Timer(
            label: "workqueue_queue_duration_seconds", dimensions: dimensions,
            preferredDisplayUnit: .seconds, factory: factory)
        workDuration = Timer(
            label: "workqueue_work_duration_seconds", dimensions: dimensions,
            preferredDisplayUnit: .seconds, factory: factory)
        retries = Counter(label: "workqueue_retries_total", dimensions: dimensions, factory: factory)
        unfinishedWork = Gauge(label: "workqueue_unfinished_work_seconds", dimensions: dimensions, factory: factory)
        longestRunning = Gauge(
            label: "workqueue_longest_running_processor_seconds", dimensions: dimensions, factory: factory)
    }

    /// Records the seconds a key waited between add and get.
    func recordQueued(seconds: Double) { queueDuration.recordNanoseconds(Self.nanoseconds(seconds)) }

    /// Records the seconds a worker held a key between get and done.
    func recordWorked(seconds: Double) { workDuration.recordNanoseconds(Self.nanoseconds(seconds)) }

    private static func nanoseconds(_ seconds: Double) -> Int64 {
        Int64((max(0, seconds) * 1e9).rounded())
    }
}
