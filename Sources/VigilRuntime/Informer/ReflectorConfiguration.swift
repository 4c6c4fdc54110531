/// How a reflector lists, watches and backs off. The defaults follow
/// client-go: pages of 500, watch timeouts drawn from 5–10 minutes, and an
/// error backoff from 0.8 s doubling to 30 s with up to 100 % jitter.
public struct ReflectorConfiguration: Sendable, Hashable {
    /// `limit` of every list page.
    public var pageSize: Int
    /// The range `timeoutSeconds` of each watch is drawn from, so a fleet of
    /// informers does not re-watch in lock-step.
    public var watchTimeoutSeconds: ClosedRange<Int>
    /// The first backoff after an error (seconds).
    public var initialBackoff: Double
    /// The cap the backoff doubles up to (seconds, before jitter).
    public var maxBackoff: Double
    /// Each sleep is `backoff × (1 + jitter × r)`, `r` uniform in `0..<1`.
    public var jitter: Double
    /// A watch that ends within this many seconds without delivering a single
    /// event counts as a failure (backoff), so a server that closes watches at
    /// once is not hammered.
    public var shortWatchSeconds: Double

    public init(
        pageSize: Int = 500, watchTimeoutSeconds: ClosedRange<Int> = 300...600, initialBackoff: Double = 0.8,
        maxBackoff: Double = 30, jitter: Double = 1.0, shortWatchSeconds: Double = 1.0
    ) {
        precondition(pageSize > 0, "ReflectorConfiguration.pageSize must be positive, got \(pageSize)")
        precondition(watchTimeoutSeconds.lowerBound > 0, "ReflectorConfiguration.watchTimeoutSeconds must be positive, got \(watchTimeoutSeconds)")
        precondition(initialBackoff > 0 && maxBackoff >= initialBackoff,
            "ReflectorConfiguration backoff must satisfy 0 < initialBackoff (\(initialBackoff)) <= maxBackoff (\(maxBackoff))")
        precondition(jitter >= 0, "ReflectorConfiguration.jitter must not be negative, got \(jitter)")
        self.pageSize = pageSize
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.jitter = jitter
        self.shortWatchSeconds = shortWatchSeconds
    }
}
