import Foundation
import Testing

import VigilAPI

/// Unix times used below (checked with `date -u -d @N` / python3):
/// 1767225600 = 2026-01-01T00:00Z, a Thursday.
@Suite("CronSchedule")
struct CronScheduleTests {
    static let jan1st2026: Double = 1_767_225_600

    /// The first `count` fire times after `start`, following `next(after:)`.
    static func fireTimes(_ schedule: CronSchedule, after start: Double, count: Int) -> [Double] {
        var result: [Double] = []
        var t = start
        while result.count < count, let n = schedule.next(after: t) {
            guard n > t else {
                Issue.record("next(after: \(t)) returned \(n), not a later time")
                break
            }
            result.append(n)
            t = n
        }
        return result
    }

    /// All fire times in `start...end`, following `next(after:)`.
    static func fireTimes(_ schedule: CronSchedule, from start: Double, through end: Double) -> [Double] {
        var result: [Double] = []
        var t = start - 1
        while let n = schedule.next(after: t), n <= end {
            guard n > t else {
                Issue.record("next(after: \(t)) returned \(n), not a later time")
                break
            }
            result.append(n)
            t = n
        }
        return result
    }

    static func parseError(_ text: String, timeZone: String? = nil) -> CronSchedule.ParseError? {
        do {
            _ = try CronSchedule(text, timeZone: timeZone)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Syntax

    @Test(
        "each syntax form parses and fires when expected",
        arguments: [
            ("* * * * *", [jan1st2026 + 60, jan1st2026 + 120]),
            ("*/5 * * * *", [jan1st2026 + 300, jan1st2026 + 600]),
            ("7 * * * *", [jan1st2026 + 420, jan1st2026 + 3_600 + 420]),
            ("5/20 * * * *", [jan1st2026 + 300, jan1st2026 + 1_500, jan1st2026 + 2_700, jan1st2026 + 3_900]),
            ("10-12 * * * *", [jan1st2026 + 600, jan1st2026 + 660, jan1st2026 + 720, jan1st2026 + 3_600 + 600]),
            ("0-30/15 1 * * *", [jan1st2026 + 3_600, jan1st2026 + 4_500, jan1st2026 + 5_400, jan1st2026 + 86_400 + 3_600]),
            ("0,30 9,17 * * *", [jan1st2026 + 32_400, jan1st2026 + 34_200, jan1st2026 + 61_200, jan1st2026 + 63_000]),
            ("  0   12 * *   * ", [jan1st2026 + 43_200, jan1st2026 + 86_400 + 43_200]),
            // 2026-07-01, 2027-01-01 (strictly after 2026-01-01T00:00Z, which itself matches)
            ("0 0 1 jan,Jul *", [1_782_864_000, 1_798_761_600]),
            // 2026-03-01, 2027-01-01
            ("0 0 1 JAN-MAR/2 *", [1_772_323_200, 1_798_761_600]),
            // Sundays 2026-01-04, 2026-01-11
            ("0 0 ? * 7", [1_767_484_800, 1_768_089_600]),
            ("0 0 * * sun", [1_767_484_800, 1_768_089_600]),
            // Fri 01-02, Sat 01-03, Sun 01-04, Fri 01-09
            ("0 0 * * 5-7", [1_767_312_000, 1_767_398_400, 1_767_484_800, 1_767_916_800]),
            // "1/2" is 1-6/2: Fri 01-02, Mon 01-05, Wed 01-07
            ("0 0 * * 1/2", [1_767_312_000, 1_767_571_200, 1_767_744_000]),
            ("@yearly", [1_798_761_600]),
            ("@annually", [1_798_761_600]),
            ("@monthly", [1_769_904_000]),  // 2026-02-01
            ("@weekly", [1_767_484_800, 1_768_089_600]),  // Sundays
            ("@daily", [jan1st2026 + 86_400, jan1st2026 + 2 * 86_400]),
            ("@midnight", [jan1st2026 + 86_400]),
            ("@hourly", [jan1st2026 + 3_600, jan1st2026 + 7_200]),
        ] as [(String, [Double])]
    )
    func syntaxForms(text: String, expected: [Double]) throws {
        let schedule = try CronSchedule(text)
        #expect(Self.fireTimes(schedule, after: Self.jan1st2026, count: expected.count) == expected)
    }

    @Test func textZoneAndDescription() throws {
        let spaced = try CronSchedule(" */5  * * * * ")
        #expect(spaced.text == " */5  * * * * ")
        #expect(spaced.timeZoneIdentifier == "UTC")

        let berlin = try CronSchedule("*/5 * * * *", timeZone: "Europe/Berlin")
        #expect(berlin.timeZoneIdentifier == "Europe/Berlin")
        #expect(berlin.description == "*/5 * * * * (Europe/Berlin)")
        #expect(try CronSchedule("@hourly").description == "@hourly (UTC)")
    }

    @Test func equalityAndHashUseTextAndZone() throws {
        let a = try CronSchedule("0 * * * *", timeZone: "Europe/Berlin")
        let b = try CronSchedule("0 * * * *", timeZone: "Europe/Berlin")
        let otherZone = try CronSchedule("0 * * * *")
        let sameMeaning = try CronSchedule("@hourly", timeZone: "Europe/Berlin")
        #expect(a == b)
        #expect(a != otherZone)
        #expect(a != sameMeaning)
        #expect(Set([a, b, otherZone, sameMeaning]).count == 3)
    }

    @Test(
        "accepted time zones",
        arguments: ["UTC", "Etc/UTC", "GMT", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Etc/GMT-14", "EST5EDT"]
    )
    func acceptedTimeZones(zone: String) throws {
        let schedule = try CronSchedule("0 0 * * *", timeZone: zone)
        #expect(schedule.timeZoneIdentifier == zone)
        #expect(schedule.next(after: Self.jan1st2026) != nil)
    }

    // MARK: - Errors

    @Test(
        "bad input is rejected with a message naming what is wrong",
        arguments: [
            ("0 24 * * *", nil, ["field 2 (hour): 24 is out of range 0-23"]),
            ("60 * * * *", nil, ["field 1 (minute): 60 is out of range 0-59"]),
            ("0 0 0 * *", nil, ["field 3 (day-of-month): 0 is out of range 1-31"]),
            ("0 0 32 * *", nil, ["field 3 (day-of-month): 32 is out of range 1-31"]),
            ("0 0 * 13 *", nil, ["field 4 (month): 13 is out of range 1-12"]),
            ("0 0 * * 8", nil, ["field 5 (day-of-week): 8 is out of range 0-7"]),
            ("0 0 * * 99999999999999999999", nil, ["day-of-week", "99999999999999999999 is out of range"]),
            ("* * * * * *", nil, ["expected 5 fields (minute hour day-of-month month day-of-week), got 6"]),
            ("* * * *", nil, ["expected 5 fields (minute hour day-of-month month day-of-week), got 4"]),
            ("   ", nil, ["empty schedule"]),
            (
                "@weekly2", nil,
                ["unknown macro @weekly2 (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)"]
            ),
            ("@every 5m", nil, ["@every is not supported"]),
            ("@daily 5", nil, ["@daily", "must stand alone", "\"5\""]),
            ("0 0 1 JNA *", nil, ["field 4 (month)", "unknown name \"JNA\""]),
            ("0 0 * * FRY", nil, ["field 5 (day-of-week)", "unknown name \"FRY\""]),
            ("0 0 * * MON-FRY", nil, ["day-of-week", "unknown name \"FRY\""]),
            ("a * * * *", nil, ["field 1 (minute)", "\"a\" is not a number"]),
            ("*/0 * * * *", nil, ["field 1 (minute)", "step 0 is not allowed"]),
            ("0 1-10/0 * * *", nil, ["field 2 (hour)", "step 0 is not allowed"]),
            ("*/x * * * *", nil, ["field 1 (minute)", "step \"x\""]),
            ("5-1 * * * *", nil, ["field 1 (minute)", "range 5-1 is backwards"]),
            ("0 0 * * FRI-MON", nil, ["day-of-week", "range FRI-MON is backwards"]),
            ("1-2-3 * * * *", nil, ["field 1 (minute)", "too many '-'"]),
            ("*/5/2 * * * *", nil, ["field 1 (minute)", "too many '/'"]),
            ("1,,2 * * * *", nil, ["field 1 (minute)", "empty list element"]),
            ("-5 * * * *", nil, ["field 1 (minute)", "missing number"]),
            ("0 0 30 2 *", nil, ["never fires: no date matches within 5 years"]),
            ("0 0 31 4,6,9,11 *", nil, ["never fires: no date matches within 5 years"]),
            ("TZ=Europe/Berlin 0 9 * * *", nil, ["TZ=", "timeZone"]),
            ("CRON_TZ=UTC 0 9 * * *", nil, ["CRON_TZ=", "timeZone"]),
            ("0 9 * * *", "", ["time zone must not be empty"]),
            ("0 9 * * *", "Local", ["\"Local\"", "explicit IANA time zone"]),
            ("0 9 * * *", "utc", ["unknown time zone \"utc\""]),
            ("0 9 * * *", "PST", ["unknown time zone \"PST\""]),
            ("0 9 * * *", "GMT+2", ["unknown time zone \"GMT+2\""]),
            ("0 9 * * *", " Europe/Berlin", ["unknown time zone \" Europe/Berlin\""]),
            ("0 9 * * *", "../etc/passwd", ["unknown time zone \"../etc/passwd\""]),
        ] as [(String, String?, [String])]
    )
    func rejected(text: String, zone: String?, fragments: [String]) {
        let error = Self.parseError(text, timeZone: zone)
        #expect(error != nil, "\(text) should be rejected")
        for fragment in fragments {
            #expect(error?.description.contains(fragment) == true, "\(error?.description ?? "no error")")
        }
    }

    @Test func unknownTimeZoneMessage() {
        #expect(
            Self.parseError("0 9 * * *", timeZone: "Europe/Berln")?.description
                == "unknown time zone \"Europe/Berln\": not an IANA time zone name (e.g. Europe/Berlin, America/New_York, UTC)"
        )
    }

    @Test func errorsAreEquatable() {
        #expect(Self.parseError("0 24 * * *") == Self.parseError("0 24 * * *"))
        #expect(Self.parseError("0 24 * * *") != Self.parseError("0 25 * * *"))
        #expect(Self.parseError("0 24 * * *") == CronSchedule.ParseError("field 2 (hour): 24 is out of range 0-23"))
    }

    // MARK: - next(after:)

    @Test func everyFiveMinutes() throws {
        let s = try CronSchedule("*/5 * * * *")
        let t = Self.jan1st2026
        #expect(s.next(after: t) == t + 300)
        #expect(s.next(after: t - 0.5) == t)
        #expect(s.next(after: t + 1) == t + 300)
        #expect(s.next(after: t + 299.5) == t + 300)
        #expect(s.next(after: t + 300) == t + 600)
        let day = Self.fireTimes(s, after: t, count: 288)
        #expect(day.last == t + 86_400)
        #expect(zip(day, day.dropFirst()).allSatisfy { $1 - $0 == 300 })
    }

    @Test func weekdaysAtNine() throws {
        let s = try CronSchedule("0 9 * * MON-FRI")
        #expect(s.next(after: Self.jan1st2026) == Self.jan1st2026 + 32_400)  // Thu 2026-01-01 09:00Z
        #expect(s.next(after: 1_767_348_000) == 1_767_603_600)  // Fri 01-02 10:00Z -> Mon 01-05 09:00Z
        let twoWeeks = Self.fireTimes(s, after: Self.jan1st2026 + 86_400 * 3, count: 10)  // from Sun 01-04
        #expect(twoWeeks.first == 1_767_603_600)
        #expect(twoWeeks.last == 1_768_554_000)  // Fri 01-16 09:00Z
    }

    @Test func halfPastTwoDaily() throws {
        let s = try CronSchedule("30 2 * * *")
        #expect(s.next(after: Self.jan1st2026) == Self.jan1st2026 + 9_000)
        #expect(s.next(after: Self.jan1st2026 + 9_000) == Self.jan1st2026 + 86_400 + 9_000)
    }

    @Test func newYear() throws {
        let s = try CronSchedule("0 0 1 1 *")
        #expect(s.next(after: Self.jan1st2026) == 1_798_761_600)  // 2027-01-01
        #expect(s.next(after: Self.jan1st2026 - 1) == Self.jan1st2026)
        #expect(s.next(after: -1) == 0)  // 1970-01-01
        #expect(s.next(after: -31_536_001) == -31_536_000)  // 1969-01-01
    }

    @Test func leapDay() throws {
        let s = try CronSchedule("0 0 29 2 *")
        #expect(s.next(after: Self.jan1st2026) == 1_835_395_200)  // 2028-02-29
        #expect(s.next(after: 1_835_395_200) == 1_961_625_600)  // 2032-02-29
        // 2100 is not a leap year: from 2096-03-01 the next is 2104-02-29, beyond 5 years.
        #expect(s.next(after: 3_981_398_400) == nil)
        #expect(s.next(after: 4_083_955_200) == 4_233_686_400)  // 2099-06-01 -> 2104-02-29
    }

    @Test func dayOfMonthOrDayOfWeek() throws {
        // Both restricted: the 13th OR a Friday.
        let either = try CronSchedule("0 0 13 * 5")
        #expect(
            Self.fireTimes(either, after: Self.jan1st2026, count: 4)
                == [1_767_312_000, 1_767_916_800, 1_768_262_400, 1_768_521_600]  // Fri 2, Fri 9, Tue 13, Fri 16
        )
        // One side a wildcard: both must match.
        let the13th = try CronSchedule("0 0 13 * ?")
        #expect(Self.fireTimes(the13th, after: Self.jan1st2026, count: 2) == [1_768_262_400, 1_770_940_800])
        let fridays = try CronSchedule("0 0 * * 5")
        #expect(Self.fireTimes(fridays, after: Self.jan1st2026, count: 2) == [1_767_312_000, 1_767_916_800])
    }

    @Test func steppedWildcardIsARestrictionLikeRobfig() throws {
        // "*/2" (odd days) is restricted, so with a day-of-week it is an OR: Mon 01-12 (even) fires.
        let oddDaysOrMondays = try CronSchedule("0 12 */2 * 1")
        #expect(oddDaysOrMondays.next(after: 1_768_132_800) == 1_768_219_200)  // 01-11 12:00 -> 01-12 12:00
        // With "*" as day-of-week, only odd days.
        let oddDays = try CronSchedule("0 12 */2 * *")
        #expect(oddDays.next(after: 1_768_132_800) == 1_768_305_600)  // 01-11 12:00 -> 01-13 12:00
    }

    @Test func nonFiniteInputGivesNil() throws {
        let s = try CronSchedule("* * * * *")
        #expect(s.next(after: .nan) == nil)
        #expect(s.next(after: .infinity) == nil)
        #expect(s.next(after: -.infinity) == nil)
    }

    // MARK: - Time zones and DST

    @Test func berlinWinterAndSummer() throws {
        let s = try CronSchedule("0 9 * * *", timeZone: "Europe/Berlin")
        #expect(s.next(after: 1_768_435_200) == 1_768_464_000)  // 2026-01-15 -> 08:00Z (CET)
        #expect(s.next(after: 1_784_073_600) == 1_784_098_800)  // 2026-07-15 -> 07:00Z (CEST)
    }

    @Test func halfHourOffsetZone() throws {
        let s = try CronSchedule("0 9 * * *", timeZone: "Asia/Kolkata")
        #expect(s.next(after: 1_768_435_200) == 1_768_447_800)  // 2026-01-15 09:00 IST = 03:30Z
    }

    @Test func springForwardSkipsMissingWallTime() throws {
        // Europe/Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST (at 01:00Z).
        let s = try CronSchedule("30 2 * * *", timeZone: "Europe/Berlin")
        #expect(s.next(after: 1_774_656_000) == 1_774_661_400)  // 03-28 02:30 CET = 01:30Z
        #expect(s.next(after: 1_774_661_400) == 1_774_830_600)  // skips 03-29; 03-30 02:30 CEST = 00:30Z

        let around = try CronSchedule("0,30 1-3 * * *", timeZone: "Europe/Berlin")
        #expect(
            Self.fireTimes(around, after: 1_774_738_800, count: 4)  // from 03-29 00:00 CET
                == [1_774_742_400, 1_774_744_200, 1_774_746_000, 1_774_747_800]  // 01:00, 01:30 CET, 03:00, 03:30 CEST
        )

        let quarterly = try CronSchedule("*/15 * * * *", timeZone: "Europe/Berlin")
        let times = Self.fireTimes(quarterly, after: 1_774_738_800, count: 16)
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 == 900 })
    }

    @Test func fallBackFiresRepeatedWallTimeOnce() throws {
        // Europe/Berlin 2026-10-25: 03:00 CEST goes back to 02:00 CET (at 01:00Z).
        let s = try CronSchedule("30 2 * * *", timeZone: "Europe/Berlin")
        #expect(s.next(after: 1_792_843_200) == 1_792_888_200)  // 10-24 12:00Z -> 02:30 CEST = 00:30Z
        #expect(s.next(after: 1_792_888_200) == 1_792_978_200)  // not 02:30 CET; next is 10-26 01:30Z
        #expect(s.next(after: 1_792_890_600) == 1_792_978_200)  // from 02:10 CET (second pass)

        let around = try CronSchedule("0,30 1-3 * * *", timeZone: "Europe/Berlin")
        #expect(
            Self.fireTimes(around, after: 1_792_882_799, count: 6)
                == [
                    1_792_882_800, 1_792_884_600,  // 01:00, 01:30 CEST
                    1_792_886_400, 1_792_888_200,  // 02:00, 02:30 CEST
                    1_792_893_600, 1_792_895_400,  // 03:00, 03:30 CET
                ]
        )
    }

    @Test func fallBackKeepsEveryHourSchedulesRunning() throws {
        let hourly = try CronSchedule("0 * * * *", timeZone: "Europe/Berlin")
        #expect(
            Self.fireTimes(hourly, after: 1_792_882_800, count: 3)
                == [1_792_886_400, 1_792_890_000, 1_792_893_600]  // 02:00 CEST, 02:00 CET, 03:00 CET
        )
        let everyMinute = try CronSchedule("* * * * *", timeZone: "Europe/Berlin")
        let times = Self.fireTimes(everyMinute, after: 1_792_882_800, count: 300)
        #expect(times.count == 300)
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 == 60 })
    }

    // MARK: - Performance sanity (asserts results; a slow search would show as a slow test)

    @Test func sparseAndNeverFiringSchedulesAnswerQuickly() throws {
        // Month is still required: February days that are the 29th OR a Monday.
        let s = try CronSchedule("0 0 29 2 1")
        #expect(
            Self.fireTimes(s, after: Self.jan1st2026, count: 5)
                == [1_769_990_400, 1_770_595_200, 1_771_200_000, 1_771_804_800, 1_801_440_000]  // Feb 2026 Mondays, 2027-02-01
        )
        #expect(
            Self.fireTimes(s, after: 1_834_617_600, count: 4)  // from 2028-02-20
                == [1_834_704_000, 1_835_308_800, 1_835_395_200, 1_864_944_000]  // Mon 21, Mon 28, Tue 29, Mon 2029-02-05
        )
        let leap = try CronSchedule("59 23 29 2 *", timeZone: "Europe/Berlin")
        for offset in stride(from: 0.0, to: 400 * 86_400, by: 86_400 * 7) {
            #expect(leap.next(after: 3_981_398_400 + offset) == nil)  // 2096-03-01 onwards: next is in 2104
        }
    }

    // MARK: - Cross-checks against Foundation's Calendar

    static func utcCalendar() -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    typealias Matcher = @Sendable (_ minute: Int, _ hour: Int, _ day: Int, _ month: Int, _ weekday: Int) -> Bool

    /// A schedule and a hand-written predicate over (minute, hour, day, month, weekday 0 = Sunday).
    struct ReferenceCase: Sendable, CustomTestStringConvertible {
        let text: String
        let matches: Matcher
        init(_ text: String, _ matches: @escaping Matcher) {
            self.text = text
            self.matches = matches
        }
        var testDescription: String { text }
    }

    @Test(
        "UTC fire times equal a minute-by-minute reference",
        arguments: [
            ReferenceCase("*/15 9-17 * * MON-FRI", { m, h, _, _, w in m % 15 == 0 && (9...17).contains(h) && (1...5).contains(w) }),
            ReferenceCase("0 0 13 * 5", { m, h, d, _, w in m == 0 && h == 0 && (d == 13 || w == 5) }),
            ReferenceCase("5/20 */6 1-7 * 1", { m, h, d, _, w in [5, 25, 45].contains(m) && h % 6 == 0 && (d <= 7 || w == 1) }),
            ReferenceCase("0 12 */2 * *", { m, h, d, _, _ in m == 0 && h == 12 && d % 2 == 1 }),
            ReferenceCase("0 12 */2 * 1", { m, h, d, _, w in m == 0 && h == 12 && (d % 2 == 1 || w == 1) }),
            ReferenceCase("30 6 29 2 *", { m, h, d, mo, _ in m == 30 && h == 6 && d == 29 && mo == 2 }),
            ReferenceCase("0 0 29 2 1", { m, h, d, mo, w in m == 0 && h == 0 && mo == 2 && (d == 29 || w == 1) }),
            ReferenceCase("0 0 1 */3 *", { m, h, d, mo, _ in m == 0 && h == 0 && d == 1 && [1, 4, 7, 10].contains(mo) }),
            ReferenceCase("59 23 31 * *", { m, h, d, _, _ in m == 59 && h == 23 && d == 31 }),
            ReferenceCase("0 0 * * 0,7", { m, h, _, _, w in m == 0 && h == 0 && w == 0 }),
            ReferenceCase("@weekly", { m, h, _, _, w in m == 0 && h == 0 && w == 0 }),
            ReferenceCase("0 8 * jun-aug sat,sun", { m, h, _, mo, w in m == 0 && h == 8 && (6...8).contains(mo) && (w == 0 || w == 6) }),
        ]
    )
    func utcMatchesReference(reference: ReferenceCase) throws {
        let schedule = try CronSchedule(reference.text)
        let matches = reference.matches
        let start = 1_825_027_200  // 2027-11-01T00:00Z; the window includes 2028-02-29
        let days = 300
        let calendar = Self.utcCalendar()
        var expected: [Double] = []
        for dayIndex in 0..<days {
            let dayStart = start + dayIndex * 86_400
            let c = calendar.dateComponents(
                [.day, .month, .weekday], from: Date(timeIntervalSince1970: Double(dayStart)))
            for minuteOfDay in 0..<1_440
            where matches(minuteOfDay % 60, minuteOfDay / 60, c.day!, c.month!, c.weekday! - 1) {
                expected.append(Double(dayStart + minuteOfDay * 60))
            }
        }
        let end = Double(start + days * 86_400 - 1)
        #expect(!expected.isEmpty)
        #expect(Self.fireTimes(schedule, from: Double(start), through: end) == expected)
    }

    @Test(
        "Europe/Berlin fire times around both 2026 DST changes equal a minute-by-minute reference",
        arguments: [
            ReferenceCase("30 2 * * *", { m, h, _, _, _ in m == 30 && h == 2 }),
            ReferenceCase("15 2 * * *", { m, h, _, _, _ in m == 15 && h == 2 }),
            ReferenceCase("0 3 * * *", { m, h, _, _, _ in m == 0 && h == 3 }),
            ReferenceCase("0,30 1-3 * * *", { m, h, _, _, _ in (m == 0 || m == 30) && (1...3).contains(h) }),
            ReferenceCase("*/20 * * * *", { m, _, _, _, _ in m % 20 == 0 }),
            ReferenceCase("45 * * * 0", { m, _, _, _, w in m == 45 && w == 0 }),
        ]
    )
    func berlinMatchesReference(reference: ReferenceCase) throws {
        let schedule = try CronSchedule(reference.text, timeZone: "Europe/Berlin")
        let matches = reference.matches
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Berlin")!
        let everyHour = !reference.text.split(separator: " ")[1].contains(where: \.isNumber)
        // 2026-03-27T00:00Z and 2026-10-23T00:00Z, four days each (transitions on day 3).
        for start in [1_774_569_600, 1_792_713_600] {
            let end = start + 4 * 86_400 - 60
            var expected: [Double] = []
            for t in stride(from: start, through: end, by: 60) {
                let fields: Set<Calendar.Component> = [.minute, .hour, .day, .month, .weekday]
                let c = calendar.dateComponents(fields, from: Date(timeIntervalSince1970: Double(t)))
                guard matches(c.minute!, c.hour!, c.day!, c.month!, c.weekday! - 1) else { continue }
                // The same wall reading an hour earlier means this is the repeated (second) pass.
                let hourEarlier = calendar.dateComponents(fields, from: Date(timeIntervalSince1970: Double(t - 3_600)))
                let isRepeat = hourEarlier.hour == c.hour && hourEarlier.minute == c.minute && hourEarlier.day == c.day
                if everyHour || !isRepeat { expected.append(Double(t)) }
            }
            #expect(!expected.isEmpty)
            #expect(Self.fireTimes(schedule, from: Double(start), through: Double(end)) == expected, "from \(start)")
        }
    }
}
