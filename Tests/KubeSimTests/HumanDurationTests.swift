import Testing

@testable import KubeSim

@Suite struct HumanDurationTests {
    static let m = 60.0
    static let h = 3600.0
    static let d = 86400.0

    static let longCases: [(Double, String)] = [
        (-2.0, "<invalid>"), (-1.999, "0s"), (-1.0, "0s"), (-0.5, "0s"), (0.0, "0s"), (0.999, "0s"), (45.0, "45s"),
        (119.0, "119s"), (119.9, "119s"), (120.0, "2m"), (5 * m + 30, "5m30s"), (9 * m + 59, "9m59s"),
        (10 * m, "10m"), (10 * m + 30, "10m"), (179 * m + 59, "179m"), (3 * h, "3h"), (3 * h + 20 * m, "3h20m"),
        (7 * h + 59 * m, "7h59m"), (8 * h, "8h"), (8 * h + 30 * m, "8h"), (47 * h + 59 * m, "47h"), (48 * h, "2d"),
        (2 * d + 3 * h, "2d3h"), (7 * d + 23 * h, "7d23h"), (8 * d, "8d"), (8 * d + 5 * h, "8d"), (729 * d, "729d"),
        (730 * d, "2y"), (730 * d + 45 * d, "2y45d"), (365 * 8 * d - d, "7y364d"), (365 * 8 * d, "8y"), (365 * 20 * d, "20y"),
    ]

    @Test(arguments: longCases)
    func humanDuration(seconds: Double, expected: String) {
        #expect(HumanDuration.format(seconds: seconds) == expected)
    }

    static let shortCases: [(Double, String)] = [
        (-2.0, "<invalid>"), (-1.0, "0s"), (0.0, "0s"), (59.0, "59s"), (60.0, "1m"), (59 * m + 59, "59m"), (h, "1h"),
        (23 * h + 59 * m, "23h"), (24 * h, "1d"), (364 * d, "364d"), (365 * d, "1y"), (3 * 365 * d + 100 * d, "3y"),
    ]

    @Test(arguments: shortCases)
    func shortHumanDuration(seconds: Double, expected: String) {
        #expect(HumanDuration.formatShort(seconds: seconds) == expected)
    }

    @Test func sinceTimestamp() {
        let now = Timestamp.parse("2025-05-01T12:00:00Z")!
        #expect(HumanDuration.since("2025-05-01T11:54:30Z", now: now) == "5m30s")
        #expect(HumanDuration.since("2025-04-29T09:00:00Z", now: now) == "2d3h")
        #expect(HumanDuration.since(nil, now: now) == "<unknown>")
        #expect(HumanDuration.since("", now: now) == "<unknown>")
        #expect(HumanDuration.since("yesterday", now: now) == "<invalid>")
        #expect(HumanDuration.since("2025-05-01T12:00:05Z", now: now) == "<invalid>")
    }
}
