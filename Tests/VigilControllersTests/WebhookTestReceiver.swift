import Foundation
import Synchronization
import TestSupport
import VigilHTTP
import VigilJSON
import VigilRuntime

/// A local HTTP receiver for webhook tests: a python3 `ThreadingHTTPServer`
/// child that answers POSTs from a script of steps (status, headers, body,
/// a delay before answering; the last step repeats) and logs every POST it
/// received, when it arrived (before any delay). When given the key, it also
/// checks each request's Standard Webhooks signature with Python's own
/// `hmac`, independently of the Swift code under test. `GET /` returns the log.
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

    static let script = #"""
        import base64, hashlib, hmac, json, sys, threading, time
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        steps = json.loads(sys.argv[1])
        key = base64.b64decode(sys.argv[2]) if len(sys.argv) > 2 else None
        log, lock = [], threading.Lock()

        def verified(headers, body):
            if key is None:
                return None
            signed = (headers.get("webhook-id", "") + "." + headers.get("webhook-timestamp", "") + ".").encode() + body
            expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
            sigs = [s[3:] for s in headers.get("webhook-signature", "").split(" ") if s.startswith("v1,")]
            return any(hmac.compare_digest(s, expected) for s in sigs)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with lock:
                    data = json.dumps(log).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with lock:
                    index = len(log)
                    log.append({"headers": [[k.lower(), v] for k, v in self.headers.items()],
                                "body": base64.b64encode(body).decode(),
                                "verified": verified(self.headers, body)})
                step = steps[min(index, len(steps) - 1)]
                time.sleep(step.get("delay", 0))
                out = step.get("body", "").encode()
                try:
                    self.send_response(step["status"])
                    for k, v in step.get("headers", {}).items():
                        self.send_header(k, v)
                    self.send_header("content-length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass  # the client gave up (timeout tests)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    let url: String
    private let process: ChildProcess
    private let client: HTTPClient

    private init(url: String, process: ChildProcess, client: HTTPClient) {
        self.url = url
        self.process = process
        self.client = client
    }

    /// Starts a receiver; `key` (raw key bytes) turns on Python's signature check.
    static func start(_ steps: [Step], key: [UInt8]? = nil) async throws -> WebhookTestReceiver {
        let scriptFile = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-webhook-receiver-\(UUID().uuidString).py")
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: scriptFile) }
        let stepsJSON = JSON.array(steps.map { s in
            var headers = JSONObject()
            for (k, v) in s.headers.sorted(by: { $0.key < $1.key }) { headers[k] = .string(v) }
            return .obj(["status": .int(Int64(s.status)), "headers": .object(headers), "body": .string(s.body), "delay": .double(s.delaySeconds)])
        })
        var args = [scriptFile.path, stepsJSON.serializedString]
        if let key { args.append(Base64.encode(key)) }
        let process = ChildProcess(executable: "/usr/bin/env", arguments: ["python3"] + args, name: "webhook receiver")
        let line = try await process.launchReadingFirstLine(timeout: .seconds(10))
        guard let port = Int(line.trimmingCharacters(in: .whitespaces)) else {
            process.stop()
            throw ChildProcessError(message: "the webhook receiver printed '\(line)' instead of its port")
        }
        return WebhookTestReceiver(url: "http://127.0.0.1:\(port)/hook", process: process, client: try HTTPClient())
    }

    /// Every POST received so far, oldest first.
    func received() async throws -> [Received] {
        let response = try await client.execute(HTTPRequest(url: url))
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
