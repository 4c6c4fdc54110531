/// How a container's working-set memory evolves over its run: a constant, or
/// a linear ramp (`100Mi->900Mi/60s`) that holds its end value afterwards.
enum MemoryProfile: Sendable, Equatable {
    case constant(Double)
    case ramp(from: Double, to: Double, seconds: Double)

    /// What a container uses when nothing is annotated (10 MiB).
    static let defaultBytes: Double = 10 * 1024 * 1024

    /// Bytes in use `elapsed` seconds after the container started.
    func bytes(at elapsed: Double) -> Double {
        switch self {
        case .constant(let b): return b
        case .ramp(let a, let b, let d):
            if d <= 0 || elapsed >= d { return b }
            return a + (b - a) * max(0, elapsed) / d
        }
    }

    /// Seconds after the start at which usage first exceeds `limit`, or nil
    /// if it never does.
    func secondsUntilExceeding(_ limit: Double) -> Double? {
        switch self {
        case .constant(let b): return b > limit ? 0 : nil
        case .ramp(let a, let b, let d):
            if a > limit { return 0 }
            guard b > limit else { return nil }
            return d * (limit - a) / (b - a)
        }
    }

    /// Parses `FROM->TO/DURATION`, e.g. `100Mi->900Mi/60s`.
    static func parseRamp(_ text: String) -> MemoryProfile? {
        let t = text.trimmingSpaces
        let arrow = t.split(separator: "->", maxSplits: 1, omittingEmptySubsequences: false)
        guard arrow.count == 2 else { return nil }
        let rest = arrow[1].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard rest.count == 2,
            let a = Quantity.parse(String(arrow[0]).trimmingSpaces),
            let b = Quantity.parse(String(rest[0]).trimmingSpaces),
            let d = SimAnnotations.parseSeconds(String(rest[1]))
        else { return nil }
        return .ramp(from: a, to: b, seconds: max(0, d))
    }
}
