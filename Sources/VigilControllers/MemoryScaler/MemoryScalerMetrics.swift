import Metrics

/// `vigil_memoryscaler_resizes_total{mode, result}`: MemoryScaler steps by
/// how they went (`InPlace`, `Owner`) and how they ended (`applied`,
/// `dry_run`, `failed`). Per replica, so per shard; no namespace label, so
/// the series stay few however many pods are stepped.
final class MemoryScalerMetrics: Sendable {
    let factory: any MetricsFactory

    init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory ?? MetricsSystem.factory
    }

    func step(mode: String, result: String) {
        Counter(label: "vigil_memoryscaler_resizes_total", dimensions: [("mode", mode), ("result", result)], factory: factory).increment()
    }
}
