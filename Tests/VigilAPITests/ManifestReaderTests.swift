import Testing
import VigilAPI
import VigilJSON

@Suite struct ManifestReaderTests {
    @Test func multiDocumentYAMLKeepsDocumentNumbers() throws {
        let text = """
            # leading comment
            apiVersion: vigil.dev/v1alpha1
            kind: NamespacePolicy
            metadata: {name: a, namespace: demo}
            ---
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            ---
            apiVersion: vigil.dev/v1alpha1
            kind: NamespacePolicy
            metadata: {name: x, namespace: demo}
            spec: {policies: [{name: p, condition: {}, action: {deleteNamespace: {}}}]}
            """
        let docs = try ManifestReader.documents(in: text, source: "a.yaml")
        #expect(docs.map(\.index) == [1, 3, 4])
        #expect(docs.map(\.kind) == ["NamespacePolicy", "ConfigMap", "NamespacePolicy"])
        #expect(docs.map(\.isNamespacePolicy) == [true, false, true])
        #expect(docs[1].label == "a.yaml: document 3 (ConfigMap settings)")
        let bad = docs[2]
        #expect(bad.messages(for: NamespacePolicyValidator().problems(in: bad.json)) == [
            "a.yaml: document 4 (NamespacePolicy demo/x): spec.policies[0].condition: exactly one of ttl, expiresAt, podsSucceeded must be set"
        ])
    }

    @Test func listsAreUnpackedWithItemNumbers() throws {
        // What `kubectl get nsp -o yaml` prints.
        let text = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: vigil.dev/v1alpha1
              kind: NamespacePolicy
              metadata: {name: one, namespace: demo}
              spec: {policies: [{name: p, condition: {ttl: 1h}, action: {deleteNamespace: {}}}]}
            - apiVersion: vigil.dev/v1alpha1
              kind: NamespacePolicy
              metadata: {name: two, namespace: demo}
              spec: {policies: [{name: p, condition: {ttl: 2h}, action: {deleteNamespace: {}}}]}
            metadata:
              resourceVersion: ""
            """
        let docs = try ManifestReader.documents(in: text, source: "list.yaml")
        #expect(docs.map(\.location) == ["list.yaml: document 1, item 1", "list.yaml: document 1, item 2"])
        #expect(docs.map(\.subject) == ["NamespacePolicy demo/one", "NamespacePolicy demo/two"])
        #expect(docs.allSatisfy { NamespacePolicyValidator().problems(in: $0.json).isEmpty })
    }

    @Test func jsonIsReadToo() throws {
        let text = #"{"apiVersion":"vigil.dev/v1alpha1","kind":"NamespacePolicy","metadata":{"name":"j"},"spec":{"policies":[{"name":"p","condition":{"ttl":"1h"},"action":{"deleteNamespace":{}}}]}}"#
        let docs = try ManifestReader.documents(in: text, source: "p.json")
        #expect(docs.count == 1)
        #expect(try NamespacePolicy(json: docs[0].json).spec.policies[0].condition == .ttl(.hours(1)))
        #expect(docs[0].label == "p.json: document 1 (NamespacePolicy j)")
    }

    @Test func emptyTextHasNoDocuments() throws {
        #expect(try ManifestReader.documents(in: "", source: "e.yaml").isEmpty)
        #expect(try ManifestReader.documents(in: "---\n# only a comment\n---\n", source: "e.yaml").isEmpty)
    }

    @Test func badYAMLSaysWhere() {
        let text = "apiVersion: v1\nkind: ConfigMap\n---\nmetadata:\n  name: [unclosed\n"
        let error = #expect(throws: ResourceFileError.self) { try ManifestReader.documents(in: text, source: "bad.yaml") }
        #expect(error?.document == 2)
        #expect(error?.description.hasPrefix("bad.yaml: document 2: yaml: line ") == true)
    }

    @Test func nonObjectsAreRefused() {
        let list = #expect(throws: ResourceFileError.self) { try ManifestReader.documents(in: "- a\n- b\n", source: "l.yaml") }
        #expect(list?.description == "l.yaml: document 1: must be an object (a resource with apiVersion, kind and metadata), found array")
        let text = #expect(throws: ResourceFileError.self) { try ManifestReader.documents(in: "kind: ConfigMap\n---\njust text\n", source: "s.yaml") }
        #expect(text?.description == "s.yaml: document 2: must be an object (a resource with apiVersion, kind and metadata), found string \"just text\"")
        let item = #expect(throws: ResourceFileError.self) { try ManifestReader.documents(in: "kind: List\nitems: [1]\n", source: "s.yaml") }
        #expect(item?.description == "s.yaml: document 1: items[0]: must be an object (a resource), found integer 1")
    }

    @Test func nullMembersAreLeftOutAsTheAPIServerPrunesThem() throws {
        let text = """
            apiVersion: vigil.dev/v1alpha1
            kind: MemoryScaler
            metadata: {name: cache, namespace: shop, labels: null}
            spec:
              maxMemory: 1Gi
              onOOMKilled:
              selector: {matchLabels: {app: cache}, matchExpressions: null}
            """
        let doc = try #require(try ManifestReader.documents(in: text, source: "a.yaml").first)
        #expect(doc.json[path: ["spec", "onOOMKilled"]] == .null, "read as written")
        let served = doc.asServed
        #expect(served[path: ["spec", "onOOMKilled"]] == nil && served[path: ["metadata", "labels"]] == nil)
        #expect(served[path: ["spec", "selector"]] == ["matchLabels": ["app": "cache"]])
        let list = ResourceDocument(source: "b.yaml", index: 1, json: ["items": [.null, ["a": .null, "b": 1]]]).asServed
        #expect(list["items"] == [.null, ["b": 1]], "nulls in lists stay; members of their objects go")
        #expect(MemoryScalerValidator().problems(in: served).isEmpty)
        #expect(!MemoryScalerValidator().problems(in: doc.json).isEmpty, "the validator itself still names a null")
    }
}
