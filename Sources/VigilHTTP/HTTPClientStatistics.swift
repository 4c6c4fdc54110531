/// Counters of one ``HTTPClient`` since it was created, for metrics and tests.
public struct HTTPClientStatistics: Sendable, Equatable {
    /// Transfers that ended (successfully or not).
    public var transfersCompleted: Int = 0
    /// New connections opened (libcurl `CURLINFO_NUM_CONNECTS` summed over transfers);
    /// lower than `transfersCompleted` when connections are reused or multiplexed.
    public var connectionsOpened: Int = 0
    /// Times a streamed transfer was paused because its consumer fell behind.
    public var streamPauses: Int = 0
    /// The most bytes any streamed body held unread at once.
    public var peakStreamBufferedBytes: Int = 0

    public init() {}
}
