extension PrometheusView {
    /// True when a subscriber has nothing new to react to: same reachability (reachable or
    /// not; a changed error message alone does not count), same warnings, and the same content
    /// apart from what moves on every poll: sample timestamps (the evaluation time) and an
    /// alert's `value`. Alert state, `activeAt`, labels and annotations all count.
    public func hasSameContent(as other: PrometheusView) -> Bool {
        guard reachability.isReachable == other.reachability.isReachable, warnings == other.warnings,
            elsewhere.isEmpty == other.elsewhere.isEmpty  // which other namespaces alone is no news
        else { return false }
        switch (content, other.content) {
        case (.alerts(let a), .alerts(let b)):
            return a.count == b.count
                && zip(a, b).allSatisfy { x, y in
                    x.labels == y.labels && x.annotations == y.annotations && x.state == y.state && x.activeAt == y.activeAt
                }
        case (.samples(let a), .samples(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { x, y in x.labels == y.labels && x.value.text == y.value.text }
        case (.scalar(let a), .scalar(let b)):
            return a.text == b.text
        case (.failed(let a), .failed(let b)):
            return a == b
        case (.unavailable, .unavailable):
            return true
        default:
            return false
        }
    }
}
