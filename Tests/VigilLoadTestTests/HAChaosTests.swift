import Foundation
import Kube
import Testing
import VigilHTTP
import VigilJSON
import VigilLoadTest

/// Real replica processes of the HA test controller (`vigil-loadtest
/// replica`) on kube-sim, killed with SIGKILL.
@Suite(.serialized) struct HAChaosTests {
    static func runDirectory(_ name: String) -> String {
        NSTemporaryDirectory() + "vigil-ha-\(name)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Issue 4's HA test: at least ten SIGKILLs (about half of them the
    /// leader) while namespaces are added and removed. No namespace is ever
    /// worked by two replicas at once, owner changes follow the epochs, no
    /// effect is lost and none is fired under two keys; raw duplicate
    /// deliveries are reported.
    @Test(.timeLimit(.minutes(5))) func tenKillsNoOverlapNothingLostNoDuplicates() async throws {
        var c = ChaosRun.Configuration()
        c.kills = 10
        let report = try await ChaosRun(configuration: c, options: HACluster.Options(runDirectory: Self.runDirectory("chaos"))).run {
            print("chaos: \($0)")
        }
        print("chaos report: \(String(decoding: report.json.serialized(), as: UTF8.self))")
        let a = report.analysis
        #expect(report.kills >= 10)
        #expect(report.leaderKills >= 4, "about half the kills hit the leader")
        #expect(report.namespacesAdded >= 10 && report.namespacesRemoved >= 1)
        #expect(report.completed, "every task finished")
        #expect(a.overlaps.isEmpty, "overlaps: \(a.overlaps.prefix(5))")
        #expect(a.epochRegressions.isEmpty, "\(a.epochRegressions.prefix(5))")
        #expect(a.lost.isEmpty, "lost: \(a.lost.prefix(10))")
        #expect(a.duplicateKeys.isEmpty, "\(a.duplicateKeys.prefix(5))")
        #expect(a.uniqueEffects == report.expectedEffects)
        #expect(report.gracefulExits == report.replicasStopped, "every replica exited by itself within 20 s of SIGTERM")
        if report.nonZeroExits > 0 {
            print("chaos: \(report.nonZeroExits) replica(s) exited non-zero: their graceful shutdown overran its bound (hand-off timeout + 5 s) and was cancelled")
        }
    }

    /// Negative control: replicas that ignore shard ownership all work on
    /// every namespace, and the same checks must say so.
    @Test(.timeLimit(.minutes(3))) func ungatedReplicasAreCaughtOverlapping() async throws {
        var c = ChaosRun.Configuration()
        c.kills = 0
        c.initialNamespaces = 6
        c.effectsPerTask = 3
        c.workMillis = 150
        c.periodSeconds = 0.1
        var options = HACluster.Options(runDirectory: Self.runDirectory("ungated"))
        options.replicaArguments = ["--ungated"]
        let report = try await ChaosRun(configuration: c, options: options).run()
        #expect(report.completed)
        #expect(!report.analysis.overlaps.isEmpty, "three ungated replicas must be seen working one namespace at once")
        #expect(report.analysis.lost.isEmpty)
    }

    /// One replica: `/metrics` has the per-shard series, `/readyz` and
    /// `/shards` answer, and SIGTERM releases both leases and exits 0.
    @Test(.timeLimit(.minutes(2))) func replicaEndpointsAndGracefulExit() async throws {
        let cluster = try await HACluster.start(HACluster.Options(runDirectory: Self.runDirectory("endpoints")))
        do {
            try await cluster.createTask(namespace: "ep-1", effects: 2, periodSeconds: 0.1, workMillis: 0)
            let id = try await cluster.startReplica(slot: 0)
            let reports = try await cluster.waitUntilStable(namespaces: 1, timeout: 30)
            #expect(reports.count == 1 && reports[0].isLeader)
            #expect(reports[0].owned.contains("ep-1"))
            #expect(await cluster.leader() == id)
            // Wait for both effects, so the controller metrics have samples.
            for _ in 0..<100 where await !cluster.taskCompleted(namespace: "ep-1", effects: 2) {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(await cluster.taskCompleted(namespace: "ep-1", effects: 2))

            let port = try #require(await cluster.process(id)).port
            let http = try HTTPClient()
            let ready = try await http.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/readyz"))
            #expect(ready.status == 200)
            let metrics = String(decoding: try await http.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/metrics")).body, as: UTF8.self)
            for series in [
                #"vigil_shard_owned_namespaces{shard="\#(id)"}"#, #"vigil_shard_active_namespaces{shard="\#(id)"}"#,
                #"vigil_shard_epoch{shard="\#(id)"}"#, #"vigil_leader{shard="\#(id)"} 1"#, "vigil_shard_handoff_seconds",
                #"controller_reconcile_total{controller="hatask",shard="\#(id)",outcome="requeue"}"#, "controller_reconcile_duration_seconds_bucket",
                "workqueue_depth", "workqueue_adds_total", "vigil_informer_watch_restarts_total",
                #"vigil_api_requests_total{shard="\#(id)",verb="patch",code="200"}"#, #"verb="watch""#,
            ] {
                #expect(metrics.contains(series), "missing \(series)")
            }
            let shards = try JSON.parse(try await http.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/shards")).body)
            #expect(shards["member"]?.stringValue == id)
            #expect(shards["isLeader"] == .bool(true))

            let (_, graceful) = await cluster.terminate(id, timeout: 20)
            #expect(graceful, "exited by itself after SIGTERM")
            #expect(await cluster.leader() == nil, "the leader lease was released")
            let member = try await cluster.client.get(Lease.self, namespace: "default", name: "vigil-member-\(id)")
            let holder = member.spec?.holderIdentity ?? ""
            #expect(holder.isEmpty, "the member lease was released")
        } catch {
            await cluster.shutdown()
            throw error
        }
        await cluster.shutdown()
    }
}
