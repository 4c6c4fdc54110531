import Foundation
import Kube
import ProcessFixtures
import Testing
import VigilAPI
import VigilControllers
import VigilHTTP
import VigilJSON
import VigilRuntime
import VigilYAML
import Yams

/// The action engine against kube-sim with its simulated workloads: every
/// action does what it says, once per key (a repeat finds its earlier work),
/// a dry run sends every write with dryRun=All, a template naming a missing
/// value runs nothing, captured output flows into later actions even after a
/// "failover" (a fresh engine), and a 403 names what to grant.
@Suite(.serialized) struct ActionEngineTests {
    /// One kube-sim with the CounterMeasure CRD, a namespace and a CounterMeasure to own the ledger.
    struct World {
        let sim: KubeSimProcess
        let client: KubeClient
        let http: HTTPClient
        let uid: String
        let namespace: String

        var subject: EventRecorder.Subject {
            .init(apiVersion: CounterMeasure.apiVersion, kind: CounterMeasure.kind, namespace: namespace, name: "runbook", uid: uid)
        }

        static func start() async throws -> World {
            let sim = try await KubeSimProcess.start(workloads: true)
            let client = try KubeClient(server: sim.url, options: .init(qps: 0))
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let crd = try String(contentsOf: root.appendingPathComponent("deploy/crds/vigil.dev_countermeasures.yaml"), encoding: .utf8)
            _ = try await client.send(.create(.customResourceDefinitions, namespace: nil, body: try yaml(crd).serialized()))
            _ = try await client.create(.namespaces, Namespace(metadata: ObjectMeta(name: "shop")))
            let cm = try yaml("""
                apiVersion: vigil.dev/v1alpha1
                kind: CounterMeasure
                metadata: {name: runbook, namespace: shop}
                spec: {trigger: {alert: {name: X}}, actions: [{deleteNamespace: {}}]}
                """)
            var created: DynamicObject?
            for _ in 0..<50 {
                if let r = try? await client.send(.create(CounterMeasureObject.descriptor, namespace: "shop", body: cm.serialized())) {
                    created = try KubeJSON.decode(DynamicObject.self, from: r.body)
                }
                if created != nil { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let uid = try #require(created?.metadata.uid)
            return World(sim: sim, client: client, http: try HTTPClient(), uid: uid, namespace: "shop")
        }

        static func yaml(_ text: String) throws -> JSON {
            guard let node = try Yams.compose(yaml: text), let json = JSON(yaml: node) else { throw TestFailure("not YAML: \(text)") }
            return json
        }

        func engine(clock: any RuntimeClock = SystemClock()) -> ActionEngine {
            ActionEngine(executor: ActionExecutor(client: client, http: http, replica: "test", clock: clock, pollInterval: 0.1))
        }

        func ledger() -> EffectLedgerStore<KubeClient> {
            EffectLedgerStore(client: client, resource: CounterMeasureObject.descriptor, namespace: namespace, name: "runbook", owner: "test")
        }

        func run(_ instance: String, labels: [String: String] = [:], dryRun: Bool = false) -> ActionEngine.Run {
            ActionEngine.Run(
                subject: subject, resource: CounterMeasureObject.descriptor, instance: instance, target: "t", namespace: namespace,
                values: TemplateValues(namespace: namespace, labels: labels, resourceName: "runbook"), dryRun: dryRun, defaultWebhookBody: { _ in Array("{}".utf8) })
        }

        func actions(_ yaml: String) throws -> [ActionSpec] {
            let doc = "apiVersion: vigil.dev/v1alpha1\nkind: CounterMeasure\nmetadata: {name: runbook, namespace: shop}\nspec:\n  trigger: {alert: {name: X}}\n  actions:\n"
                + yaml.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
            return try CounterMeasure(json: try World.yaml(doc)).spec.actions
        }

        /// The sequence number the next logged write will get.
        func mark() async throws -> Int {
            let r = try await http.execute(HTTPRequest(url: sim.url + "/sim/requests?since=1000000000"))
            return Int(try JSON.parse(r.body)["next"]?.intValue ?? 0)
        }

        /// Write requests logged by kube-sim since `mark`, as (method, path, dryRun).
        func writes(since mark: Int = 0) async throws -> [(method: String, path: String, dryRun: Bool)] {
            let r = try await http.execute(HTTPRequest(url: sim.url + "/sim/requests?since=\(mark)"))
            return (try JSON.parse(r.body)["items"]?.arrayValue ?? []).map {
                ($0["method"]?.stringValue ?? "", $0["path"]?.stringValue ?? "", $0["dryRun"]?.boolValue ?? false)
            }
        }

        /// Writes other than the ledger's own (status of the CounterMeasure).
        func actionWrites(since mark: Int = 0) async throws -> [(method: String, path: String, dryRun: Bool)] {
            try await writes(since: mark).filter { !$0.path.contains("/countermeasures") && !$0.path.hasSuffix("/events") && !$0.path.contains("customresourcedefinitions") }
        }

        /// Creates a Deployment and waits for one Running pod; returns the pod's name.
        func deployment(_ name: String, annotations: [String: String] = [:]) async throws -> String {
            var ann = ""
            for (k, v) in annotations { ann += "\(k): \"\(v)\", " }
            let d = try World.yaml("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: \(name), namespace: shop}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: \(name)}}
                  template:
                    metadata: {labels: {app: \(name)}, annotations: {\(ann)}}
                    spec: {containers: [{name: app, image: eclipse-temurin:21, resources: {limits: {memory: 256Mi}, requests: {memory: 256Mi}}}]}
                """)
            _ = try await client.send(.create(.deployments, namespace: namespace, body: d.serialized()))
            for _ in 0..<100 {
                let pods = try await client.list(Pod.self, namespace: namespace, options: ListOptions(labelSelector: "app=\(name)")).items
                if let p = pods.first(where: { $0.status?.phase == "Running" }), let n = p.metadata.name { return n }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestFailure("no Running pod of \(name) within 10 s")
        }

        func stop() {
            http.shutdown()
            sim.stop()
        }
    }

    @Test func aThreadDumpIsCapturedAndThePodDeletedOnceEvenWhenRunTwice() async throws {
        let w = try await World.start()
        defer { w.stop() }
        let pod = try await w.deployment("checkout")
        let actions = try w.actions("""
            - debug: {pod: "{{labels.pod}}", targetContainer: app, image: eclipse-temurin:21-jdk, command: [jcmd, "1", Thread.print], capture: true}
            - deletePod: {name: "{{labels.pod}}"}
            """)
        let run = w.run("alert/abc/1", labels: ["pod": pod])
        let first = try await w.engine().run(actions, run, ledger: w.ledger(), cached: nil)
        #expect(first.finished, "\(first.steps)")
        let output = try #require(first.steps[0].output)
        #expect(output.text.contains("Full thread dump"))
        let cm = try await w.client.get(ConfigMap.self, namespace: "shop", name: output.configMap)
        #expect(cm.data?["output"]?.contains("Full thread dump") == true)
        #expect(cm.metadata.ownerReferences?.first?.uid == w.uid)
        // A second run of the same instance (a resumed or repeated reconcile) does nothing new.
        let second = try await w.engine().run(actions, run, ledger: w.ledger(), cached: nil)
        #expect(second.finished && second.steps.allSatisfy { $0.summary.hasSuffix("(done earlier)") })
        #expect(second.steps[0].output?.text.contains("Full thread dump") == true)
        let writes = try await w.actionWrites()
        #expect(writes.filter { $0.method == "DELETE" && $0.path.hasSuffix("/pods/\(pod)") }.count == 1)
        #expect(writes.filter { $0.path.hasSuffix("/pods/\(pod)/ephemeralcontainers") }.count == 1)
    }

    @Test func outputFlowsIntoAWebhookBodyAfterAFailover() async throws {
        let w = try await World.start()
        defer { w.stop() }
        let pod = try await w.deployment("checkout")
        let receiver = try await WebhookTestReceiver.start([.init(status: 503), .init(status: 200)])
        defer { receiver.stop() }
        let actions = try w.actions("""
            - debug: {pod: "{{labels.pod}}", image: eclipse-temurin:21-jdk, command: [jstack, "1"], capture: true}
            - webhook: {url: "\(receiver.url)", maxAttempts: 1, body: '{"text": "dump of {{labels.pod}}: {{outputs.0}}"}'}
            """)
        let run = w.run("alert/def/1", labels: ["pod": pod])
        let first = try await w.engine().run(actions, run, ledger: w.ledger(), cached: nil)
        #expect(first.steps.map(\.phase) == [.succeeded, .retrying])
        // Another replica (a fresh engine, nothing in memory) looks at once: the retry is not due (5 s backoff).
        let second = try await w.engine().run(actions, run, ledger: w.ledger(), cached: nil).steps
        #expect(second.map(\.phase) == [.succeeded, .retrying] && (second.last?.retryAfter ?? 0) > 0, "\(second)")
        #expect(try await receiver.received().count == 1)
        // Once it is due, a fresh engine finishes the run, the debug output read back from its ConfigMap.
        try await Task.sleep(for: .seconds(5.2))
        let third = try await w.engine().run(actions, run, ledger: w.ledger(), cached: nil)
        #expect(third.finished, "\(third.steps)")
        let delivered = try await receiver.received()
        #expect(delivered.count == 2)
        let body = try JSON.parse(try #require(delivered.last).body)
        let text = try #require(body["text"]?.stringValue)
        #expect(text.hasPrefix("dump of \(pod): ") && text.contains("Full thread dump") && text.contains("\n"))
    }

    @Test func aTemplateNamingAMissingLabelRunsNothing() async throws {
        let w = try await World.start()
        defer { w.stop() }
        let pod = try await w.deployment("web")
        // The first action is fine, the second names a missing label: neither runs.
        let actions = try w.actions("- deletePod: {name: \"{{labels.pod}}\"}\n- deletePod: {name: \"{{labels.nope}}\"}")
        let mark = try await w.mark()
        let outcome = try await w.engine().run(actions, w.run("alert/x/1", labels: ["pod": pod]), ledger: w.ledger(), cached: nil)
        #expect(outcome.failed && outcome.steps.count == 1 && outcome.steps[0].index == 1)
        #expect(outcome.steps[0].error?.contains("{{labels.nope}}") == true)
        #expect(try await w.actionWrites(since: mark).isEmpty)
        #expect(try await w.ledger().read().entries.isEmpty)
    }

    @Test func aDryRunSendsEveryWriteWithDryRunAllAndCallsNoWebhook() async throws {
        let w = try await World.start()
        defer { w.stop() }
        let pod = try await w.deployment("api")
        let receiver = try await WebhookTestReceiver.start([.init(status: 200)])
        defer { receiver.stop() }
        _ = try await w.client.send(.create(.configMaps, namespace: "shop", body: try World.yaml("{apiVersion: v1, kind: ConfigMap, metadata: {name: cfg}, data: {a: '1'}}").serialized()))
        let before = try await w.client.get(.deployments, namespace: "shop", name: "api")
        let actions = try w.actions("""
            - restart: {kind: Deployment, name: api}
            - scale: {kind: Deployment, name: api, replicas: 3}
            - patch: {apiVersion: v1, kind: ConfigMap, name: cfg, patch: '{"data": {"a": "{{labels.pod}}"}}'}
            - resize: {pod: "{{labels.pod}}", container: app, memory: 512Mi}
            - debug: {pod: "{{labels.pod}}", image: busybox, command: [sh], capture: true}
            - job: {template: {template: {spec: {containers: [{name: j, image: busybox}], restartPolicy: Never}}}, wait: true, capture: true}
            - webhook: {url: "\(receiver.url)"}
            - event: {reason: Would, message: "{{labels.pod}}"}
            - delete: {apiVersion: v1, kind: ConfigMap, name: cfg}
            - deletePod: {name: "{{labels.pod}}"}
            - deleteNamespace: {}
            """)
        let mark = try await w.mark()
        let outcome = try await w.engine().run(actions, w.run("promql/x/1", labels: ["pod": pod], dryRun: true), ledger: w.ledger(), cached: nil)
        #expect(outcome.finished, "\(outcome.steps)")
        #expect(outcome.steps.allSatisfy { $0.summary.hasPrefix("would ") }, "\(outcome.steps.map(\.summary))")
        let writes = try await w.actionWrites(since: mark)
        #expect(writes.count >= 9)
        let notDry = writes.filter { !$0.dryRun }.map { "\($0.method) \($0.path)" }
        #expect(notDry.isEmpty, "\(notDry)")
        #expect(try await receiver.received().isEmpty)
        let after = try await w.client.get(.deployments, namespace: "shop", name: "api")
        #expect(after.spec == before.spec)
        #expect(try await w.client.get(ConfigMap.self, namespace: "shop", name: "cfg").data?["a"] == "1")
        let ns = try await w.client.get(Namespace.self, name: "shop")
        #expect(ns.metadata.deletionTimestamp == nil)
    }

    @Test func eachActionDoesWhatItSaysOnceUnderItsKey() async throws {
        let w = try await World.start()
        defer { w.stop() }
        let pod = try await w.deployment("api")
        _ = try await w.client.send(.create(.configMaps, namespace: "shop", body: try World.yaml("{apiVersion: v1, kind: ConfigMap, metadata: {name: cfg}, data: {a: '1'}}").serialized()))
        let actions = try w.actions("""
            - resize: {pod: "{{labels.pod}}", container: app, memory: 512Mi}
            - patch: {apiVersion: v1, kind: ConfigMap, name: cfg, type: json, patch: '[{"op": "replace", "path": "/data/a", "value": "{{labels.pod}}"}]'}
            - job: {template: {template: {metadata: {annotations: {sim.vigil.dev/logs: "job says hi to {{labels.pod}}"}}, spec: {containers: [{name: j, image: busybox}], restartPolicy: Never}}}, wait: true, capture: true, timeout: 30s}
            - event: {type: Warning, reason: MemoryHigh, message: "{{labels.pod}} is hot"}
            - restart: {kind: Deployment, name: api}
            - scale: {kind: Deployment, name: api, replicas: 2}
            """)
        let run = w.run("alert/each/1", labels: ["pod": pod])
        let mark = try await w.mark()
        let outcome = try await w.engine().run(actions, run, ledger: w.ledger(), cached: nil)
        #expect(outcome.finished, "\(outcome.steps)")
        let writes = try await w.actionWrites(since: mark)
        #expect(writes.contains { $0.method == "PATCH" && $0.path.hasSuffix("/pods/\(pod)/resize") })
        #expect(try await w.client.get(ConfigMap.self, namespace: "shop", name: "cfg").data?["a"] == pod)
        #expect(outcome.steps[2].output?.text.contains("job says hi to \(pod)") == true, "\(outcome.steps[2])")
        let events = try await w.client.list(.events, namespace: "shop").items
        #expect(events.contains { $0.other["reason"]?.stringValue == "MemoryHigh" && $0.other["message"]?.stringValue == "\(pod) is hot" })
        let api = try JSON.parse(try await w.client.send(.get(.deployments, namespace: "shop", name: "api")).body)
        #expect(api[path: ["spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"]] != nil)
        #expect(api[path: ["spec", "replicas"]] == .int(2))
        #expect(api[path: ["metadata", "annotations", ScaleDownAction.savedReplicasAnnotation]] == .string("1"))
        // The same run again writes nothing new (the restart is not rolled twice).
        let again = try await w.mark()
        _ = try await w.engine().run(actions, run, ledger: w.ledger(), cached: nil)
        #expect(try await w.actionWrites(since: again).isEmpty)
        // Deleting a kind found through discovery; a cluster-scoped kind is refused.
        let more = try w.actions("""
            - delete: {apiVersion: vigil.dev/v1alpha1, kind: CounterMeasure, name: nope}
            - delete: {apiVersion: v1, kind: Node, name: sim-node-1}
            """)
        let refused = try await w.engine().run(more, w.run("alert/more/1"), ledger: w.ledger(), cached: nil)
        #expect(refused.steps.map(\.phase) == [.succeeded, .failed])
        #expect(refused.steps[1].error?.contains("cluster-scoped") == true)
    }

    @Test func aNamespaceIsDeletedOnlyWhileItIsTheOneWhoseUIDWasSeen() async throws {
        let w = try await World.start()
        defer { w.stop() }
        let executor = ActionExecutor(client: w.client, http: w.http, replica: "test")
        func context(_ ns: String) -> ActionExecutor.Context {
            ActionExecutor.Context(subject: w.subject, namespace: ns, key: EffectKey(resourceUID: w.uid, trigger: "nsp/expire/g1", actionIndex: 0), dryRun: false, defaultWebhookBody: { [] })
        }
        let old = try await w.client.create(.namespaces, Namespace(metadata: ObjectMeta(name: "old-tenant")))
        let oldUID = try #require(old.metadata.uid)
        // The namespace is deleted and a new one made under its name before
        // the (idempotent) delete runs again: the repeat must not touch it.
        _ = try await executor.execute(.deleteNamespace(uid: oldUID), context("old-tenant"))
        for _ in 0..<50 where (try? await w.client.get(.namespaces, name: "old-tenant")) != nil { try await Task.sleep(for: .milliseconds(50)) }
        let recreated = try await w.client.create(.namespaces, Namespace(metadata: ObjectMeta(name: "old-tenant")))
        #expect(recreated.metadata.uid != oldUID)
        let again = try await executor.execute(.deleteNamespace(uid: oldUID), context("old-tenant"))
        #expect(again.summary.contains("already gone"), "\(again.summary)")
        let still = try await w.client.get(.namespaces, name: "old-tenant")
        #expect(still.metadata.uid == recreated.metadata.uid && still.metadata.deletionTimestamp == nil, "the new namespace was left alone")
        // Without a UID (other kinds' deleteNamespace) the name is enough.
        _ = try await executor.execute(.deleteNamespace(), context("old-tenant"))
        let gone = try? await w.client.get(.namespaces, name: "old-tenant")
        #expect(gone == nil || gone?.metadata.deletionTimestamp != nil)
    }

    @Test func aForbiddenWriteNamesTheVerbTheResourceAndTheLabel() async throws {
        let w = try await World.start()
        defer { w.stop() }
        let pod = try await w.deployment("web")
        try await w.sim.setFaults(#"{"rules": [{"status": 403, "verbs": ["delete"], "resources": ["pods"], "message": "pods is forbidden"}]}"#)
        let outcome = try await w.engine().run(try w.actions("- deletePod: {name: \"{{labels.pod}}\"}"), w.run("alert/f/1", labels: ["pod": pod]), ledger: w.ledger(), cached: nil)
        #expect(outcome.failed)
        let error = try #require(outcome.steps[0].error)
        #expect(error.contains("may not delete pods shop/\(pod)") && error.contains("rbac.vigil.dev/aggregate-to-vigil"))
        let entry = try #require(try await w.ledger().read().entries.first)
        #expect(entry.phase == .failed && entry.nextRetryAt == nil)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
