/// Whether a source is answering, and how long to wait before polling it again. Pure: the
/// poller records each poll's result and asks for the delay.
///
/// While the source answers, polls are `interval` apart. After `n` failed polls in a row the
/// delay is `interval × 2^n`, capped at `max(interval, min(8 × interval, 300 s))`; one success
/// resets it.
public struct PrometheusSourceHealth: Sendable, Hashable {
    public let interval: Double
    /// Failed polls in a row.
    public private(set) var failures = 0
    /// Wall-clock Unix seconds of the first failure in the current run of failures.
    public private(set) var unreachableSince: Double?
    /// The last failure's description.
    public private(set) var lastError: String?

    public init(interval: Double) {
        self.interval = interval
    }

    public var reachability: PrometheusReachability {
        guard let since = unreachableSince, let lastError else { return .reachable }
        return .unreachable(error: lastError, since: since)
    }

    public mutating func recordSuccess() {
        failures = 0
        unreachableSince = nil
        lastError = nil
    }

    public mutating func recordFailure(_ error: String, wallTime: Double) {
        failures += 1
        if unreachableSince == nil { unreachableSince = wallTime }
        lastError = error
    }

    /// The longest delay between polls of a failing source.
    public var maximumDelay: Double { max(interval, min(8 * interval, 300)) }

    /// Seconds from the start of the last poll to the next.
    public var nextDelay: Double {
        guard failures > 0 else { return interval }
        let exponent = min(failures, 30)
        return min(interval * Double(1 << exponent), maximumDelay)
    }
}
