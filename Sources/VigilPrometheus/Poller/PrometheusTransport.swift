/// The two requests the poller makes of one source. ``PrometheusClient`` is the real one; tests
/// use a fake that counts requests and answers from a script.
public protocol PrometheusTransport: Sendable {
    func query(_ expr: String) async throws(PrometheusError) -> PrometheusQueryResult
    func alerts() async throws(PrometheusError) -> [PrometheusAlert]
}

extension PrometheusClient: PrometheusTransport {}
