import Testing
import VigilAPI

@Suite struct GoDurationTests {
    @Test(arguments: [
        ("30m", 1_800_000), ("1h30m", 5_400_000), ("90s", 90_000), ("250ms", 250), ("1.5h", 5_400_000),
        ("1h0m0s", 3_600_000), ("0", 0), ("0s", 0), (".5s", 500), ("2m30.25s", 150_250), ("1s500ms", 1500),
    ] as [(String, Int64)])
    func parsesGoSyntax(text: String, milliseconds: Int64) throws {
        let d = try GoDuration(parsing: text)
        #expect(d.milliseconds == milliseconds)
        #expect(d.text == text)
        #expect(d.description == text)
    }

    @Test(arguments: [
        ("", "\"\" is not a valid duration: it is empty; write e.g. \"90s\" or \"1h30m\""),
        ("-5m", "\"-5m\" is not a valid duration: negative durations are not allowed; write e.g. \"90s\" or \"1h30m\""),
        ("+5m", "\"+5m\" is not a valid duration: a sign is not allowed; write e.g. \"90s\" or \"1h30m\""),
        ("5x", "\"5x\" is not a valid duration: unknown unit \"x\" (valid units: h, m, s, ms); write e.g. \"90s\" or \"1h30m\""),
        ("3d", "\"3d\" is not a valid duration: unknown unit \"d\" (valid units: h, m, s, ms); write e.g. \"90s\" or \"1h30m\""),
        ("30", "\"30\" is not a valid duration: the unit is missing after \"30\"; write e.g. \"90s\" or \"1h30m\""),
        ("1h30", "\"1h30\" is not a valid duration: the unit is missing after \"30\"; write e.g. \"90s\" or \"1h30m\""),
        ("10ns", "\"10ns\" is not a valid duration: unit \"ns\" is finer than Vigil supports (valid units: h, m, s, ms); write e.g. \"90s\" or \"1h30m\""),
        ("h", "\"h\" is not a valid duration: expected a number, found \"h\"; write e.g. \"90s\" or \"1h30m\""),
        (".s", "\".s\" is not a valid duration: a number is missing around \".\"; write e.g. \"90s\" or \"1h30m\""),
        ("1.0005s", "\"1.0005s\" is not a valid duration: it is not a whole number of milliseconds (1ms is the smallest step); write e.g. \"90s\" or \"1h30m\""),
        ("99999999999999999999h", "\"99999999999999999999h\" is not a valid duration: the number is too large; write e.g. \"90s\" or \"1h30m\""),
        ("1 h", "\"1 h\" is not a valid duration: unknown unit \" h\" (valid units: h, m, s, ms); write e.g. \"90s\" or \"1h30m\""),
    ])
    func rejectsWithAReason(text: String, message: String) {
        let error = #expect(throws: GoDurationError.self) { try GoDuration(parsing: text) }
        #expect(error.map { "\($0)" } == message)
    }

    @Test func equalityIsByLengthAndTextIsKept() throws {
        let a = try GoDuration(parsing: "90s")
        let b = try GoDuration(parsing: "1m30s")
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a.text != b.text)
        #expect(try GoDuration(parsing: "59s") < a)
        #expect(GoDuration.seconds(90) == a)
        #expect(GoDuration.minutes(2) > a)
        #expect(GoDuration.hours(1).milliseconds == 3_600_000)
    }

    @Test(arguments: [
        (0, "0s"), (250, "250ms"), (1500, "1.5s"), (90_000, "1m30s"), (3_600_000, "1h0m0s"), (5_400_250, "1h30m0.25s"),
    ] as [(Int64, String)])
    func canonicalTextIsGos(milliseconds: Int64, text: String) throws {
        #expect(GoDuration(milliseconds: milliseconds).text == text)
        #expect(try GoDuration(parsing: text).milliseconds == milliseconds)
    }
}
