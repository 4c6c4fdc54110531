import Testing

@testable import KubeSim

@Suite struct APIListWatchTests {
    @Test func selectorsAndPagination() async throws {
        let sim = try await SimHarness()
        for i in 0..<7 {
            let tier: JSON = i % 2 == 0 ? "front" : "back"
            _ = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("cm\(i)", labels: ["tier": tier, "idx": .string(String(i))]))
        }
        func names(_ j: JSON) -> [String] { j["items"]?.arrayValue?.compactMap { $0[path: ["metadata", "name"]]?.stringValue } ?? [] }
        let (_, eq) = await sim.json("GET", "/api/v1/namespaces/default/configmaps?labelSelector=tier%3Dfront")
        #expect(names(eq) == ["cm0", "cm2", "cm4", "cm6"])
        let (_, ne) = await sim.json("GET", "/api/v1/namespaces/default/configmaps?labelSelector=tier!%3Dfront")
        #expect(names(ne) == ["cm1", "cm3", "cm5"])
        let (_, inSet) = await sim.json("GET", "/api/v1/namespaces/default/configmaps?labelSelector=idx%20in%20(1,2)")
        #expect(names(inSet) == ["cm1", "cm2"])
        let (_, notIn) = await sim.json("GET", "/api/v1/namespaces/default/configmaps?labelSelector=idx%20notin%20(1,2),tier")
        #expect(names(notIn) == ["cm0", "cm3", "cm4", "cm5", "cm6"])
        let (_, notExists) = await sim.json("GET", "/api/v1/namespaces/default/configmaps?labelSelector=!tier")
        #expect(names(notExists).isEmpty)
        let (_, field) = await sim.json("GET", "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dcm3")
        #expect(names(field) == ["cm3"])
        let (bad, badBody) = await sim.json("GET", "/api/v1/namespaces/default/configmaps?labelSelector=a%20in%20x")
        #expect(bad == 400)
        #expect(badBody["message"]?.stringValue?.contains("unable to parse requirement") == true)
        let (badField, _) = await sim.json("GET", "/api/v1/namespaces/default/pods?fieldSelector=spec.bogus%3D1")
        #expect(badField == 400)

