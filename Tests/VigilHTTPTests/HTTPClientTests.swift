import Foundation
import Testing
import ProcessFixtures
import VigilHTTP

/// Runs `body` and returns the `HTTPClientError` it threw (nil, with an issue, if it succeeded).
func capture<T>(_ body: () async throws(HTTPClientError) -> T) async -> HTTPClientError? {
    do {
        _ = try await body()
        Issue.record("expected an HTTPClientError")
        return nil
    } catch {
        return error
    }
}

/// Runs `body` and returns its outcome as a value.
func result<T>(_ body: () async throws(HTTPClientError) -> T) async -> Result<T, HTTPClientError> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

@Suite("HTTPClient against kube-sim")
struct HTTPClientTests {
    @Test func bufferedGetPostDelete() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }

        let version = try await client.execute(HTTPRequest(url: sim.url + "/version"))
        #expect(version.status == 200)
        #expect(version.httpVersion == "1.1")
        #expect(version.header("Content-Type")?.contains("application/json") == true)
        #expect(version.text.contains("\"gitVersion\""))

        let body = #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"posted"}}"#
        let created = try await client.execute(HTTPRequest(
            method: "POST", url: sim.url + "/api/v1/namespaces", headers: [("Content-Type", "application/json")], body: Array(body.utf8)))
        #expect(created.status == 201)
        #expect(created.text.contains("\"name\":\"posted\""))

        let patched = try await client.execute(HTTPRequest(
            method: "PATCH", url: sim.url + "/api/v1/namespaces/posted", headers: [("Content-Type", "application/merge-patch+json")],
            body: Array(#"{"metadata":{"labels":{"a":"b"}}}"#.utf8)))
        #expect(patched.status == 200)
        #expect(patched.text.contains("\"a\":\"b\""))

        let missing = try await client.execute(HTTPRequest(url: sim.url + "/api/v1/namespaces/absent"))
        #expect(missing.status == 404, "an HTTP error status is a response, not a thrown error")
        #expect(missing.text.contains("NotFound"))

        let deleted = try await client.execute(HTTPRequest(method: "DELETE", url: sim.url + "/api/v1/namespaces/posted"))
        #expect(deleted.status == 200)
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let n = 500
        let start = ContinuousClock.now
        for _ in 0..<n {
            let r = try await client.execute(HTTPRequest(url: sim.url + "/version"))
            #expect(r.status == 200)
        }
        let elapsed = ContinuousClock.now - start
        let stats = client.statistics
        #expect(stats.transfersCompleted == n)
        #expect(stats.connectionsOpened == 1, "keep-alive: every request after the first reuses the connection")
        print("sequential keep-alive GET /version: \(n) in \(elapsed), \(Int(Double(n) / elapsed.seconds)) req/s")
    }

    @Test func concurrentRequestsFromManyTasks() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try HTTPClient(configuration: .init(maxConnectionsPerHost: 8))
        defer { client.shutdown() }
        let start = ContinuousClock.now
        let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<50 {
                group.addTask {
                    var s: [Int] = []
                    for _ in 0..<10 { s.append(try await client.execute(HTTPRequest(url: sim.url + "/api/v1/namespaces")).status) }
                    return s
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let elapsed = ContinuousClock.now - start
        #expect(statuses.count == 500)
        #expect(statuses.allSatisfy { $0 == 200 })
        #expect(client.statistics.connectionsOpened <= 8, "maxConnectionsPerHost caps connections")
        print("concurrent LIST namespaces, 50 tasks × 10: \(Int(500 / elapsed.seconds)) req/s over \(client.statistics.connectionsOpened) connections")
    }

    @Test func requestTimeout() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        try await sim.setFaults(#"{"latencyMs":2000}"#)
        let client = try HTTPClient()
        defer { client.shutdown() }
        let start = ContinuousClock.now
        let error = await capture { () async throws(HTTPClientError) in
            try await client.execute(HTTPRequest(url: sim.url + "/api/v1/namespaces", timeout: .milliseconds(300)))
        }
        #expect(error?.kind == .timeout)
        #expect(error?.message.contains("timed out") == true, "\(String(describing: error))")
        #expect(ContinuousClock.now - start < .milliseconds(1900))  // well before the 2 s the server would take
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        try await sim.setFaults(#"{"latencyMs":5000}"#)
        let client = try HTTPClient()
        defer { client.shutdown() }
        let task = Task { await result { () async throws(HTTPClientError) in try await client.execute(HTTPRequest(url: sim.url + "/api/v1/namespaces")) } }
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        task.cancel()
        let error = await capture { () async throws(HTTPClientError) in try await task.value.get() }
        #expect(error?.kind == .cancelled)
        #expect(ContinuousClock.now - start < .seconds(2))  // not the 5 s the server would take
        #expect(client.statistics.transfersCompleted == 1)
    }

    @Test func connectionRefusedNamesHostAndPort() async throws {
        let port = try freeLoopbackPort()
        let client = try HTTPClient()
        defer { client.shutdown() }
        let error = await capture { () async throws(HTTPClientError) in
            try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/version"))
        }
        #expect(error?.kind == .connect)
        #expect(error?.message.contains("127.0.0.1") == true)
        #expect(error?.message.contains("\(port)") == true, "\(String(describing: error))")
    }

    @Test func unresolvableHostIsDNSError() async throws {
        let client = try HTTPClient()
        defer { client.shutdown() }
        let error = await capture { () async throws(HTTPClientError) in
            try await client.execute(HTTPRequest(url: "http://vigil-no-such-host.invalid/version", timeout: .seconds(10)))
        }
        #expect(error?.kind == .dns)
        #expect(error?.message.contains("vigil-no-such-host.invalid") == true, "\(String(describing: error))")
    }

    @Test func invalidRequestsAreRejectedBeforeSending() async throws {
        let client = try HTTPClient()
        defer { client.shutdown() }
        let bad: [HTTPRequest] = [
            HTTPRequest(url: "not a url"),
            HTTPRequest(url: "ftp://127.0.0.1/x"),
            HTTPRequest(url: "http://127.0.0.1/", headers: [("X-Bad", "a\r\nInjected: 1")]),
            HTTPRequest(method: "GET /", url: "http://127.0.0.1/"),
        ]
        for request in bad {
            let error = await capture { () async throws(HTTPClientError) in try await client.execute(request) }
            #expect(error?.kind == .invalidRequest, "\(request.url)")
        }
        #expect(client.statistics.transfersCompleted == 0)
    }

    @Test func shutdownFailsRunningAndLaterRequests() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        try await sim.setFaults(#"{"latencyMs":3000}"#)
        let client = try HTTPClient()
        let task = Task { await result { () async throws(HTTPClientError) in try await client.execute(HTTPRequest(url: sim.url + "/api/v1/namespaces")) } }
        try await Task.sleep(for: .milliseconds(200))
        client.shutdown()
        client.shutdown()
        let running = await capture { () async throws(HTTPClientError) in try await task.value.get() }
        #expect(running?.kind == .cancelled)
        let later = await capture { () async throws(HTTPClientError) in
            try await client.execute(HTTPRequest(url: sim.url + "/version"))
        }
        #expect(later?.kind == .cancelled)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
