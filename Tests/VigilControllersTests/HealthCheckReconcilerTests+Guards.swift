import Foundation
import Kube
import Testing
import VigilAPI
import VigilControllers
import VigilJSON
import VigilPrometheus
import VigilRuntime

/// What a HealthCheck does not do: adopt a Job or take over a Role it does
/// not own, start a remedy past the replica's action cap, go on with a
/// remedy that was removed from the spec, or judge a catch-up PromQL run
/// before a new owner's poller has answered.
extension HealthCheckReconcilerTests {
    static let jobSpec = """
          schedule: {every: 1m}
          check:
            job:
              template:
                metadata: {annotations: {"sim.vigil.dev/run-seconds": "0.2"}}
                spec: {containers: [{name: dig, image: tutum/dnsutils}]}
        """

    @Test func aJobOfTheRunsNameThatTheCheckDoesNotOwnIsNotAdopted() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        let foreign = try World.yaml("""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: dns-1, namespace: shop, labels: {made-by: hand}}
            spec: {template: {spec: {restartPolicy: Never, containers: [{name: x, image: busybox}]}}}
            """)
        _ = try await f.world.client.send(.create(.jobs, namespace: "shop", body: foreign.serialized()))
        try await f.apply("dns", Self.jobSpec)
        let (r, _) = f.reconciler()
        let status = try await f.settle("dns", r)
        #expect(status["lastResult"] == "Unknown", "\(status)")
        let message = status[path: ["lastRun", "message"]]?.stringValue ?? ""
        #expect(message.contains("a Job named dns-1 already exists in namespace shop and is not owned by HealthCheck dns"), "\(message)")
        let job = try JSON.parse(try await f.world.client.send(.get(.jobs, namespace: "shop", name: "dns-1")).body)
        #expect(job[path: ["metadata", "ownerReferences"]] == nil, "the hand-made Job is left alone")
        #expect(status["failedCount"] == .int(0), "a run that could not start is not a failure")
    }

    @Test func aRoleOfTheSameNameThatBelongsToSomeoneElseIsNotTakenOver() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        let roles = ResourceDescriptor(group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", namespaced: true)
        let role = try World.yaml("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: vigil-hc-lvl, namespace: shop}
            rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
            """)
        _ = try await f.world.client.send(.create(roles, namespace: "shop", body: role.serialized()))
        try await f.apply("lvl", Self.jobSpec + "\n  level: namespace")
        let (r, _) = f.reconciler()
        let status = try await f.settle("lvl", r)
        #expect(status["lastResult"] == "Unknown", "\(status)")
        let message = status[path: ["lastRun", "message"]]?.stringValue ?? ""
        #expect(message.contains("Role shop/vigil-hc-lvl already exists and does not belong to HealthCheck shop/lvl"), "\(message)")
        let after = try JSON.parse(try await f.world.client.send(.get(roles, namespace: "shop", name: "vigil-hc-lvl")).body)
        #expect(after["rules"]?.arrayValue?.first?["resources"]?.arrayValue?.first == "secrets", "its rules are untouched: \(after)")
        let jobs = try JSON.parse(try await f.world.client.send(.list(.jobs, namespace: "shop")).body)
        #expect(jobs["items"]?.arrayValue?.isEmpty == true, "no Job ran with someone else's rights")
    }

    static let failingPromQL = """
          schedule: {every: 1m}
          check: {promql: {expr: 'mem > 100'}}
          remedy:
            actions: [{event: {reason: Remedied, message: "pod {{labels.pod}} at {{value}}"}}]
        """

    @Test func aRemedyWaitsForTheActionCapAndSaysSo() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        let budget = ActionBudget(perMinute: 1, clock: f.clock)
        #expect(budget.take() == nil, "the one token of this minute is used up")
        try await f.apply("mem", Self.failingPromQL)
        let (r, _) = f.reconciler(budget: budget)
        f.prometheus.set(150)
        try await f.reconcileOnce("mem", r)
        await f.poller.pollOnce(source: "default")
        var status = JSON.null
        for _ in 0..<3 { status = try await f.reconcileOnce("mem", r) }
        #expect(status["lastResult"] == "Failed" && status[path: ["remedy", "running"]] == .int(1), "\(status)")
        #expect(status[path: ["remedy", "message"]]?.stringValue?.hasPrefix("waiting for the action cap (actions.maxRunsPerMinute 1") == true, "\(status)")
        #expect(status[path: ["remedy", "labels", "pod"]] == "api-1" && status[path: ["remedy", "value"]]?.stringValue?.hasPrefix("150") == true, "the failed run's series stays with the remedy")
        var events = try await f.events("mem")
        #expect(events.filter { $0 == "RateLimited" }.count == 1, "said once: \(events)")
        #expect(!events.contains("Remedied"))
        // A minute later there is a token: the remedy runs, with the failed run's values.
        f.clock.advance(by: 61)
        status = try await f.settle("mem", r)
        #expect(status[path: ["remedy", "lastResult"]] == "Succeeded" && status[path: ["remedy", "total"]] == .int(1), "\(status)")
        events = try await f.events("mem")
        #expect(events.filter { $0 == "Remedied" }.count == 1, "\(events)")
    }

    @Test func removingTheRemedyWhileItWaitsCancelsIt() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        let budget = ActionBudget(perMinute: 1, clock: f.clock)
        _ = budget.take()
        try await f.apply("mem", Self.failingPromQL)
        let (r, _) = f.reconciler(budget: budget)
        f.prometheus.set(150)
        try await f.reconcileOnce("mem", r)
        await f.poller.pollOnce(source: "default")
        var status = try await f.reconcileOnce("mem", r)
        #expect(status[path: ["remedy", "running"]] == .int(1), "\(status)")
        _ = try await f.world.client.send(.patch(HealthCheckObject.descriptor, namespace: "shop", name: "mem", type: .json,
            body: Array(#"[{"op": "remove", "path": "/spec/remedy"}]"#.utf8)))
        status = try await f.reconcileOnce("mem", r)
        #expect(status[path: ["remedy", "running"]] == nil && status[path: ["remedy", "lastResult"]] == "Cancelled", "\(status)")
        #expect(status[path: ["remedy", "message"]]?.stringValue?.contains("spec.remedy was removed while the remedy for run 1 was running") == true)
        #expect(try await f.events("mem").contains("RemedyCancelled"))
        f.clock.advance(by: 61)
        try await f.settle("mem", r)
        #expect(!(try await f.events("mem")).contains("Remedied"), "the cancelled remedy's actions never ran")
    }

    @Test func aCatchUpPromQLRunWaitsForTheNewOwnersFirstPoll() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        try await f.apply("up", "  schedule: {every: 1m}\n  check: {promql: {expr: 'mem > 100', failWhen: empty}}")
        let (r1, _) = f.reconciler(replica: "a")
        f.prometheus.set(150)
        try await f.reconcileOnce("up", r1)
        await f.poller.pollOnce(source: "default")
        var status = try await f.settle("up", r1)
        #expect(status["runs"] == .int(1) && status["lastResult"] == "Succeeded", "\(status)")
        // Replica a is gone for five minutes; replica b, with a poller of its own that has not polled yet, takes over.
        f.clock.advance(by: 300)
        let poller = PrometheusPoller(
            sources: [PrometheusSource(name: "default", url: "http://prometheus.test", interval: 5)], transports: ["default": f.prometheus], clock: f.clock)
        let (r2, _) = f.reconciler(replica: "b", poller: poller)
        status = try await f.reconcileOnce("up", r2)
        #expect(status["runs"] == .int(1) && status["missedCount"] == nil, "no verdict (and nothing counted) without an answer: \(status)")
        f.clock.advance(by: 5)
        status = try await f.reconcileOnce("up", r2)
        #expect(status["runs"] == .int(1), "still waiting, 5 s after b began polling: \(status)")
        await poller.pollOnce(source: "default")
        status = try await f.reconcileOnce("up", r2)
        #expect(status["runs"] == .int(2) && status["lastResult"] == "Succeeded" && status["unknownCount"] == nil, "\(status)")
        #expect(status["missedCount"] == .int(4), "\(status)")
    }
}