        // Pagination: pages of 3 cover everything once, in order.
        var all: [String] = []
        var cont = ""
        var pages = 0
        var remaining: [Int64] = []
        repeat {
            let (_, page) = await sim.json("GET", "/api/v1/namespaces/default/configmaps?limit=3" + (cont.isEmpty ? "" : "&continue=\(cont)"))
            all += names(page)
            cont = page[path: ["metadata", "continue"]]?.stringValue ?? ""
            if let r = page[path: ["metadata", "remainingItemCount"]]?.intValue { remaining.append(r) }
            pages += 1
        } while !cont.isEmpty && pages < 10
        #expect(remaining == [4, 1])  // 7 items: 3 + 3 + 1, the last page has no continue
        #expect(all == (0..<7).map { "cm\($0)" })
        #expect(pages == 3)
        let (badCont, _) = await sim.json("GET", "/api/v1/namespaces/default/configmaps?limit=3&continue=garbage")
        #expect(badCont == 400)
    }

    @Test func everyPageOfAListReportsTheFirstPagesVersionSoAWatchFromItMissesNothing() async throws {
        let sim = try await SimHarness()
        for i in 0..<4 { _ = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("p\(i)")) }
        let (_, first) = await sim.json("GET", "/api/v1/namespaces/default/configmaps?limit=2")
        let listRV = try #require(first[path: ["metadata", "resourceVersion"]]?.stringValue)
        let cont = try #require(first[path: ["metadata", "continue"]]?.stringValue)
        // p0 (already read) changes while the client reads the second page.
        var changed = SimHarness.configMap("p0")
        changed["data"] = ["k": "changed"]
        let (code, _) = await sim.json("PUT", "/api/v1/namespaces/default/configmaps/p0", changed)
        #expect(code == 200)
        let (_, second) = await sim.json("GET", "/api/v1/namespaces/default/configmaps?limit=2&continue=\(cont)")
        #expect(second[path: ["metadata", "resourceVersion"]]?.stringValue == listRV, "the list's version is the first page's")
        // A watch from the list's version (what an informer does) delivers the change to p0.
        let events = await sim.watchEvents("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=\(listRV)&timeoutSeconds=1")
        #expect(events.contains { $0["type"] == "MODIFIED" && $0[path: ["object", "metadata", "name"]] == "p0" }, "\(events)")
    }

    @Test func watchResumesFromResourceVersion() async throws {
        let sim = try await SimHarness()
        let (_, a) = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("w1"))
        let rv = a[path: ["metadata", "resourceVersion"]]!.stringValue!
        _ = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("w2"))
        _ = await sim.json("DELETE", "/api/v1/namespaces/default/configmaps/w1")
        let events = await sim.watchEvents("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=\(rv)&timeoutSeconds=1")
        #expect(events.map { $0["type"]?.stringValue ?? "" } == ["ADDED", "DELETED"])
        #expect(events.map { $0[path: ["object", "metadata", "name"]]?.stringValue ?? "" } == ["w2", "w1"])
        let rvs = events.compactMap { $0[path: ["object", "metadata", "resourceVersion"]]?.stringValue.flatMap { Int($0) } }
        #expect(rvs == rvs.sorted() && rvs.count == 2 && rvs[0] > Int(rv)!)

        // resourceVersion=0: the current state as ADDED events.
        let initial = await sim.watchEvents("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1")
        #expect(initial.map { $0[path: ["object", "metadata", "name"]]?.stringValue ?? "" } == ["w2"])
    }

    @Test func watchFromCompactedVersionIsGone() async throws {
        let sim = try await SimHarness(eventWindow: 3)
        let (_, first) = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("g0"))
        let rv = first[path: ["metadata", "resourceVersion"]]!.stringValue!
        for i in 1...5 { _ = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("g\(i)")) }
        let events = await sim.watchEvents("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=\(rv)&timeoutSeconds=5")
        #expect(events.count == 1)
        #expect(events.first?["type"] == "ERROR")
        #expect(events.first?[path: ["object", "code"]] == 410)
        #expect(events.first?[path: ["object", "reason"]] == "Expired")
        #expect(events.first?[path: ["object", "message"]]?.stringValue?.hasPrefix("too old resource version: \(rv)") == true)
    }

    @Test func watchWithSelectorSeesObjectsLeaveAndEnter() async throws {
        let sim = try await SimHarness()
        let (_, a) = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("s1", labels: ["app": "x"]))
        let rv = a[path: ["metadata", "resourceVersion"]]!.stringValue!
        _ = await sim.json("PATCH", "/api/v1/namespaces/default/configmaps/s1", ["metadata": ["labels": ["app": "y"]]], contentType: "application/merge-patch+json")
        _ = await sim.json("PATCH", "/api/v1/namespaces/default/configmaps/s1", ["metadata": ["labels": ["app": "x"]]], contentType: "application/merge-patch+json")
        let events = await sim.watchEvents("/api/v1/namespaces/default/configmaps?watch=1&labelSelector=app%3Dx&resourceVersion=\(rv)&timeoutSeconds=1")
        #expect(events.map { $0["type"]?.stringValue ?? "" } == ["DELETED", "ADDED"])
    }

    @Test func bookmarksAndInitialEventsEnd() async throws {
        let sim = try await SimHarness()
        _ = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("b1"))
        let events = await sim.watchEvents("/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1")
        #expect(events.map { $0["type"]?.stringValue ?? "" } == ["ADDED", "BOOKMARK"])
        #expect(events.last?[path: ["object", "metadata", "annotations", "k8s.io/initial-events-end"]] == "true")
        // A periodic bookmark carries the current resourceVersion.
        let task = Task { await sim.watchEvents("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1&allowWatchBookmarks=true&timeoutSeconds=2") }
        try await Task.sleep(for: .milliseconds(300))
        await sim.store.sendBookmarks()
        let later = await task.value
        let bookmark = later.first { $0["type"] == "BOOKMARK" }
        let current = await sim.store.currentResourceVersion
        #expect(bookmark?[path: ["object", "metadata", "resourceVersion"]] == .string(String(current)))
    }

    @Test func closeWatchesEndsStreams() async throws {
        let sim = try await SimHarness()
        let task = Task { await sim.watchEvents("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1&timeoutSeconds=30") }
        try await Task.sleep(for: .milliseconds(200))
        let closed = await sim.store.closeWatches()
        #expect(closed == 1)
        let events = await task.value  // returns promptly instead of after 30 s
        #expect(events.isEmpty)
    }
}
