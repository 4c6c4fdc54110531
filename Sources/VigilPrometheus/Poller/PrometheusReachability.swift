/// Whether the source answered the last poll.
public enum PrometheusReachability: Sendable, Hashable {
    case reachable
    /// The source has failed every poll since `since` (Unix seconds, wall clock), the last
    /// time with `error`.
    case unreachable(error: String, since: Double)

    public var isReachable: Bool {
        if case .reachable = self { return true }
        return false
    }
}
