import Foundation
import Testing
import ProcessFixtures
import VigilHTTP

/// Splits a byte stream into lines.
struct LineSplitter {
    private var pending: [UInt8] = []

    mutating func feed(_ chunk: [UInt8]) -> [[UInt8]] {
        pending += chunk
        var lines: [[UInt8]] = []
        var start = 0
        while let nl = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(Array(pending[start..<nl]))
            start = nl + 1
        }
        pending.removeFirst(start)
        return lines
    }
}

/// `metadata.name` of a watch event line.
func eventObjectName(_ line: [UInt8]) -> String? {
    guard let json = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
        let object = json["object"] as? [String: Any], let metadata = object["metadata"] as? [String: Any]
    else { return nil }
    return metadata["name"] as? String
}

@Suite("HTTPClient streaming against kube-sim")
struct HTTPStreamingTests {
    @Test func slowConsumerPausesTransferAndKeepsMemoryBounded() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let limit = 64 * 1024
        let client = try HTTPClient(configuration: .init(maxConnectionsPerHost: 4, streamBufferLimit: limit))
        defer { client.shutdown() }

        let list = try await client.execute(HTTPRequest(url: sim.url + "/api/v1/namespaces"))
        let listJSON = try #require(try JSONSerialization.jsonObject(with: Data(list.body)) as? [String: Any])
        let rv = try #require((listJSON["metadata"] as? [String: Any])?["resourceVersion"] as? String)

        let count = 2000
        let names = (0..<count).map { String(format: "bulk-%04d", $0) }
        let start = ContinuousClock.now
        for name in names {
            let body = #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(name)","labels":{"filler":"\#(String(repeating: "x", count: 60))"}}}"#
            let r = try await client.execute(HTTPRequest(
                method: "POST", url: sim.url + "/api/v1/namespaces", headers: [("Content-Type", "application/json")], body: Array(body.utf8)))
            try #require(r.status == 201)
        }
        let createElapsed = ContinuousClock.now - start
        print("created \(count) namespaces sequentially: \(Int(Double(count) / createElapsed.seconds)) POST/s")

        let watch = try await client.stream(HTTPRequest(url: sim.url + "/api/v1/namespaces?watch=1&resourceVersion=\(rv)&timeoutSeconds=30"))
        #expect(watch.status == 200)
        #expect(watch.header("content-type")?.contains("json") == true)

