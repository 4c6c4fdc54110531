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
}
