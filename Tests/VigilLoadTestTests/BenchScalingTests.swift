import Testing
import VigilJSON
import VigilLoadTest

/// bench-nsp's scaling summary: efficiency is (rate / first rate) /
/// (replicas / first replicas), on deletions/s, or on webhooks/s when
/// nothing was deleted.
@Suite struct BenchScalingTests {
    static func run(_ replicas: Int, deletions: Double, webhooks: Double = 0, deletes: Int = 1000) -> JSON {
        [
            "replicas": .int(Int64(replicas)), "deleteExpected": .int(Int64(deletes)), "deletionsPerSecond": .double(deletions),
            "webhooksPerSecondWhileFiring": .double(webhooks), "ttlToDeletedSecondsP99": 1.5, "perReplicaCPUMsPerFiring": 0.4,
            "machineCPUFractionFiring": 0.5, "bound": "client qps",
        ]
    }

    @Test func efficiencyIsTheSpeedUpOverTheReplicaRatio() {
        let (json, lines) = NamespacePolicyBench.scaling([Self.run(1, deletions: 100), Self.run(3, deletions: 270), Self.run(5, deletions: 600)])
        let rows = json["scaling"]?.arrayValue ?? []
        #expect(rows.map { $0["efficiency"]?.doubleValue ?? -1 } == [1.0, 0.9, 1.2])
        #expect(lines.count == 3 && lines[1].hasPrefix("3 replicas: 270/s, efficiency 0.90") && lines[1].hasSuffix("bound: client qps"), "\(lines)")
    }

    @Test func webhooksCountWhenNothingIsDeletedAndAZeroBaseGivesZero() {
        let web = NamespacePolicyBench.scaling([Self.run(2, deletions: 0, webhooks: 50, deletes: 0), Self.run(4, deletions: 0, webhooks: 80, deletes: 0)])
        #expect(web.json["scaling"]?.arrayValue?.last?["efficiency"]?.doubleValue == 0.8)
        let none = NamespacePolicyBench.scaling([Self.run(1, deletions: 0), Self.run(3, deletions: 10)])
        #expect(none.json["scaling"]?.arrayValue?.last?["efficiency"]?.doubleValue == 0)
    }
}
