import Testing
import VigilAPI

/// A step's size is current × multiplier computed exactly (the multiplier as
/// the fraction of its decimal text), rounded up to a whole Mi and capped at
/// maxMemory; quantities are read into exact bytes and written back in Mi or Gi.
@Suite struct MemoryStepTests {
    static let mi: Int64 = 1 << 20
    static let gi: Int64 = 1 << 30

    func multiplier(_ value: Double) throws -> MemoryScalerSpec.Multiplier {
        try #require(MemoryScalerSpec.Multiplier(value))
    }

    /// `MemoryStep.next`'s result, comparable.
    struct Outcome: Equatable, CustomStringConvertible {
        var bytes: Int64
        var atMaximum = false
        init(_ bytes: Int64, atMaximum: Bool = false) {
            self.bytes = bytes
            self.atMaximum = atMaximum
        }
        var description: String { "\(MemoryStep.quantity(bytes: bytes))\(atMaximum ? " (at maximum)" : "")" }
    }

    func step(_ current: Int64, _ m: Double, max: Int64 = 64 * gi) throws -> Outcome {
        let next = MemoryStep.next(current: current, multiplier: try multiplier(m), max: max)
        return Outcome(next.bytes, atMaximum: next.atMaximum)
    }

    @Test func halfAgainIsExact() throws {
        #expect(try step(512 * Self.mi, 1.5) == Outcome(768 * Self.mi))
        #expect(try step(1000 * Self.mi, 1.5) == Outcome(1500 * Self.mi))
        #expect(try step(Self.gi, 1.5) == Outcome(1536 * Self.mi))
        #expect(MemoryStep.quantity(bytes: try step(512 * Self.mi, 1.5).bytes) == "768Mi")
        #expect(MemoryStep.quantity(bytes: try step(Self.gi, 1.5).bytes) == "1536Mi")
    }

    @Test func decimalsThatBinaryFloatingPointMissAreExact() throws {
        #expect(try step(100 * Self.mi, 1.3) == Outcome(130 * Self.mi))
        // 50Mi × 1.1 and 180Mi × 1.35 are whole Mi; in Double arithmetic they land a hair above (55.00000000000001Mi)
        // and would round up a further Mi.
        #expect(try step(50 * Self.mi, 1.1) == Outcome(55 * Self.mi))
        #expect(try step(25 * Self.mi, 2.2) == Outcome(55 * Self.mi))
        #expect(try step(180 * Self.mi, 1.35) == Outcome(243 * Self.mi))
        #expect(try step(100 * Self.mi, 1.25) == Outcome(125 * Self.mi))
        #expect(try step(3 * Self.mi, 2) == Outcome(6 * Self.mi))
    }

    @Test func oddByteCountsRoundUpToAWholeMi() throws {
        // 100 MB × 1.5 = 150,000,000 bytes = 143.05Mi → 144Mi.
        #expect(try step(100_000_000, 1.5) == Outcome(144 * Self.mi))
        // 1,000,001 bytes × 1.5 = 1,500,001.5 bytes → 2Mi.
        #expect(try step(1_000_001, 1.5) == Outcome(2 * Self.mi))
        // 100Mi + 1 byte × 1.3 = 130Mi + 1.3 bytes → 131Mi.
        #expect(try step(100 * Self.mi + 1, 1.3) == Outcome(131 * Self.mi))
        #expect(try step(1, 1.5) == Outcome(Self.mi))
    }

    @Test func aStepPastTheMaximumStopsAtIt() throws {
        #expect(try step(1536 * Self.mi, 1.5, max: 2 * Self.gi) == Outcome(2 * Self.gi), "the last raise: to the cap exactly")
        // A cap that is no whole Mi is kept as it is.
        #expect(try step(Self.gi, 1.5, max: 1_500_000_000) == Outcome(1_500_000_000))
        // One byte below the cap: the step lands on the cap, not above it.
        #expect(try step(2 * Self.gi - 1, 1.5, max: 2 * Self.gi) == Outcome(2 * Self.gi))
    }

    @Test func atOrAboveTheMaximumNothingIsRaised() throws {
        #expect(try step(2 * Self.gi, 1.5, max: 2 * Self.gi) == Outcome(2 * Self.gi, atMaximum: true))
        #expect(try step(3 * Self.gi, 1.5, max: 2 * Self.gi) == Outcome(3 * Self.gi, atMaximum: true), "a limit set above the cap by hand is left alone")
    }

    @Test func withoutALimitThereIsNothingToMultiply() throws {
        #expect(try step(0, 1.5) == Outcome(0))
    }

    @Test func hugeSizesDoNotOverflow() throws {
        #expect(try step(Int64.max / 2, 10, max: Int64.max) == Outcome(Int64.max))
        #expect(try step(4 * 1024 * Self.gi, 9.99, max: Int64.max) == Outcome(40_919 * Self.gi + 41 * Self.mi))
    }

    @Test func bytesAreWrittenInGiOrMi() {
        #expect(MemoryStep.quantity(bytes: 2 * Self.gi) == "2Gi")
        #expect(MemoryStep.quantity(bytes: 1536 * Self.mi) == "1536Mi")
        #expect(MemoryStep.quantity(bytes: 768 * Self.mi) == "768Mi")
        #expect(MemoryStep.quantity(bytes: 1_500_000_000) == "1500000000")
        #expect(MemoryStep.quantity(bytes: 0) == "0")
    }

