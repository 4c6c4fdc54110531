import Testing
import VigilAPI
import VigilJSON

@Suite struct RFC3339TimeTests {
    @Test func readsUTCOffsetsAndFractions() throws {
        let z = try #require(RFC3339Time("2026-12-31T23:00:00Z"))
        #expect(z.microsecondsSinceEpoch == 1_798_758_000_000_000)
        #expect(z.text == "2026-12-31T23:00:00Z")
        let offset = try #require(RFC3339Time("2027-01-01T00:30:00+01:30"))
        #expect(offset == z)
        let micro = try #require(RFC3339Time("2026-11-22T11:05:29.123456789Z"))
        #expect(micro.microsecondsSinceEpoch % 1_000_000 == 123_456)
        #expect(RFC3339Time("2024-02-29T00:00:00Z") != nil)
    }

    @Test(arguments: [
        "", "tomorrow", "2026-12-31", "2026-12-31 23:00:00Z", "2026-12-31T23:00:00", "2026-02-30T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-31T24:00:00Z", "2026-12-31T23:00:00.Z", "2026-12-31T23:00:00+0100",
    ])
    func rejectsOtherText(text: String) {
        #expect(RFC3339Time(text) == nil)
    }

    @Test func canonicalTextAndArithmetic() {
        let t = RFC3339Time(microsecondsSinceEpoch: 1_798_758_000_000_000)
        #expect(t.text == "2026-12-31T23:00:00Z")
        #expect(RFC3339Time(microsecondsSinceEpoch: 1_798_758_000_000_250).text == "2026-12-31T23:00:00.000250Z")
        #expect(t.adding(.hours(1)).text == "2027-01-01T00:00:00Z")
        #expect(RFC3339Time(secondsSinceEpoch: 0).text == "1970-01-01T00:00:00Z")
        #expect(RFC3339Time(microsecondsSinceEpoch: -1_000_000).text == "1969-12-31T23:59:59Z")
        #expect(t < t.adding(.seconds(1)))
    }
}