        // Let the server fill the buffer while nobody reads, then read slowly.
        try await Task.sleep(for: .milliseconds(300))
        var splitter = LineSplitter()
        var received: [String] = []
        var bytes = 0
        var chunks = 0
        for try await chunk in watch.body {
            bytes += chunk.count
            chunks += 1
            if chunks % 20 == 0 { try await Task.sleep(for: .milliseconds(2)) }
            for line in splitter.feed(chunk) {
                if let name = eventObjectName(line), name.hasPrefix("bulk-") { received.append(name) }
            }
            if received.count == count { break }
        }
        #expect(received == names, "every event arrives once, in order")
        let stats = client.statistics
        #expect(stats.streamPauses > 0, "the slow reader paused the transfer")
        #expect(stats.peakStreamBufferedBytes <= limit + 16 * 1024, "buffer stays near its limit")
        print("watch: \(bytes) bytes in \(chunks) chunks, \(stats.streamPauses) pauses, peak buffered \(stats.peakStreamBufferedBytes) bytes (limit \(limit))")
    }

    @Test func idleTimeoutEndsAStalledStream() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        // The idle clock runs from the last bytes received, which come after the request is sent:
        // so the timeout cannot fire sooner than 500 ms after this instant.
        let start = ContinuousClock.now
        let watch = try await client.stream(HTTPRequest(url: sim.url + "/api/v1/namespaces?watch=1&timeoutSeconds=30"), idleTimeout: .milliseconds(500))
        #expect(watch.status == 200)
        try await sim.setFaults(#"{"stallSeconds":3}"#)
        let error = await capture { () async throws(HTTPClientError) in
            for try await _ in watch.body {}
        }
        #expect(error?.kind == .idleTimeout)
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(490) && elapsed < .milliseconds(2500), "\(elapsed)")
    }

    @Test func requestTimeoutBeforeHeaders() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        try await sim.setFaults(#"{"latencyMs":2000}"#)
        let client = try HTTPClient()
        defer { client.shutdown() }
        let error = await capture { () async throws(HTTPClientError) in
            try await client.stream(HTTPRequest(url: sim.url + "/api/v1/namespaces?watch=1", timeout: .milliseconds(300)))
        }
        #expect(error?.kind == .timeout)
    }

    @Test func droppedWatchEndsTheStream() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let watch = try await client.stream(HTTPRequest(url: sim.url + "/api/v1/namespaces?watch=1&timeoutSeconds=30"))
        var iterator = watch.body.makeAsyncIterator()
        let first = try await iterator.next()
        #expect(first?.isEmpty == false, "initial ADDED events")
        try await sim.setFaults(#"{"dropWatches":true}"#)
        let start = ContinuousClock.now
        let outcome = await result { () async throws(HTTPClientError) -> Int in
            var n = 0
            while try await iterator.next() != nil { n += 1 }
            return n
        }
        // A cut chunked stream is a protocol error; a clean close is the end of the body.
        if case .failure(let error) = outcome { #expect(error.kind == .protocolError, "\(error)") }
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(try await iterator.next() == nil, "after the end, next() stays nil")
    }

    @Test func cancellingTheReaderAbortsTheStream() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let watch = try await client.stream(HTTPRequest(url: sim.url + "/api/v1/namespaces?watch=1&timeoutSeconds=30"))
        let reader = Task {
            await result { () async throws(HTTPClientError) -> Int in
                var n = 0
                for try await chunk in watch.body { n += chunk.count }
                return n
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        reader.cancel()
        let outcome = await reader.value
        guard case .failure(let error) = outcome else {
            Issue.record("expected .cancelled, got \(outcome)")
            return
        }
        #expect(error.kind == .cancelled)
        #expect(ContinuousClock.now - start < .seconds(2))  // at once, not at the watch's end
        try await waitForOpenWatches(sim, 0)
    }

    @Test func droppingTheResponseAbortsTheTransfer() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        do {
            let watch = try await client.stream(HTTPRequest(url: sim.url + "/api/v1/namespaces?watch=1&timeoutSeconds=30"))
            #expect(watch.status == 200)
            try await waitForOpenWatches(sim, 1)
        }
        try await waitForOpenWatches(sim, 0)
        #expect(client.statistics.transfersCompleted >= 1)
    }

    @Test func fixedBodyStreamForFakes() async throws {
        let body = HTTPBodyStream(chunks: [[1, 2], [3]], error: HTTPClientError(kind: .protocolError, message: "cut", url: "x"))
        var seen: [UInt8] = []
        let error = await capture { () async throws(HTTPClientError) in
            for try await chunk in body { seen += chunk }
        }
        #expect(seen == [1, 2, 3])
        #expect(error?.kind == .protocolError)
    }

    /// Polls `/sim/stats` until `openWatches` is `expected` (within 3 s). kube-sim notices a
    /// closed watch connection only when it writes an event, so each poll creates a namespace.
    private func waitForOpenWatches(_ sim: KubeSimProcess, _ expected: Int) async throws {
        let client = try HTTPClient()
        defer { client.shutdown() }
        var last = -1
        for i in 0..<60 {
            let body = #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"poke-\#(i)-\#(UInt32.random(in: 0...UInt32.max))"}}"#
            _ = try await client.execute(HTTPRequest(method: "POST", url: sim.url + "/api/v1/namespaces", headers: [("Content-Type", "application/json")], body: Array(body.utf8)))
            let r = try await client.execute(HTTPRequest(url: sim.url + "/sim/stats"))
            let json = try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]
            last = json?["openWatches"] as? Int ?? -1
            if last == expected { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("openWatches is \(last), expected \(expected)")
    }
}
