import Foundation
import Kube
import Testing
import ProcessFixtures

/// The client against a real kube-sim process: every verb and subresource,
/// watches that survive dropped streams and 410s, and 429 storms.
@Suite("KubeClient against kube-sim", .serialized)
struct KubeClientIntegrationTests {
    func cm(_ name: String, _ data: [String: String] = ["k": "v"]) -> ConfigMap {
        ConfigMap(metadata: ObjectMeta(name: name), data: data)
    }

    @Test func crudVerbs() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try KubeClient(server: sim.url)
        let created = try await client.create(.configMaps, cm("a"))
        #expect(created.metadata.uid?.count == 36)
        let got = try await client.get(ConfigMap.self, name: "a")
        #expect(got.data == ["k": "v"])
        do {
            _ = try await client.create(.configMaps, cm("a"))
            Issue.record("duplicate create succeeded")
        } catch {
            #expect(error.isAlreadyExists)
            #expect(error.statusCode == 409)
        }
        do {
            _ = try await client.get(ConfigMap.self, name: "missing")
            Issue.record("get of a missing object succeeded")
        } catch {
            #expect(error.isNotFound)
            guard case .api(let e) = error else { Issue.record("\(error)"); return }
            #expect(e.message == "configmaps \"missing\" not found")
        }
        // Patches: merge, JSON patch with a resourceVersion test, strategic, apply.
        let merged = try await client.patch(.configMaps, name: "a", type: .merge, body: Array(#"{"data":{"m":"1"}}"#.utf8))
        #expect(merged.other["data"] == .object(["k": .string("v"), "m": .string("1")]))
        let rv = merged.metadata.resourceVersion ?? ""
        let jp = #"[{"op":"test","path":"/metadata/resourceVersion","value":"\#(rv)"},{"op":"add","path":"/data/j","value":"2"}]"#
        _ = try await client.patch(.configMaps, name: "a", type: .json, body: Array(jp.utf8))
        do {
            _ = try await client.patch(.configMaps, name: "a", type: .json, body: Array(jp.utf8))
            Issue.record("stale JSON patch test passed")
        } catch {
            #expect(error.statusCode == 422)
        }
        _ = try await client.patch(.configMaps, name: "a", type: .strategic, body: Array(#"{"metadata":{"labels":{"s":"1"}}}"#.utf8))
        let applied = try await client.patch(.configMaps, name: "b", type: .apply(fieldManager: "vigil-test", force: false),
            body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"},"data":{"x":"y"}}"#.utf8))
        #expect(applied.metadata.name == "b")
        // Pagination over every page.
        for i in 0..<7 { _ = try await client.create(.configMaps, cm("p\(i)")) }
        let all = try await client.listAll(ConfigMap.self, namespace: "default", pageSize: 3)
        #expect(all.items.compactMap(\.metadata.name).filter { $0.hasPrefix("p") } == (0..<7).map { "p\($0)" })
        #expect(!all.resourceVersion.isEmpty)
        // dryRun writes nothing.
        _ = try await client.create(.configMaps, cm("dry"), options: WriteOptions(dryRun: true))
        await #expect(throws: KubeError.self) { _ = try await client.get(ConfigMap.self, name: "dry") }
        // Delete with a wrong UID precondition is a conflict; then a plain delete works.
        do {
            try await client.delete(.configMaps, name: "a", options: DeleteOptions(preconditionUID: "nope"))
            Issue.record("precondition ignored")
        } catch {
            #expect(error.isConflict)
        }
        try await client.delete(.configMaps, name: "a")
        await #expect(throws: KubeError.self) { _ = try await client.get(ConfigMap.self, name: "a") }
    }

    @Test func statusAndScaleSubresources() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try KubeClient(server: sim.url)
        let dep = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}"#
        _ = try await client.send(.create(.deployments, namespace: "default", body: Array(dep.utf8)))
        let scale = try await client.get(.deployments, name: "web", subresource: "scale")
        #expect(scale.kind == "Scale")
        #expect(scale.spec?["replicas"]?.intValue == 2)
        _ = try await client.patch(.deployments, name: "web", subresource: "scale", type: .merge, body: Array(#"{"spec":{"replicas":5}}"#.utf8))
        let d = try await client.get(Deployment.self, name: "web")
        #expect(d.spec?.replicas == 5)
        // Status: read the whole object (DynamicObject keeps every field), change it,
        // write it back with its resourceVersion as the precondition.
        var status = try await client.get(.deployments, name: "web")
        status.status = .object(["observedGeneration": .int(2), "replicas": .int(5)])
        let written = try await client.replaceStatus(.deployments, name: "web", status)
        #expect(written.status?["replicas"]?.intValue == 5)
        do {
            _ = try await client.replaceStatus(.deployments, name: "web", status)  // stale resourceVersion now
            Issue.record("stale status write accepted")
        } catch {
            #expect(error.isConflict)
        }
    }

    @Test func kubeconfigWithTokenEndToEnd() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kubecfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("config").path
        let sim = try await KubeSimProcess.start(arguments: ["--token", "s3cret", "--kubeconfig-out", path])
        defer { sim.stop() }
        let config = try KubeConfigLoader.load(path: path, environment: [:])
        #expect(config.endpoint.server == sim.url)
        #expect(config.namespace == "default")
        let client = try await KubeClient(config: config)
        let ns = try await client.get(Namespace.self, name: "kube-system")
        #expect(ns.status?.phase == "Active")
        // The wrong token is refused with the API's 401 Status.
        let wrong = try KubeClient(server: sim.url, token: "nope")
        do {
            _ = try await wrong.get(Namespace.self, name: "default")
            Issue.record("wrong token accepted")
        } catch {
            #expect(error.statusCode == 401)
        }
    }

    @Test func podSubresources() async throws {
        let sim = try await KubeSimProcess.start(workloads: true)
        defer { sim.stop() }
        let client = try KubeClient(server: sim.url)
        let pod = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"app","annotations":{"sim.vigil.dev/logs":"hello from app"}},"spec":{"containers":[{"name":"app","image":"eclipse-temurin:17","resources":{"requests":{"memory":"128Mi"},"limits":{"memory":"256Mi"}}}]}}"#
        _ = try await client.send(.create(.pods, namespace: "default", body: Array(pod.utf8)))
        try await waitUntil { (try? await client.get(Pod.self, name: "app"))?.status?.phase == "Running" }
        let logs = try await client.logs(pod: "app")
        #expect(logs.contains("hello from app"))
        // Ephemeral debug container.
        let ec = #"{"spec":{"ephemeralContainers":[{"name":"debugger","image":"eclipse-temurin:17","command":["jcmd","1","Thread.print"],"targetContainerName":"app"}]}}"#
        _ = try await client.patch(.pods, name: "app", subresource: "ephemeralcontainers", type: .strategic, body: Array(ec.utf8))
        try await waitUntil {
            (try? await client.get(Pod.self, name: "app"))?.status?.ephemeralContainerStatuses?.first?.state?.terminated != nil
        }
        let dump = try await client.logs(pod: "app", container: "debugger")
        #expect(dump.contains("Full thread dump"))
        // In-place resize.
        let resize = #"{"spec":{"containers":[{"name":"app","resources":{"requests":{"memory":"256Mi"},"limits":{"memory":"512Mi"}}}]}}"#
        _ = try await client.patch(.pods, name: "app", subresource: "resize", type: .strategic, body: Array(resize.utf8))
        let p = try await client.get(Pod.self, name: "app")
        #expect(p.spec?.containers.first?.resources?.limits?["memory"] == "512Mi")
        // Eviction.
        _ = try await client.send(.evict(namespace: "default", pod: "app"))
        try await waitUntil { (try? await client.get(Pod.self, name: "app")) == nil }
    }

    @Test func watchSurvivesDroppedStreamsAndReportsGone() async throws {
        let sim = try await KubeSimProcess.start(arguments: ["--event-window", "50"])
        defer { sim.stop() }
        let client = try KubeClient(server: sim.url)
        let start = try await client.list(ConfigMap.self, namespace: "default").metadata.resourceVersion ?? "0"
        var seen: [String] = []
        var lastRV = start
        var reconnects = 0
        let names = (0..<20).map { "w\($0)" }
        let writer = Task {
            for (i, n) in names.enumerated() {
                _ = try await client.create(.configMaps, cm(n))
                if i == 7 || i == 14 { try await sim.setFaults(#"{"dropWatches":true}"#) }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        while seen.count < names.count && reconnects < 10 {
            let stream = client.watch(ConfigMap.self, namespace: "default", options: ListOptions(resourceVersion: lastRV, timeoutSeconds: 10))
            for try await ev in stream {
                if case .added(let o) = ev {
                    seen.append(o.metadata.name ?? "")
                    lastRV = o.metadata.resourceVersion ?? lastRV
                }
                if seen.count == names.count { break }
            }
            reconnects += 1
        }
        try await writer.value
        #expect(seen == names)  // every event exactly once, in order, across reconnects
        #expect(reconnects >= 2)
        // Push the start version out of the 50-event window: a watch from it is Gone.
        for i in 0..<60 { _ = try await client.create(.configMaps, cm("g\(i)")) }
        do {
            for try await _ in client.watch(ConfigMap.self, namespace: "default", options: ListOptions(resourceVersion: start, timeoutSeconds: 5)) {}
            Issue.record("watch from a compacted resourceVersion did not fail")
        } catch let e as KubeError {
            guard case .gone = e else { Issue.record("\(e)"); return }
        }
    }

    @Test func retriesA429Storm() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try KubeClient(server: sim.url, options: .init(qps: 0, maxRetriesOn429: 5))
        try await sim.setFaults(#"{"rules":[{"status":429,"count":4,"retryAfterSeconds":0,"verbs":["get"]}]}"#)
        let ns = try await client.get(Namespace.self, name: "default")
        #expect(ns.metadata.name == "default")
        let stats = try await sim.stats()
        #expect(stats.contains("\"injectedFaults\":4"))
        // A storm longer than the retry budget surfaces as a 429.
        try await sim.setFaults(#"{"rules":[{"status":429,"count":50,"retryAfterSeconds":0,"verbs":["get"]}]}"#)
        do {
            _ = try await client.get(Namespace.self, name: "default")
            Issue.record("storm did not surface")
        } catch {
            #expect(error.statusCode == 429)
        }
    }

    @Test func clientSideRateLimit() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try KubeClient(server: sim.url, options: .init(qps: 20, burst: 1))
        let t0 = ContinuousClock.now
        for _ in 0..<11 { _ = try await client.get(Namespace.self, name: "default") }
        // 1 from the burst, then 10 at 20/s: at least 0.5 s however fast the server is.
        #expect(ContinuousClock.now - t0 >= .milliseconds(450))
    }

    func waitUntil(_ timeout: Duration = .seconds(15), _ cond: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await cond() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("condition not met within \(timeout)")
    }
}
