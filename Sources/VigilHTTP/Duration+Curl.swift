extension Duration {
    /// Whole milliseconds for libcurl options, at least 1 (0 would mean "no limit" to libcurl).
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        let ms = seconds.multipliedReportingOverflow(by: 1000)
        guard !ms.overflow else { return Int.max }
        let total = Int(ms.partialValue) + Int(attoseconds / 1_000_000_000_000_000)
        return Swift.max(1, total)
    }
}
