import Foundation
import Synchronization
import ProcessFixtures
import VigilHTTP
import VigilJSON
import VigilRuntime

/// A local HTTP receiver for webhook tests: the project's own receiver,
/// `tools/webhook_receiver.py`, run with `--steps`, so it answers POSTs from a
/// script of steps (status, headers, body, a delay before answering; the last
/// step repeats) and logs every POST it received, when it arrived (before any
/// delay). When given the key, it also checks each request's Standard
/// Webhooks signature with Python's own `hmac`, independently of the Swift
/// code under test. `GET /requests` returns the log.
final class WebhookTestReceiver: Sendable {
    struct Step {
        var status: Int
        var headers: [String: String] = [:]
        var body: String = ""
        var delaySeconds: Double = 0
    }

    /// One POST as the receiver saw it.
    struct Received {
        var headers: [(String, String)]
        var body: [UInt8]
        /// Python's verdict on the signature; nil when it was given no key.
        var pythonVerified: Bool?

        func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
    }

    /// `tools/webhook_receiver.py`, found from this file's place in the repository.
    static let receiverScript = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tools/webhook_receiver.py").path

    let base: String
    private let process: ChildProcess
    private let client: HTTPClient

    /// Where to POST.
    var url: String { base + "/hook" }

    private init(base: String, process: ChildProcess, client: HTTPClient) {
        self.base = base
        self.process = process
        self.client = client
    }

    /// Starts a receiver; `key` (raw key bytes) turns on Python's signature
    /// check (without the timestamp's age: senders in these tests run on a
    /// test clock).
    static func start(_ steps: [Step], key: [UInt8]? = nil) async throws -> WebhookTestReceiver {
        let stepsJSON = JSON.array(steps.map { s in
            var headers = JSONObject()
            for (k, v) in s.headers.sorted(by: { $0.key < $1.key }) { headers[k] = .string(v) }
            return .obj(["status": .int(Int64(s.status)), "headers": .object(headers), "body": .string(s.body), "delay": .double(s.delaySeconds)])
        })
        var args = [receiverScript, "--steps", stepsJSON.serializedString]
        if let key { args += ["--secret", "whsec_" + Base64.encode(key), "--tolerance", "0"] }
        let process = ChildProcess(executable: "/usr/bin/env", arguments: ["python3"] + args, name: "webhook receiver")
        let line = try await process.launchReadingFirstLine(timeout: .seconds(10))
        guard line.hasPrefix("http://127.0.0.1:"), Int(line.dropFirst("http://127.0.0.1:".count)) != nil else {
            process.stop()
            throw ChildProcessError(message: "the webhook receiver printed '\(line)' instead of its URL")
        }
        return WebhookTestReceiver(base: line, process: process, client: try HTTPClient())
    }

    /// Every POST received so far, oldest first.
    func received() async throws -> [Received] {
        let response = try await client.execute(HTTPRequest(url: base + "/requests"))
        guard response.status == 200, let entries = try JSON.parse(response.body).arrayValue else {
            throw ChildProcessError(message: "the webhook receiver's log is unreadable (status \(response.status))")
        }
        return entries.map { e in
            let headers = (e["headers"]?.arrayValue ?? []).map { ($0[0]?.stringValue ?? "", $0[1]?.stringValue ?? "") }
            return Received(headers: headers, body: Base64.decode(e["body"]?.stringValue ?? "") ?? [], pythonVerified: e["verified"]?.boolValue)
        }
    }

    func stop() {
        client.shutdown()
        process.stop()
    }
}

/// A clock whose time moves only when something sleeps on it, at once, by
/// exactly the requested time; it records each wait. Backoff runs without
/// real waiting, and timestamps follow the waits exactly.
final class WebhookStepClock: RuntimeClock {
    private let state = Mutex<(now: Double, sleeps: [Double])>((0, []))

    func now() -> Double { state.withLock { $0.now } }

    func sleep(until deadline: Double) async throws {
        try Task.checkCancellation()
        state.withLock { s in
            s.sleeps.append(max(0, deadline - s.now))
            s.now = max(s.now, deadline)
        }
    }

    /// The waits requested so far, in seconds.
    var sleeps: [Double] { state.withLock { $0.sleeps } }
}
