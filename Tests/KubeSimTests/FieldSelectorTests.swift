import Testing

@testable import KubeSim

@Suite struct FieldSelectorTests {
    func error(_ s: String) -> String? {
        do {
            _ = try FieldSelector.parse(s)
            return nil
        } catch { return error.message }
    }

    @Test func parsesOperatorsAndSortsTerms() throws {
        let s = try FieldSelector.parse("status.phase!=Running,metadata.name==a,spec.nodeName=n1")
        #expect(
            s.requirements == [
                .init(field: "metadata.name", op: .equals, value: "a"),
                .init(field: "spec.nodeName", op: .equals, value: "n1"),
                .init(field: "status.phase", op: .notEquals, value: "Running"),
            ])
        #expect(try FieldSelector.parse("").isEmpty)
        #expect(try FieldSelector.parse(",,").isEmpty)
        #expect(try FieldSelector.parse("a=").requirements == [.init(field: "a", op: .equals, value: "")])
    }

    @Test func escapes() throws {
        let s = try FieldSelector.parse(#"metadata.name=a\,b\=c\\d,x=y"#)
        #expect(s.requirements.map(\.value) == [#"a,b=c\d"#, "y"])
        #expect(s.description == #"metadata.name=a\,b\=c\\d,x=y"#)
    }

    @Test func parseErrors() {
        #expect(error("foo") == "invalid selector: 'foo'; can't understand 'foo'")
        #expect(error("a=b,junk") == "invalid selector: 'a=b,junk'; can't understand 'junk'")
        #expect(error(#"a=b\x"#) == #"invalid field selector: invalid escape sequence: \x"#)
        #expect(error(#"a=b\"#) == #"invalid field selector: invalid escape sequence: \"#)
        #expect(error("a=b=c") == "invalid field selector: unescaped character in value: 61")
    }

    @Test func matchingTreatsMissingAsEmpty() throws {
        let s = try FieldSelector.parse("a=,b!=x")
        #expect(s.matches { _ in nil })
        #expect(!s.matches { $0 == "b" ? "x" : nil })
        #expect(!s.matches { $0 == "a" ? "1" : nil })
    }

    @Test func podFields() throws {
        let pod: JSON = [
            "metadata": ["name": "p", "namespace": "ns"],
            "spec": ["nodeName": "n1", "restartPolicy": "Always", "hostNetwork": true],
            "status": ["phase": "Running", "podIPs": [["ip": "10.0.0.1"]], "podIP": "10.0.0.9"],
        ]
        func v(_ f: String) -> String? { FieldSelector.fieldValue(f, group: "", resource: "pods", object: pod) }
        #expect(v("metadata.name") == "p")
        #expect(v("metadata.namespace") == "ns")
        #expect(v("spec.nodeName") == "n1")
        #expect(v("spec.hostNetwork") == "true")
        #expect(v("status.podIP") == "10.0.0.1")
        #expect(v("spec.serviceAccountName") == "")
        #expect(v("status.podIPs") == "")
        #expect(v("metadata.labels") == nil)
        #expect(v("spec.containers") == nil)
        #expect(try FieldSelector.parse("spec.nodeName=n1,status.phase!=Failed").matches(object: pod, group: "", resource: "pods"))
    }

    @Test func perResourceFields() {
        let ev: JSON = ["involvedObject": ["kind": "Pod", "name": "p"], "reason": "Started", "reportingComponent": "kubelet"]
        #expect(FieldSelector.fieldValue("involvedObject.kind", group: "", resource: "events", object: ev) == "Pod")
        #expect(FieldSelector.fieldValue("source", group: "", resource: "events", object: ev) == "kubelet")
        #expect(FieldSelector.fieldValue("regarding.kind", group: "", resource: "events", object: ev) == nil)
        let ev2: JSON = ["regarding": ["name": "p"], "reportingController": "c"]
        #expect(FieldSelector.fieldValue("regarding.name", group: "events.k8s.io", resource: "events", object: ev2) == "p")
        #expect(FieldSelector.fieldValue("reportingController", group: "events.k8s.io", resource: "events", object: ev2) == "c")
        #expect(FieldSelector.fieldValue("source", group: "events.k8s.io", resource: "events", object: ev2) == nil)
        #expect(FieldSelector.fieldValue("type", group: "", resource: "secrets", object: ["type": "Opaque"]) == "Opaque")
        #expect(FieldSelector.fieldValue("spec.unschedulable", group: "", resource: "nodes", object: [:]) == "false")
        #expect(FieldSelector.fieldValue("metadata.namespace", group: "", resource: "nodes", object: [:]) == nil)
        #expect(FieldSelector.fieldValue("status.phase", group: "", resource: "namespaces", object: ["status": ["phase": "Active"]]) == "Active")
        #expect(FieldSelector.fieldValue("status.successful", group: "batch", resource: "jobs", object: ["status": ["succeeded": 2]]) == "2")
        #expect(FieldSelector.fieldValue("status.replicas", group: "apps", resource: "replicasets", object: [:]) == "0")
        #expect(FieldSelector.fieldValue("metadata.name", group: "apps", resource: "deployments", object: ["metadata": ["name": "d"]]) == "d")
        #expect(FieldSelector.fieldValue("spec.replicas", group: "apps", resource: "deployments", object: [:]) == nil)
    }

    @Test func unsupportedMessages() throws {
        #expect(FieldSelector.unsupportedFieldMessage("spec.foo", group: "", resource: "pods") == "field label not supported: spec.foo")
        #expect(
            FieldSelector.unsupportedFieldMessage("spec.replicas", group: "apps", resource: "deployments")
                == "\"spec.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
        #expect(
            FieldSelector.unsupportedFieldMessage("x", group: "batch", resource: "jobs")
                == "field label \"x\" not supported for batchv1.Job")
        #expect(throws: FieldSelectorError("field label not supported: spec.x")) {
            try FieldSelector.parse("spec.x=1").validate(group: "", resource: "secrets")
        }
        #expect(throws: FieldSelectorError("field label not supported: spec.x")) {
            try FieldSelector.parse("spec.x=1").validate(group: "example.com", resource: "widgets", customResource: true)
        }
        try FieldSelector.parse("metadata.name=a").validate(group: "", resource: "configmaps")
    }
}
