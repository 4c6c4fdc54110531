import Testing
import VigilAPI
import VigilControllers
import VigilJSON
import VigilRuntime

/// `StoredResource` keeps the object serialized and gives back the same
/// document, decoded on each read; the ledger-age scan finds Pending entries in the
/// bytes without parsing.
@Suite struct StoredResourceTests {
    static let policy: JSON = [
        "apiVersion": "vigil.dev/v1alpha1", "kind": "NamespacePolicy",
        "metadata": ["name": "p", "namespace": "demo", "uid": "u-1", "resourceVersion": "7", "generation": 2],
        "spec": ["policies": [["name": "ttl", "condition": ["ttl": "1h"], "action": ["deleteNamespace": [:]]]]],
        "status": ["observedGeneration": 2, "ratio": 0.5, "effects": [[
            "key": "k", "action": "webhook:ttl", "phase": "Pending", "attempts": 1, "owner": "vigil-0", "startedAt": "2026-12-07T10:00:00Z",
        ]]],
    ]

    @Test func theDocumentComesBackAsStoredAndTheKindDecodesFromIt() throws {
        let stored = try NamespacePolicyObject(tree: Self.policy)
        #expect(stored.document == Self.policy)
        #expect(stored.metadata.resourceVersion == "7")
        guard case .success(let p) = stored.decoded else {
            Issue.record("did not decode: \(stored.decoded)")
            return
        }
        #expect(p.spec.policies.first?.name == "ttl")
        #expect(try EffectLedgerSnapshot(object: stored.document).entries.map(\.phase) == [.pending])
    }

    @Test func pendingEntriesAreFoundInTheBytes() throws {
        let stored = try NamespacePolicyObject(tree: Self.policy)
        #expect(stored.statusWithPendingEffect == Self.policy["status"])
        var done = Self.policy
        done[path: ["status", "effects"]] = [["key": "k", "action": "a", "phase": "Succeeded", "attempts": 1, "startedAt": "2026-12-07T10:00:00Z"]]
        #expect(try NamespacePolicyObject(tree: done).statusWithPendingEffect == nil)
    }
    /// What `kubectl apply` and server-side apply add, and no reconcile
    /// reads, is not kept; labels and other annotations stay in the document.
    @Test func managedFieldsAndTheLastAppliedCopyAreNotKept() throws {
        var applied = Self.policy
        applied[path: ["metadata", "labels"]] = ["team": "a"]
        applied[path: ["metadata", "annotations"]] = [
            "kubectl.kubernetes.io/last-applied-configuration": .string(String(repeating: "x", count: 2000)), "owner": "ops",
        ]
        applied[path: ["metadata", "managedFields"]] = [["manager": "kubectl", "operation": "Apply", "fieldsV1": ["f:spec": [:]]]]
        let stored = try NamespacePolicyObject(tree: applied)
        #expect(stored.document[path: ["metadata", "managedFields"]] == nil)
        #expect(stored.document[path: ["metadata", "annotations"]] == ["owner": "ops"])
        #expect(stored.document[path: ["metadata", "labels"]] == ["team": "a"])
        #expect(stored.serialized.count < 1000, "the 2,000-byte copy is gone: \(stored.serialized.count) bytes")
        #expect(stored.metadata.labels == nil && stored.metadata.annotations == nil)
        #expect(stored.metadata.uid == "u-1" && stored.metadata.generation == 2 && stored.metadata.resourceVersion == "7")
        guard case .success(let p) = stored.decoded else {
            Issue.record("did not decode: \(stored.decoded)")
            return
        }
        #expect(p.metadata["labels"] == ["team": "a"])
        var plain = applied
        plain[path: ["metadata", "managedFields"]] = nil
        plain[path: ["metadata", "annotations"]] = ["owner": "ops"]
        #expect(stored.document == plain)
    }

    @Test func aResourceThatDoesNotDecodeGivesItsProblemsOnEveryRead() throws {
        var bad = Self.policy
        bad[path: ["spec", "policies"]] = "not a list"
        let stored = try NamespacePolicyObject(tree: bad)
        guard case .failure(let e) = stored.decoded else {
            Issue.record("decoded: \(stored.decoded)")
            return
        }
        #expect(e.description.contains("policies"))
        #expect(stored.document == bad)
    }
}
