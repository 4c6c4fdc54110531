import Testing
import VigilAPI
import VigilControllers
import VigilJSON

@Suite struct NamespacePolicyScaleDownTests {
    typealias F = NSPFixture
    static let annotation = ScaleDownAction.savedReplicasAnnotation

    func deployment(_ name: String, replicas: Int, labels: [String: String] = ["app": "web"], annotations: [String: String] = [:]) -> JSON {
        var o = JSON.obj(["apiVersion": "apps/v1", "kind": "Deployment"])
        o[path: ["metadata", "name"]] = .string(name)
        o[path: ["metadata", "namespace"]] = "demo"
        o[path: ["metadata", "resourceVersion"]] = "42"
        var l = JSONObject()
        for (k, v) in labels { l[k] = .string(v) }
        o[path: ["metadata", "labels"]] = .object(l)
        if !annotations.isEmpty {
            var a = JSONObject()
            for (k, v) in annotations { a[k] = .string(v) }
            o[path: ["metadata", "annotations"]] = .object(a)
        }
        o[path: ["spec", "replicas"]] = .int(Int64(replicas))
        return o
    }

    let web = [ScaleDownAction.Target(kind: .deployment, labels: LabelSelectorSpec(matchLabels: ["app": "web"]))]

    func apply(_ patches: [WorkloadPatch], to objects: [JSON]) -> [JSON] {
        objects.map { o in
            let name = o[path: ["metadata", "name"]]?.stringValue
            return patches.filter { $0.name == name }.reduce(o) { F.mergePatch($0, $1.body) }
        }
    }

    @Test func scaleDownSavesReplicasAndSetsZero() throws {
        let w = try #require(ScaleWorkload(json: deployment("web", replicas: 3)))
        let patches = ScaleDownPlanner.scaleDown([w], selectors: web, namespace: "demo")
        #expect(patches.count == 1)
        #expect(patches[0].body == JSON.obj([
            "metadata": .obj(["resourceVersion": "42", "annotations": .obj([Self.annotation: "3"])]),
            "spec": .obj(["replicas": 0]),
        ]))
        #expect(patches[0].description == "scale Deployment demo/web from 3 to 0")
    }

    @Test func appliedTwiceNeverLosesTheSavedCount() throws {
        var objects = [deployment("web", replicas: 3)]
        let w1 = objects.compactMap(ScaleWorkload.init(json:))
        objects = apply(ScaleDownPlanner.scaleDown(w1, selectors: web, namespace: "demo"), to: objects)
        #expect(objects[0][path: ["metadata", "annotations", Self.annotation]] == "3")
        #expect(objects[0][path: ["spec", "replicas"]] == .int(0))

        // Second run on the scaled-down object: nothing to do.
        let w2 = objects.compactMap(ScaleWorkload.init(json:))
        #expect(ScaleDownPlanner.scaleDown(w2, selectors: web, namespace: "demo").isEmpty)

        // Someone scaled it back to 2 by hand: scaled to 0 again, saved count kept.
        objects[0][path: ["spec", "replicas"]] = .int(2)
        let w3 = objects.compactMap(ScaleWorkload.init(json:))
        let again = ScaleDownPlanner.scaleDown(w3, selectors: web, namespace: "demo")
        #expect(again.count == 1)
        #expect(again[0].body[path: ["metadata", "annotations"]] == nil)
        objects = apply(again, to: objects)
        #expect(objects[0][path: ["metadata", "annotations", Self.annotation]] == "3")
        #expect(objects[0][path: ["spec", "replicas"]] == .int(0))
    }

    @Test func alreadyAtZeroWithNothingSavedIsLeftAlone() {
        let w = ScaleWorkload(kind: .deployment, namespace: "demo", name: "idle", labels: ["app": "web"], replicas: 0)
        #expect(ScaleDownPlanner.scaleDown([w], selectors: web, namespace: "demo").isEmpty)
        #expect(ScaleDownPlanner.restore([w], namespace: "demo").isEmpty)
    }

    @Test func selectorsPickByKindLabelsAndNamespace() {
        let workloads = [
            ScaleWorkload(kind: .deployment, namespace: "demo", name: "web", labels: ["app": "web"], replicas: 2),
            ScaleWorkload(kind: .deployment, namespace: "demo", name: "api", labels: ["app": "api"], replicas: 2),
            ScaleWorkload(kind: .statefulSet, namespace: "demo", name: "db", labels: ["app": "web"], replicas: 1),
            ScaleWorkload(kind: .statefulSet, namespace: "other", name: "db2", replicas: 1),
        ]
        let onlyWeb = ScaleDownPlanner.scaleDown(workloads, selectors: web, namespace: "demo")
        #expect(onlyWeb.map(\.name) == ["web"])
        let all = ScaleDownPlanner.scaleDown(workloads, selectors: [.init(kind: .statefulSet), .init(kind: .deployment, labels: LabelSelectorSpec())], namespace: "demo")
        #expect(all.map(\.name) == ["api", "web", "db"])
    }

    @Test func restoreRoundTrip() {
        let original = [deployment("web", replicas: 3), deployment("web-2", replicas: 1)]
        var objects = original
        let down = ScaleDownPlanner.scaleDown(objects.compactMap(ScaleWorkload.init(json:)), selectors: web, namespace: "demo")
        objects = apply(down, to: objects)
        #expect(objects.allSatisfy { $0[path: ["spec", "replicas"]] == .int(0) })
        let up = ScaleDownPlanner.restore(objects.compactMap(ScaleWorkload.init(json:)), selectors: web, namespace: "demo")
        #expect(up.map(\.description) == ["restore Deployment demo/web from 0 to 3 replicas", "restore Deployment demo/web-2 from 0 to 1 replicas"])
        objects = apply(up, to: objects)
        // Back to the original replicas; the annotation is gone (an empty annotations object remains).
        for (restored, before) in zip(objects, original) {
            #expect(restored[path: ["spec", "replicas"]] == before[path: ["spec", "replicas"]])
            #expect(restored[path: ["metadata", "annotations", Self.annotation]] == nil)
        }
        // Restoring again does nothing.
        #expect(ScaleDownPlanner.restore(objects.compactMap(ScaleWorkload.init(json:)), namespace: "demo").isEmpty)
    }

    @Test func aMalformedSavedCountIsReplacedOnlyWhenThereAreReplicasToSave() {
        let bad = ScaleWorkload(kind: .deployment, namespace: "demo", name: "web", labels: ["app": "web"], annotations: [Self.annotation: "three"], replicas: 4)
        #expect(bad.savedReplicas == nil)
        let p = ScaleDownPlanner.scaleDown([bad], selectors: web, namespace: "demo")
        #expect(p.first?.body[path: ["metadata", "annotations", Self.annotation]] == "4")
        #expect(ScaleDownPlanner.restore([bad], namespace: "demo").isEmpty)
    }
}