    @Test func multipliersAreTheFractionsOfTheirDecimals() throws {
        let m = try multiplier(1.5)
        #expect(m.numerator == 3 && m.denominator == 2 && m.text == "1.5")
        let n = try multiplier(1.3)
        #expect(n.numerator == 13 && n.denominator == 10 && n.text == "1.3")
        let w = try multiplier(2)
        #expect(w.numerator == 2 && w.denominator == 1 && w.text == "2")
        #expect(try multiplier(1.125).denominator == 8)
        #expect(MemoryScalerSpec.Multiplier(1) == nil)
        #expect(MemoryScalerSpec.Multiplier(0.9) == nil)
        #expect(MemoryScalerSpec.Multiplier(10.5) == nil)
        #expect(MemoryScalerSpec.Multiplier(10) != nil)
        #expect(MemoryScalerSpec.Multiplier(.infinity) == nil)
        #expect(MemoryScalerSpec.defaultMultiplier == (try multiplier(1.5)))
        #expect(MemoryStep.fraction(decimal: "1.50").map { [$0.numerator, $0.denominator] } == [3, 2])
        #expect(MemoryStep.fraction(decimal: "0.25").map { [$0.numerator, $0.denominator] } == [1, 4])
        #expect(MemoryStep.fraction(decimal: "1e3") == nil)
        #expect(MemoryStep.fraction(decimal: "-1.5") == nil)
        #expect(MemoryStep.fraction(decimal: ".") == nil)
    }

    @Test func quantitiesAreReadExactly() throws {
        #expect(try MemoryStep.bytes(parsing: "2Gi") == 2 * Self.gi)
        #expect(try MemoryStep.bytes(parsing: "1.5Gi") == 1536 * Self.mi)
        #expect(try MemoryStep.bytes(parsing: ".5Mi") == Self.mi / 2)
        #expect(try MemoryStep.bytes(parsing: "768Mi") == 768 * Self.mi)
        #expect(try MemoryStep.bytes(parsing: "1G") == 1_000_000_000)
        #expect(try MemoryStep.bytes(parsing: "1.1G") == 1_100_000_000)
        #expect(try MemoryStep.bytes(parsing: "1e3") == 1000)
        #expect(try MemoryStep.bytes(parsing: "1E9") == 1_000_000_000)
        #expect(try MemoryStep.bytes(parsing: "1073741824") == Self.gi)
        #expect(try MemoryStep.bytes(parsing: "1.1Ki") == 1127, "rounded up to a whole byte, as Kubernetes rounds")
        #expect(try MemoryStep.bytes(parsing: "7Ei") == 7 << 60)
    }

    @Test func whatIsNoMemorySizeSaysWhy() {
        func reason(_ text: String) -> String {
            do {
                _ = try MemoryStep.bytes(parsing: text)
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(reason("500m").hasPrefix("\"500m\" is 500 millibytes"))
        #expect(reason("500m").contains("\"500Mi\""))
        #expect(reason("-1Gi").hasPrefix("\"-1Gi\" is negative"))
        #expect(reason("abc").hasPrefix("\"abc\" is not a quantity"))
        #expect(reason("2gi").hasPrefix("\"2gi\" is not a quantity"))
        #expect(reason("0").hasPrefix("\"0\" is zero"))
        #expect(reason("0.0Gi").hasPrefix("\"0.0Gi\" is zero"))
        #expect(reason("1e-3").contains("negative exponent"))
        #expect(reason("+1Gi").contains("sign"))
        #expect(reason(" 1Gi").contains("spaces"))
        #expect(reason("").contains("empty"))
        #expect(reason("8Ei").contains("too large"))
        #expect(reason("1e40").contains("too large"))
        #expect(reason("5u").contains("microbytes"))
    }

    @Test func theRequestGrowsInProportionAndNeverPastTheLimit() {
        let mi = Self.mi
        // Equal to the limit: stays equal (Guaranteed stays Guaranteed).
        #expect(MemoryStep.request(current: 100 * mi, fromLimit: 100 * mi, toLimit: 150 * mi) == 150 * mi)
        // Below: the same proportion, rounded up to a whole Mi.
        #expect(MemoryStep.request(current: 64 * mi, fromLimit: 100 * mi, toLimit: 150 * mi) == 96 * mi)
        #expect(MemoryStep.request(current: 65 * mi, fromLimit: 100 * mi, toLimit: 150 * mi) == 98 * mi)  // 97.5 → 98
        // Rounding that would pass the limit stops at it.
        #expect(MemoryStep.request(current: 100 * mi - 1, fromLimit: 100 * mi, toLimit: 101 * mi) == 101 * mi)
        // No request, or no raise: unchanged.
        #expect(MemoryStep.request(current: 0, fromLimit: 100 * mi, toLimit: 150 * mi) == 0)
        #expect(MemoryStep.request(current: 64 * mi, fromLimit: 100 * mi, toLimit: 100 * mi) == 64 * mi)
    }

    @Test func aStepsLedgerActionNamesItWhole() throws {
        let r = ActionSpec.RaiseMemory(target: .deployment, name: "cache", uid: "u-1", container: "app", fromLimit: 100 * Self.mi, toLimit: 150 * Self.mi)
        #expect(r.ledgerAction == "raiseMemory:Deployment/cache/u-1/app/104857600/157286400")
        #expect(ActionSpec.RaiseMemory(ledgerAction: r.ledgerAction) == r)
        #expect(ActionSpec.RaiseMemory(ledgerAction: "webhook:0") == nil)
        #expect(ActionSpec.RaiseMemory(ledgerAction: "raiseMemory:Job/x/u/app/1/2") == nil)
        #expect(ActionSpec.RaiseMemory(ledgerAction: "raiseMemory:Pod/x/u/app/1") == nil)
        #expect(ActionSpec.raiseMemory(r).ledgerAction(0) == r.ledgerAction)
        #expect(ActionSpec.deleteNamespace.ledgerAction(2) == "deleteNamespace:2")
    }
}
