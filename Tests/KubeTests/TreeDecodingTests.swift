import Foundation
import Testing
import VigilJSON

@testable import Kube

/// The hand-written tree readers must agree with `Codable` field for field.
@Suite struct TreeDecodingTests {
    static let pod = #"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-0","generateName":"api-","namespace":"shop","uid":"u-1","resourceVersion":"42",
        "generation":3,"creationTimestamp":"2026-11-22T10:00:00Z","deletionTimestamp":"2026-11-22T11:00:00Z","deletionGracePeriodSeconds":30,
        "labels":{"app":"api","tier":"web"},"annotations":{"a":"b"},"finalizers":["x/y"],
        "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"api-7d9","uid":"u-0","controller":true,"blockOwnerDeletion":true}]},
        "spec":{"containers":[{"name":"app","image":"img:1","command":["/bin/app"],"args":["--x"],"resources":{"requests":{"memory":"128Mi","cpu":"100m"},"limits":{"memory":"256Mi"}}}],
        "initContainers":[{"name":"init","image":"busybox"}],"ephemeralContainers":[{"name":"debugger","image":"jdk","targetContainerName":"app"}],
        "nodeName":"node-1","restartPolicy":"Always","serviceAccountName":"sa","unmodelled":{"kept":"elsewhere"}},
        "status":{"phase":"Running","reason":"R","podIP":"10.0.0.1","qosClass":"Burstable","startTime":"2026-11-22T10:00:01Z",
        "conditions":[{"type":"Ready","status":"True","reason":"r","message":"m","lastTransitionTime":"2026-11-22T10:00:02Z"}],
        "containerStatuses":[{"name":"app","ready":true,"restartCount":2,"containerID":"c://1","resources":{"limits":{"memory":"256Mi"}},
        "state":{"running":{"startedAt":"2026-11-22T10:00:03Z"}},"lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled","finishedAt":"2026-11-22T10:00:02Z"}}}],
        "ephemeralContainerStatuses":[{"name":"debugger","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}}
        """#

    @Test func podMatchesCodable() throws {
        let bytes = Array(Self.pod.utf8)
        let viaCodable = try JSONDecoder().decode(Pod.self, from: Data(bytes))
        let viaTree = try Pod(tree: try JSON.parse(bytes))
        #expect(viaTree == viaCodable)
        #expect(viaTree.metadata.ownerReferences?.first?.controller == true)
        #expect(viaTree.status?.containerStatuses?.first?.lastState?.terminated?.reason == "OOMKilled")
        let viaClient = try KubeJSON.decode(Pod.self, from: bytes)
        #expect(viaClient == viaCodable)
    }

    @Test func nestedMetadataInOtherKindsUsesTheTreeReader() throws {
        let d = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"replicas":2}}"#
        let viaClient = try KubeJSON.decode(Deployment.self, from: Array(d.utf8))
        let viaCodable = try JSONDecoder().decode(Deployment.self, from: Data(d.utf8))
        #expect(viaClient == viaCodable)
    }

    @Test func wrongTypesAreDecodingErrors() throws {
        for bad in [#"{"metadata":{"name":5}}"#, #"{"metadata":{"labels":{"a":1}}}"#, #"{"metadata":{},"spec":{"containers":[{"image":"x"}]}}"#,
            #"{"metadata":{},"status":{"conditions":[{"type":"Ready"}]}}"#, #"{"spec":{}}"#]
        {
            do {
                _ = try KubeJSON.decode(Pod.self, from: Array(bad.utf8))
                Issue.record("\(bad) decoded")
            } catch {
                guard case .decoding = error else { Issue.record("\(bad): \(error)"); continue }
            }
        }
    }
    /// The namespace informer's slim form keeps what the Namespace says
    /// about identity and lifecycle, and nothing of its labels.
    @Test func namespaceSummaryKeepsIdentityAndLifecycle() throws {
        let ns = #"""
            {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a","uid":"u-9","resourceVersion":"12","creationTimestamp":"2026-11-22T10:00:00Z",
            "labels":{"kubernetes.io/metadata.name":"team-a"},"annotations":{"a":"b"}},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}
            """#
        let full = try JSONDecoder().decode(Namespace.self, from: Data(ns.utf8))
        let slim = try KubeJSON.decode(NamespaceSummary.self, from: Array(ns.utf8))
        #expect(slim == NamespaceSummary(name: "team-a", uid: "u-9", resourceVersion: "12", creationTimestamp: "2026-11-22T10:00:00Z", phase: "Active"))
        #expect(slim.metadata.name == full.metadata.name && slim.metadata.uid == full.metadata.uid)
        #expect(slim.metadata.resourceVersion == full.metadata.resourceVersion)
        #expect(slim.metadata.creationTimestamp == full.metadata.creationTimestamp)
        #expect(slim.metadata.labels == nil)
        #expect(!slim.terminating)
        let deleting = #"{"metadata":{"name":"b","deletionTimestamp":"2026-11-22T11:00:00Z"},"status":{"phase":"Active"}}"#
        #expect(try KubeJSON.decode(NamespaceSummary.self, from: Array(deleting.utf8)).terminating)
        let phase = #"{"metadata":{"name":"c"},"status":{"phase":"Terminating"}}"#
        #expect(try KubeJSON.decode(NamespaceSummary.self, from: Array(phase.utf8)).terminating)
        for bad in [#"{"metadata":{}}"#, #"{"metadata":{"name":"x","uid":5}}"#, #"{"metadata":"x"}"#] {
            #expect(throws: KubeError.self, "\(bad)") { try KubeJSON.decode(NamespaceSummary.self, from: Array(bad.utf8)) }
        }
    }
}
