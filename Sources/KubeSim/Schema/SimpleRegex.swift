import Synchronization

/// A compiled `pattern` from a schema. Uses the standard library's
/// `Regex` (no Foundation). Like Go's `regexp.MatchString`, a match anywhere
/// in the string counts; patterns are not implicitly anchored.
///
/// Compiling a pattern costs far more than matching it (it was a third of
/// kube-sim's CPU under a load of status writes to a CRD with patterns), so
/// `cached(_:)` keeps each pattern compiled once per process, like the API
/// server compiles a CRD's schema once.
///
/// `@unchecked Sendable`: `Regex<AnyRegexOutput>` is not `Sendable` only
/// because its output type can carry `Any` captures; the regex itself is an
/// immutable value whose lazily lowered program is published atomically by
/// the standard library, and `matches` returns only a Bool, so sharing one
/// compiled pattern between threads is safe.
struct SimpleRegex: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>

    /// Nil when the pattern does not compile (the apiserver rejects such
    /// CRDs up front, so validation simply skips it).
    init?(_ pattern: String) {
        guard let r = try? Regex(pattern) else { return nil }
        regex = r
    }

    func matches(_ s: String) -> Bool {
        (try? regex.firstMatch(in: s)) != nil
    }

    /// Compiled patterns (nil: does not compile). Bounded: emptied when it
    /// would exceed `cacheLimit` distinct patterns (schemas have few).
    private static let cache = Mutex<[String: SimpleRegex?]>([:])
    static let cacheLimit = 4096

    /// `SimpleRegex(pattern)`, compiled once per distinct pattern.
    static func cached(_ pattern: String) -> SimpleRegex? {
        if let hit = cache.withLock({ $0[pattern] }) { return hit }
        let compiled = SimpleRegex(pattern)
        cache.withLock { c in
            if c.count >= cacheLimit { c.removeAll() }
            c[pattern] = .some(compiled)
        }
        return compiled
    }
}
