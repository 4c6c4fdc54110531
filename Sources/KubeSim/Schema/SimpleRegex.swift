/// A compiled `pattern` from a schema. Uses the standard library's
/// `Regex` (no Foundation). Like Go's `regexp.MatchString`, a match anywhere
/// in the string counts; patterns are not implicitly anchored.
struct SimpleRegex {
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
}
