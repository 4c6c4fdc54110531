import Foundation
import Testing

@testable import Kube

@Suite struct WatchDecodingTests {
    func line(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func eventSplitAcrossChunks() throws {
        let stream = #"{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"5"},"data":{"k":"v"}}}"# + "\n"
            + #"{"type":"DELETED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"6"}}}"# + "\n"
        let bytes = Array(stream.utf8)
        // Every split point gives the same two events.
        for cut in stride(from: 1, to: bytes.count, by: 7) {
            var s = WatchLineSplitter()
            var lines = try s.feed(bytes[..<cut])
            lines += try s.feed(bytes[cut...])
            #expect(lines.count == 2)
            let events = try lines.map { try WatchEventDecoder.decode($0, as: ConfigMap.self) }
            guard case .added(let a) = events[0], case .deleted(let d) = events[1] else {
                Issue.record("wrong events at cut \(cut)")
                continue
            }
            #expect(a.metadata.name == "a" && a.data == ["k": "v"])
            #expect(d.metadata.resourceVersion == "6")
        }
    }

    @Test func twoMebibyteEvent() throws {
        let big = String(repeating: "x", count: 2 << 20)
        let stream = #"{"type":"MODIFIED","object":{"metadata":{"name":"big"},"data":{"blob":""# + big + #""}}}"# + "\n"
        var s = WatchLineSplitter()
        var lines: [[UInt8]] = []
        let bytes = Array(stream.utf8)
        var i = 0
        while i < bytes.count {  // 16 KiB chunks, as a socket would deliver
            lines += try s.feed(bytes[i..<min(i + 16384, bytes.count)])
            i += 16384
        }
        #expect(lines.count == 1)
        guard case .modified(let cm) = try WatchEventDecoder.decode(lines[0], as: ConfigMap.self) else {
            Issue.record("not MODIFIED")
            return
        }
        #expect(cm.data?["blob"]?.count == 2 << 20)
    }

    @Test func oversizedLineIsRefused() throws {
        var s = WatchLineSplitter(maxLineBytes: 1000)
        #expect(throws: KubeError.self) { _ = try s.feed([UInt8](repeating: 65, count: 1001)) }
    }

    @Test func bookmarkAndInitialEventsEnd() throws {
        let b = try WatchEventDecoder.decode(line(#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12345","creationTimestamp":null}}}"#), as: Pod.self)
        #expect(b == .bookmark(resourceVersion: "12345", initialEventsEnd: false))
        let e = try WatchEventDecoder.decode(line(#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"9","annotations":{"k8s.io/initial-events-end":"true"}}}}"#), as: Pod.self)
        #expect(e == .bookmark(resourceVersion: "9", initialEventsEnd: true))
    }

    @Test func errorEvents() throws {
        let gone = line(#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (120)","reason":"Expired","code":410}}"#)
        do {
            _ = try WatchEventDecoder.decode(gone, as: Pod.self)
            Issue.record("410 did not throw")
        } catch {
            guard case .gone(let m) = error else { Issue.record("not .gone: \(error)"); return }
            #expect(m == "too old resource version: 5 (120)")
        }
        let other = line(#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"boom","reason":"InternalError","code":500}}"#)
        do {
            _ = try WatchEventDecoder.decode(other, as: Pod.self)
            Issue.record("ERROR did not throw")
        } catch {
            #expect(error.statusCode == 500)
        }
    }

    @Test func garbageIsADecodingError() throws {
        for g in ["not json", "{\"type\":\"ADDED\"}", "{\"type\":\"WHAT\",\"object\":{}}", "{\"type\":\"ADDED\",\"object\":{\"metadata\":7}}", "[1,2]"] {
            do {
                _ = try WatchEventDecoder.decode(line(g), as: ConfigMap.self)
                Issue.record("\(g) decoded")
            } catch {
                guard case .decoding = error else { Issue.record("\(g): \(error)"); continue }
            }
        }
    }

    @Test func dynamicObjectsKeepUnknownFields() throws {
        let ev = try WatchEventDecoder.decode(line(#"{"type":"ADDED","object":{"apiVersion":"vigil.dev/v1alpha1","kind":"NamespacePolicy","metadata":{"name":"p"},"spec":{"policies":[{"name":"ttl"}]},"extra":{"x":1}}}"#), as: DynamicObject.self)
        guard case .added(let o) = ev else { Issue.record("not ADDED"); return }
        #expect(o.kind == "NamespacePolicy")
        #expect(o.spec?["policies"] == .array([.object(["name": .string("ttl")])]))
        #expect(o.other["extra"] == .object(["x": .int(1)]))
    }
}
