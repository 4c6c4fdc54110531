import Testing
import VigilJSON
import VigilRuntime

@Suite struct LeaderElectionConfigTests {
    func make(_ timing: LeaderElectionConfig.Timing, identity: String = "a", jitter: Double = 0.2) throws(LeaderElectionConfigError) -> LeaderElectionConfig {
        try LeaderElectionConfig(leaseNamespace: "vigil", leaseName: "vigil-leader", identity: identity, timing: timing, pollJitter: jitter)
    }

    @Test func profilesAreValid() throws {
        let conservative = try make(.conservative)
        #expect(conservative.leaseDuration == 15 && conservative.renewDeadline == 10 && conservative.retryPeriod == 2)
        #expect(conservative.leaseDurationSeconds == 15)
        let fast = try make(.fast)
        #expect(fast.leaseDuration == 4 && fast.renewDeadline == 3 && fast.retryPeriod == 0.5)
        #expect(fast.releaseOnCancel)
    }

    @Test func leaseDurationIsWrittenRoundedUp() throws {
        let c = try make(.init(leaseDuration: 1.5, renewDeadline: 1, retryPeriod: 0.25))
        #expect(c.leaseDurationSeconds == 2)
    }

    @Test func leaseDurationMustExceedRenewDeadline() {
        #expect(throws: LeaderElectionConfigError.self) { try make(.init(leaseDuration: 10, renewDeadline: 10, retryPeriod: 2)) }
        do {
            _ = try make(.init(leaseDuration: 5, renewDeadline: 10, retryPeriod: 2))
            Issue.record("accepted a lease shorter than the renew deadline")
        } catch {
            #expect(error.field == "leaseDuration")
            #expect(error.description.contains("renewDeadline (10.0 s)"))
        }
    }

    @Test func renewDeadlineMustExceedRetryPeriodTimesJitterFactor() {
        do {
            _ = try make(.init(leaseDuration: 15, renewDeadline: 2.4, retryPeriod: 2))
            Issue.record("accepted renewDeadline = retryPeriod × 1.2")
        } catch {
            #expect(error.field == "renewDeadline")
            #expect(error.description.contains("× 1.2"))
        }
        #expect(throws: Never.self) { try make(.init(leaseDuration: 15, renewDeadline: 2.5, retryPeriod: 2)) }
    }

    @Test func durationsMustBePositive() {
        for (timing, field) in [
            (LeaderElectionConfig.Timing(leaseDuration: 0, renewDeadline: 10, retryPeriod: 2), "leaseDuration"),
            (.init(leaseDuration: 15, renewDeadline: -1, retryPeriod: 2), "renewDeadline"),
            (.init(leaseDuration: 15, renewDeadline: 10, retryPeriod: 0), "retryPeriod"),
            (.init(leaseDuration: .infinity, renewDeadline: 10, retryPeriod: 2), "leaseDuration"),
        ] {
            do {
                _ = try make(timing)
                Issue.record("accepted \(timing)")
            } catch {
                #expect(error.field == field)
            }
        }
    }

    @Test func namesMustNotBeEmpty() {
        do {
            _ = try make(.fast, identity: "")
            Issue.record("accepted an empty identity")
        } catch {
            #expect(error.field == "identity")
            #expect(error.description == "leader election: identity = \"\" must not be empty")
        }
        #expect(throws: LeaderElectionConfigError.self) { try make(.fast, jitter: 1) }
    }

    @Test func microTimeFormatsAndParses() throws {
        let t = RFC3339Time(microsecondsSinceEpoch: 1_795_345_529_123_456)
        #expect(t.description == "2026-11-22T11:05:29.123456Z")
        #expect(RFC3339Time("2026-11-22T11:05:29.123456Z") == t)
        #expect(RFC3339Time("2026-11-22T11:05:29.123456789Z") == t)
        #expect(RFC3339Time("2026-11-22T12:05:29.123456+01:00") == t)
        #expect(RFC3339Time("2026-11-22T11:05:29Z")?.microsecondsSinceEpoch == 1_795_345_529_000_000)
        #expect(RFC3339Time("2026-11-22T11:05:29.1Z")?.microsecondsSinceEpoch == 1_795_345_529_100_000)
        #expect(RFC3339Time(secondsSinceEpoch: 0).microText == "1970-01-01T00:00:00.000000Z")
        #expect(RFC3339Time(microsecondsSinceEpoch: -1).microText == "1969-12-31T23:59:59.999999Z")
        #expect(RFC3339Time("2024-02-29T00:00:00Z")?.microText == "2024-02-29T00:00:00.000000Z")
        for bad in ["", "2026-11-22", "2026-11-22T11:05:29", "2026-13-22T11:05:29Z", "2026-11-22T11:05:29.Z", "2026-11-22T11:05:29Zjunk"] {
            #expect(RFC3339Time(bad) == nil, "\(bad)")
        }
    }
}
