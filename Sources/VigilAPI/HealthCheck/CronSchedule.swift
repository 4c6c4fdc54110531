import Foundation

/// A five-field cron schedule evaluated in an IANA time zone: the `schedule.cron` and
/// `schedule.timeZone` of a HealthCheck.
///
/// ## Syntax
/// The syntax is what Kubernetes CronJob users write (Kubernetes parses with
/// `robfig/cron/v3`'s `ParseStandard`):
///
/// - Five whitespace-separated fields: minute `0-59`, hour `0-23`, day-of-month `1-31`,
///   month `1-12` or `JAN-DEC`, day-of-week `0-6` or `SUN-SAT` (`7` is also Sunday).
///   Names are case-insensitive.
/// - Each field is a comma list of `*`, `?` (same as `*`), `n`, `a-b`, `*/n`, `a-b/n`
///   and `a/n` (meaning `a-max/n`). Ranges must not wrap around (`FRI-MON` is an error).
/// - Macros: `@yearly`/`@annually` (`0 0 1 1 *`), `@monthly` (`0 0 1 * *`),
///   `@weekly` (`0 0 * * 0`), `@daily`/`@midnight` (`0 0 * * *`), `@hourly` (`0 * * * *`).
///   There is no `@every` and no seconds field.
/// - `TZ=`/`CRON_TZ=` inside the text is rejected (as Kubernetes does); pass `timeZone:`.
/// - A schedule whose day-of-month/month combination can never occur (`0 0 30 2 *`) is
///   rejected when parsed.
///
/// ## Day-of-month and day-of-week
/// As in robfig/cron (`dayMatches` in `spec.go`) and classic cron: when both fields are
/// restricted a day matches if *either* matches (`0 0 13 * 5` fires on every 13th and every
/// Friday); when either field is a wildcard both must match. Like robfig, a field counts as a
/// wildcard only if one of its list elements is a bare `*` or `?` (or `*/1`); a stepped `*/2`
/// is a restriction.
///
/// ## Evaluation and daylight saving time
/// ``next(after:)`` works on the wall clock of the schedule's time zone (UTC by default):
/// - A wall time that does not exist (spring forward, e.g. 02:30 on 2026-03-29 in
///   Europe/Berlin) does not fire that day. robfig/cron behaves the same way.
/// - A wall time that occurs twice (fall back, e.g. 02:30 on 2026-10-25 in Europe/Berlin)
///   fires once, at its first occurrence, like Debian/ISC cron. robfig/cron fires it twice
///   (kubernetes/kubernetes#121594). Exception: a schedule whose hour field covers all 24 hours
///   (`*/5 * * * *`, `@hourly`) is about elapsed time, not a wall time, so it also fires
///   during the repeated hour and has no one-hour gap.
/// - The search covers 5 years (1,827 days) after the given time, like robfig/cron.
///   Beyond that ``next(after:)`` returns `nil`. Example: `0 0 29 2 *` has no fire time
///   between 2096-02-29 and 2104-02-29.
///
/// Equality and hashing use ``text`` and ``timeZoneIdentifier`` only.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {

    /// Why a schedule or time zone was rejected. ``message`` says what is wrong and where.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String

        public init(_ message: String) {
            self.message = message
        }

        public var description: String { message }
    }

    /// The schedule exactly as written.
    public let text: String
    /// The time zone as written, or `"UTC"` when none was given.
    public let timeZoneIdentifier: String

    /// How far ``next(after:)`` looks ahead: 5 years (1,827 days), in seconds.
    public static let lookaheadSeconds: Double = Double(CronSchedule.lookahead)

    /// For example `*/5 * * * * (Europe/Berlin)` or `@hourly (UTC)`.
    public var description: String { "\(text) (\(timeZoneIdentifier))" }

    private let zone: TimeZone
    private let minutes: UInt64      // bits 0-59
    private let hours: UInt64        // bits 0-23
    private let daysOfMonth: UInt64  // bits 1-31
    private let months: UInt64       // bits 1-12
    private let daysOfWeek: UInt64   // bits 0-6, 0 = Sunday
    private let dayOfMonthIsWildcard: Bool
    private let dayOfWeekIsWildcard: Bool

    /// Parses `text` (five fields or a macro) to be evaluated in `timeZone`, an IANA time zone
    /// name such as `Europe/Berlin`. `nil` means UTC.
    public init(_ text: String, timeZone: String? = nil) throws(CronSchedule.ParseError) {
        if text.uppercased().contains("TZ=") {
            throw ParseError(
                "TZ= and CRON_TZ= are not supported in the schedule; set the timeZone field instead (e.g. timeZone: Europe/Berlin)"
            )
        }
        var tokens = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        if tokens.isEmpty {
            throw ParseError(
                "empty schedule: expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily"
            )
        }
        if tokens[0].hasPrefix("@") {
            tokens = try Self.expandMacro(tokens)
        }
        guard tokens.count == 5 else {
            let hint = tokens.count == 6 ? " (a seconds field is not supported)" : ""
            throw ParseError(
                "expected 5 fields (minute hour day-of-month month day-of-week), got \(tokens.count)\(hint)"
            )
        }

        let minute = try Self.parseField(tokens[0], as: Self.minuteField)
        let hour = try Self.parseField(tokens[1], as: Self.hourField)
        let dayOfMonth = try Self.parseField(tokens[2], as: Self.dayOfMonthField)
        let month = try Self.parseField(tokens[3], as: Self.monthField)
        let dayOfWeek = try Self.parseField(tokens[4], as: Self.dayOfWeekField)

        if dayOfMonth.isWildcard || dayOfWeek.isWildcard {
            // Both fields must match. Every month contains every weekday, so only a
            // day-of-month that never occurs in any selected month can make this impossible.
            let possible = (1...12).contains { m in
                month.bits & (1 << UInt64(m)) != 0
                    && (1...Self.maxDays(inMonth: m)).contains { d in dayOfMonth.bits & (1 << UInt64(d)) != 0 }
            }
            if !possible {
                throw ParseError(
                    "never fires: no date matches within 5 years (none of the days of month \(tokens[2]) occur in month \(tokens[3]))"
                )
            }
        }

        self.zone = try Self.resolveTimeZone(timeZone)
        self.text = text
        self.timeZoneIdentifier = timeZone ?? "UTC"
        self.minutes = minute.bits
        self.hours = hour.bits
        self.daysOfMonth = dayOfMonth.bits
        self.months = month.bits
        self.daysOfWeek = dayOfWeek.bits
        self.dayOfMonthIsWildcard = dayOfMonth.isWildcard
        self.dayOfWeekIsWildcard = dayOfWeek.isWildcard
    }

    public static func == (lhs: CronSchedule, rhs: CronSchedule) -> Bool {
        lhs.text == rhs.text && lhs.timeZoneIdentifier == rhs.timeZoneIdentifier
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(text)
        hasher.combine(timeZoneIdentifier)
    }

    // MARK: - Next fire time

    /// The first fire time strictly after `seconds` (Unix time), as Unix seconds on a whole
    /// wall-clock minute of the schedule's time zone, or `nil` if the schedule does not fire
    /// within ``lookaheadSeconds`` (or `seconds` is not finite or absurdly far from 1970).
    ///
    /// Cost: a few time-zone lookups per daylight-saving period crossed and at most one step
    /// per month, day, hour and minute; no minute-by-minute scan.
    public func next(after seconds: Double) -> Double? {
        guard seconds.isFinite, abs(seconds) < 1.0e12 else { return nil }
        // Fire instants are whole seconds, so "strictly after" means ">= floor(seconds) + 1".
        let earliest = Int64(seconds.rounded(.down)) + 1
        let latest = earliest - 1 + Self.lookahead
        let firesInRepeatedHour = hours == Self.allHours

        // Walk the periods of constant UTC offset. Inside one, wall time and instant are in
        // step, so the wall-clock search below applies. Start two days early so a fall-back
        // that happened just before `seconds` is known (its repeated walls are skipped).
        var periodStart = earliest - 2 * Self.secondsPerDay
        var lastWallShown = Int64.min  // walls below this were already shown by earlier periods
        while periodStart <= latest {
            let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(periodStart))))
            var periodEnd = latest + 1
            if let transition = zone.nextDaylightSavingTimeTransition(
                after: Date(timeIntervalSince1970: Double(periodStart))
            ) {
                let t = Int64(transition.timeIntervalSince1970.rounded())
                if t > periodStart && t < periodEnd { periodEnd = t }
            }
            let from = max(periodStart, earliest)
            if from < periodEnd {
                var lowWall = from + offset
                if !firesInRepeatedHour { lowWall = max(lowWall, lastWallShown) }
                lowWall = Self.floorDiv(lowWall + 59, 60) * 60
                if let wall = firstMatchingWall(from: lowWall, below: periodEnd + offset) {
                    return Double(wall - offset)
                }
            }
            lastWallShown = max(lastWallShown, periodEnd + offset)
            periodStart = periodEnd
        }
        return nil
    }

    /// The first matching wall time (seconds since 1970 of the local wall clock read as if it
    /// were UTC) in `lowWall..<highWall`. `lowWall` is a multiple of 60.
    private func firstMatchingWall(from lowWall: Int64, below highWall: Int64) -> Int64? {
        var day = Self.floorDiv(lowWall, Self.secondsPerDay)
        var minuteOfDay = Int((lowWall - day * Self.secondsPerDay) / 60)
        while day * Self.secondsPerDay < highWall {
            let (year, month, dayOfMonth) = Self.civilDate(fromDays: day)
            if months & (1 << UInt64(month)) == 0 {
                // Jump to the first day of the next selected month.
                var nextYear = year
                var nextMonth = month
                repeat {
                    nextMonth += 1
                    if nextMonth > 12 {
                        nextMonth = 1
                        nextYear += 1
                    }
                } while months & (1 << UInt64(nextMonth)) == 0
                day = Self.days(fromYear: nextYear, month: nextMonth, day: 1)
                minuteOfDay = 0
                continue
            }
            if dayMatches(dayOfMonth: dayOfMonth, weekday: Int(Self.floorMod(day + 4, 7))),
                let minute = firstMinute(atOrAfter: minuteOfDay)
            {
                let wall = day * Self.secondsPerDay + Int64(minute) * 60
                return wall < highWall ? wall : nil
            }
            day += 1
            minuteOfDay = 0
        }
        return nil
    }

    private func dayMatches(dayOfMonth: Int, weekday: Int) -> Bool {
        let domMatch = daysOfMonth & (1 << UInt64(dayOfMonth)) != 0
        let dowMatch = daysOfWeek & (1 << UInt64(weekday)) != 0
        if dayOfMonthIsWildcard || dayOfWeekIsWildcard {
            return domMatch && dowMatch
        }
        return domMatch || dowMatch
    }

    /// The first selected minute of the day (hour * 60 + minute) at or after `start`.
    private func firstMinute(atOrAfter start: Int) -> Int? {
        var hour = start / 60
        var fromMinute = start % 60
        while hour < 24 {
            if hours & (1 << UInt64(hour)) != 0 {
                let candidates = minutes & ~((UInt64(1) << UInt64(fromMinute)) - 1)
                if candidates != 0 {
                    return hour * 60 + candidates.trailingZeroBitCount
                }
            }
            hour += 1
            fromMinute = 0
        }
        return nil
    }

    // MARK: - Calendar arithmetic (proleptic Gregorian, no Foundation)

    private static let secondsPerDay: Int64 = 86_400
    private static let lookahead: Int64 = 1_827 * 86_400
    private static let allHours: UInt64 = (1 << 24) - 1

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        a - floorDiv(a, b) * b
    }

    private static func maxDays(inMonth month: Int) -> Int {
        switch month {
        case 2: return 29
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a civil date (H. Hinnant's `days_from_civil`).
    private static func days(fromYear year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
    private static func civilDate(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        let month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    // MARK: - Parsing

    private struct Field: Sendable {
        let position: Int
        let name: String
        let min: Int
        /// Largest value that may be written (7 for day-of-week).
        let max: Int
        /// Upper end of `*` and `a/n` (6 for day-of-week).
        let wildcardMax: Int
        /// Lower-case names for the values `min`, `min + 1`, ...
        let names: [String]
        let allowed: String

        var label: String { "field \(position) (\(name))" }
    }

    private struct ParsedField {
        var bits: UInt64 = 0
        var isWildcard = false
    }

    private static let minuteField = Field(
        position: 1, name: "minute", min: 0, max: 59, wildcardMax: 59, names: [], allowed: "0-59")
    private static let hourField = Field(
        position: 2, name: "hour", min: 0, max: 23, wildcardMax: 23, names: [], allowed: "0-23")
    private static let dayOfMonthField = Field(
        position: 3, name: "day-of-month", min: 1, max: 31, wildcardMax: 31, names: [], allowed: "1-31")
    private static let monthField = Field(
        position: 4, name: "month", min: 1, max: 12, wildcardMax: 12,
        names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        allowed: "1-12 or JAN-DEC")
    private static let dayOfWeekField = Field(
        position: 5, name: "day-of-week", min: 0, max: 7, wildcardMax: 6,
        names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
        allowed: "0-6 or SUN-SAT (7 is also Sunday)")

    private static let macros: [(name: String, fields: [String])] = [
        ("@yearly", ["0", "0", "1", "1", "*"]),
        ("@annually", ["0", "0", "1", "1", "*"]),
        ("@monthly", ["0", "0", "1", "*", "*"]),
        ("@weekly", ["0", "0", "*", "*", "0"]),
        ("@daily", ["0", "0", "*", "*", "*"]),
        ("@midnight", ["0", "0", "*", "*", "*"]),
        ("@hourly", ["0", "*", "*", "*", "*"]),
    ]

    private static func expandMacro(_ tokens: [String]) throws(ParseError) -> [String] {
        let name = tokens[0]
        if name.lowercased() == "@every" {
            throw ParseError("@every is not supported; write a cron expression instead (e.g. */5 * * * *)")
        }
        guard let macro = macros.first(where: { $0.name == name.lowercased() }) else {
            let known = macros.map(\.name).joined(separator: ", ")
            throw ParseError("unknown macro \(name) (known: \(known))")
        }
        guard tokens.count == 1 else {
            throw ParseError(
                "macro \(name) must stand alone, got extra text \"\(tokens.dropFirst().joined(separator: " "))\"")
        }
        return macro.fields
    }

    private static func parseField(_ text: String, as field: Field) throws(ParseError) -> ParsedField {
        var result = ParsedField()
        for element in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !element.isEmpty else {
                throw ParseError("\(field.label): empty list element in \"\(text)\"")
            }
            let rangeAndStep = element.split(separator: "/", omittingEmptySubsequences: false)
            guard rangeAndStep.count <= 2 else {
                throw ParseError("\(field.label): too many '/' in \"\(element)\"")
            }
            var step = 1
            if rangeAndStep.count == 2 {
                let stepText = rangeAndStep[1]
                guard isDigits(stepText), let value = Int(stepText) else {
                    throw ParseError("\(field.label): step \"\(stepText)\" in \"\(element)\" is not a positive number")
                }
                guard value > 0 else {
                    throw ParseError("\(field.label): step 0 is not allowed (in \"\(element)\")")
                }
                step = value
            }
            let range = rangeAndStep[0]
            let low: Int
            let high: Int
            if range == "*" || range == "?" {
                low = field.min
                high = field.wildcardMax
                if step == 1 { result.isWildcard = true }
            } else {
                let ends = range.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2 else {
                    throw ParseError("\(field.label): too many '-' in \"\(element)\"")
                }
                low = try value(ends[0], in: element, of: field)
                if ends.count == 2 {
                    high = try value(ends[1], in: element, of: field)
                    guard low <= high else {
                        throw ParseError(
                            "\(field.label): range \(range) is backwards (\(low) is after \(high); ranges cannot wrap around)")
                    }
                } else {
                    high = rangeAndStep.count == 2 ? Swift.max(low, field.wildcardMax) : low  // "a/n" is "a-max/n"
                }
            }
            var v = low
            while v <= high {
                result.bits |= 1 << UInt64(v)
                v += step
            }
        }
        if field.max == 7, result.bits & (1 << 7) != 0 {  // day-of-week 7 is Sunday
            result.bits = (result.bits & ~(1 << 7)) | 1
        }
        return result
    }

    private static func value(_ text: Substring, in element: Substring, of field: Field) throws(ParseError) -> Int {
        if text.isEmpty {
            throw ParseError("\(field.label): missing number in \"\(element)\" (expected \(field.allowed))")
        }
        if isDigits(text) {
            guard let number = Int(text), number >= field.min, number <= field.max else {
                throw ParseError("\(field.label): \(text) is out of range \(field.min)-\(field.max)")
            }
            return number
        }
        if field.names.isEmpty {
            throw ParseError("\(field.label): \"\(text)\" is not a number (expected \(field.allowed))")
        }
        guard let index = field.names.firstIndex(of: text.lowercased()) else {
            throw ParseError("\(field.label): unknown name \"\(text)\" (expected \(field.allowed))")
        }
        return field.min + index
    }

    private static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { ("0"..."9").contains($0) }
    }

    // MARK: - Time zones

    /// Legacy IANA names that look like abbreviations. Other all-capital three-letter names
    /// ("PST", "IST", "BST", ...) are ICU aliases, not IANA names, and Kubernetes rejects them.
    private static let ianaAbbreviationLikeNames: Set<String> = [
        "CET", "EET", "EST", "GMT", "HST", "MET", "MST", "PRC", "ROC", "ROK", "UCT", "UTC", "WET",
    ]

    private static func resolveTimeZone(_ name: String?) throws(ParseError) -> TimeZone {
        guard let name else { return TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0)! }
        let examples = "(e.g. Europe/Berlin, America/New_York, UTC)"
        if name.isEmpty {
            throw ParseError("time zone must not be empty; omit it for UTC or name an IANA time zone \(examples)")
        }
        if name.lowercased() == "local" {
            throw ParseError("time zone \"\(name)\" is not allowed: name an explicit IANA time zone \(examples)")
        }
        let unknown = ParseError("unknown time zone \"\(name)\": not an IANA time zone name \(examples)")
        // Kubernetes' character rules for each path element of a time zone name.
        for part in name.split(separator: "/", omittingEmptySubsequences: false) {
            let validCharacters = part.allSatisfy { c in
                c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-" || c == "_" || c == "+")
            }
            if part.isEmpty || part.count > 14 || part == "." || part == ".." || part.hasPrefix("-")
                || !validCharacters
            {
                throw unknown
            }
        }
        let isThreeCapitals = name.count == 3 && name.allSatisfy { $0.isASCII && $0.isUppercase }
        if isThreeCapitals && !ianaAbbreviationLikeNames.contains(name) { throw unknown }
        // Foundation also accepts offsets such as "GMT+2"; IANA only has "Etc/GMT+2" (and "GMT+0").
        let isOffsetName = ["GMT+", "GMT-", "UTC+", "UTC-"].contains { name.hasPrefix($0) }
        if isOffsetName && name != "GMT+0" && name != "GMT-0" { throw unknown }
        if name.hasPrefix("SystemV/") { throw unknown }
        guard let zone = TimeZone(identifier: name) else { throw unknown }
        return zone
    }
}
