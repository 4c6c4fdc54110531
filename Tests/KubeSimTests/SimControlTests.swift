import Testing
import VigilJSON

@testable import KubeSim

/// `/sim/faults` rules: a status fails matching requests, `delayMs` holds
/// them first, and a rule with only `delayMs` lets them through late.
@Suite struct SimControlTests {
    @Test func aDelayRuleHoldsOnlyMatchingRequestsAndCountsDown() throws {
        let control = SimControl()
        _ = try control.configure(["rules": [["delayMs": 3000, "verbs": ["patch"], "resources": ["memoryscalers/status"], "count": 1]]])
        let other = control.decide(verb: "patch", resource: "pods/resize")
        #expect(other.delay == nil && other.error == nil)
        let held = control.decide(verb: "patch", resource: "memoryscalers/status")
        #expect(held.delay == .milliseconds(3000) && held.error == nil)
        // count: 1 is used up.
        #expect(control.decide(verb: "patch", resource: "memoryscalers/status").delay == nil)
    }

    @Test func aStatusWithADelayFailsLate() throws {
        let control = SimControl()
        _ = try control.configure(["rules": [["status": 503, "delayMs": 500]]])
        let d = control.decide(verb: "get", resource: "pods")
        #expect(d.delay == .milliseconds(500) && d.error?.code == 503)
    }

    @Test func aRuleNeedsAStatusOrADelay() {
        #expect(throws: APIError.self) { _ = try SimControl().configure(["rules": [["verbs": ["get"]]]]) }
        #expect(throws: APIError.self) { _ = try SimControl().configure(["rules": [["status": 200]]]) }
        #expect(throws: APIError.self) { _ = try SimControl().configure(["rules": [["delayMs": -1]]]) }
    }
}
