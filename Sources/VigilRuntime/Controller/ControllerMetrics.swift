import Metrics

/// The metrics of one controller, with `controller` and `shard` dimensions
/// (controller-runtime's names, under `controller_`):
/// `controller_reconcile_duration_seconds` (timer, one record per reconcile),
/// `controller_reconcile_errors_total` (counter, reconciles that threw),
/// `controller_reconcile_total` (counter with an `outcome` dimension:
/// `done`, `requeue`, `error`, or `dropped` for keys skipped because their
/// namespace is not owned). The work queue's own metrics carry the
/// controller's name as their `name`.
struct ControllerMetrics: Sendable {
    let duration: Timer
    let errors: Counter
    let done: Counter
    let requeue: Counter
    let error: Counter
    let dropped: Counter

    init(controller: String, shard: String, factory: any MetricsFactory) {
        let dimensions = [("controller", controller), ("shard", shard)]
        duration = Timer(
            label: "controller_reconcile_duration_seconds", dimensions: dimensions,
            preferredDisplayUnit: .seconds, factory: factory)
        errors = Counter(label: "controller_reconcile_errors_total", dimensions: dimensions, factory: factory)
        func total(_ outcome: String) -> Counter {
            Counter(label: "controller_reconcile_total", dimensions: dimensions + [("outcome", outcome)], factory: factory)
        }
        done = total("done")
        requeue = total("requeue")
        error = total("error")
        dropped = total("dropped")
    }

    func recordDuration(seconds: Double) {
        duration.recordNanoseconds(Int64((max(0, seconds) * 1e9).rounded()))
    }
}
