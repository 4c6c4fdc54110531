import CoreMetrics

/// The swift-metrics instruments of one informer, dimensioned by resource.
struct InformerMetrics: Sendable {
    let watchRestarts: Counter
    let relists: Counter
    let errors: Counter
    let added: Counter
    let modified: Counter
    let deleted: Counter
    let bookmarks: Counter
    let storeSize: Gauge

    init(resource: String, factory: any MetricsFactory) {
        let dims = [("resource", resource)]
        watchRestarts = Counter(label: "vigil_informer_watch_restarts_total", dimensions: dims, factory: factory)
        relists = Counter(label: "vigil_informer_relists_total", dimensions: dims, factory: factory)
        errors = Counter(label: "vigil_informer_errors_total", dimensions: dims, factory: factory)
        added = Counter(label: "vigil_informer_events_total", dimensions: dims + [("type", "added")], factory: factory)
        modified = Counter(label: "vigil_informer_events_total", dimensions: dims + [("type", "modified")], factory: factory)
        deleted = Counter(label: "vigil_informer_events_total", dimensions: dims + [("type", "deleted")], factory: factory)
        bookmarks = Counter(label: "vigil_informer_events_total", dimensions: dims + [("type", "bookmark")], factory: factory)
        storeSize = Gauge(label: "vigil_informer_store_objects", dimensions: dims, factory: factory)
    }
}
