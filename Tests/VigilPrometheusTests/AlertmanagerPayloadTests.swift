import Foundation
import ProcessFixtures
import Testing
import VigilHTTP
import VigilJSON

@testable import VigilPrometheus

/// Alertmanager's webhook payload (version "4"): decoded strictly with the
/// field named on every error, and checked against a real Alertmanager
/// (`/usr/bin/prometheus-alertmanager`, the Debian package): its
/// fingerprint is `LabelFingerprint`'s, so an alert pushed by Alertmanager
/// and the same alert polled from Prometheus have one identity.
@Suite struct AlertmanagerPayloadTests {
    static let body = #"""
        {"receiver":"vigil","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"HighCPU","namespace":"shop","pod":"web-1"},
        "annotations":{"summary":"hot"},"startsAt":"2026-12-07T04:27:05.197610164Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p/graph",
        "fingerprint":"4a8bb97064b28158"}],"groupLabels":{"alertname":"HighCPU"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am",
        "version":"4","groupKey":"{}:{alertname=\"HighCPU\"}","truncatedAlerts":0}
        """#

    @Test func decodesVersion4() throws {
        let p = try AlertmanagerPayload.decode(Array(Self.body.utf8))
        #expect(p.status == .firing && p.groupKey == #"{}:{alertname="HighCPU"}"# && p.receiver == "vigil" && p.truncatedAlerts == 0)
        let a = try #require(p.alerts.first)
        #expect(a.name == "HighCPU" && a.namespace == "shop" && a.annotations["summary"] == "hot" && a.endsAt == nil)
        #expect(a.fingerprint == "4a8bb97064b28158" && a.fingerprint == LabelFingerprint.of(a.labels))
        #expect(a.startsAt.text == "2026-12-07T04:27:05.197610164Z" && a.startsAt.microsecondsSinceEpoch % 1_000_000 == 197_610)
        // Forwarding re-encodes it; the copy decodes to the same alerts.
        #expect(try AlertmanagerPayload.decode(p.json.serialized()) == p)
    }

    @Test func errorsNameTheField() {
        func error(_ text: String) -> String {
            do {
                _ = try AlertmanagerPayload.decode(Array(text.utf8))
                return "no error"
            } catch { return error.description }
        }
        #expect(error("not json").hasPrefix("the body is not JSON"))
        #expect(error(#"{"version":"3"}"#) == #"version: "3" is not supported: only version "4" (Alertmanager 0.x's webhook payload)"#)
        #expect(error(#"{"version":"4","groupKey":"g","status":"firing"}"#) == "alerts: required: a list of alerts")
        #expect(error(#"{"version":"4","groupKey":"g","status":"firing","alerts":[{"status":"burning","labels":{"a":"b"},"startsAt":"2026-01-01T00:00:00Z"}]}"#)
            == #"alerts[0].status: "burning" is not firing or resolved"#)
        #expect(error(#"{"version":"4","groupKey":"g","status":"firing","alerts":[{"status":"firing","labels":{"a":1},"startsAt":"2026-01-01T00:00:00Z"}]}"#)
            == "alerts[0].labels.a: must be a string, found integer")
        #expect(error(#"{"version":"4","groupKey":"g","status":"firing","alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":"yesterday"}]}"#)
            == #"alerts[0].startsAt: "yesterday" is not an RFC 3339 time"#)
    }

    @Test func aRealAlertmanagerSendsWhatThisDecodesWithTheSameFingerprint() async throws {
        let binary = "/usr/bin/prometheus-alertmanager"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(binary) not found: install it with `apt-get install prometheus-alertmanager`")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let receiver = ChildProcess(executable: "/usr/bin/env", arguments: ["python3", root.appendingPathComponent("tools/webhook_receiver.py").path, "--port", "0"], name: "receiver")
        let receiverURL = try await receiver.launchReadingFirstLine(timeout: .seconds(10))
        defer { receiver.stop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-am-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = """
            route: {receiver: vigil, group_by: [alertname, namespace], group_wait: 0s, group_interval: 1s, repeat_interval: 1h}
            receivers:
              - name: vigil
                webhook_configs: [{url: "\(receiverURL)/hook", send_resolved: true}]
            """
        try config.write(to: dir.appendingPathComponent("am.yml"), atomically: true, encoding: .utf8)
        let port = try freeLoopbackPort()
        let am = ChildProcess(
            executable: binary,
            arguments: [
                "--config.file=\(dir.appendingPathComponent("am.yml").path)", "--storage.path=\(dir.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn",
            ],
            name: "alertmanager")
        try am.launch()
        defer { am.stop() }
        let http = try HTTPClient()
        defer { http.shutdown() }
        let url = "http://127.0.0.1:\(port)"
        let deadline = ContinuousClock.now + .seconds(30)
        var ready = false
        while ContinuousClock.now < deadline && !ready {
            #expect(am.isRunning, "alertmanager exited")
            ready = (try? await http.execute(HTTPRequest(url: url + "/-/ready", timeout: .seconds(1))))?.status == 200
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(ready, "alertmanager at \(url) not ready within 30 s")
        let labels = ["alertname": "HighCPU", "namespace": "shop", "pod": "web-1", "severity": "warning"]
        let alert: JSON = [["labels": .object(JSONObject(labels.map { ($0.key, JSON.string($0.value)) })), "annotations": ["summary": "hot"], "startsAt": "2026-12-07T04:27:05Z"]]
        let posted = try await http.execute(HTTPRequest(method: "POST", url: url + "/api/v2/alerts", headers: [("Content-Type", "application/json")], body: alert.serialized()))
        #expect(posted.status == 200)
        var delivered: [JSON] = []
        let until = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < until && delivered.isEmpty {
            let r = try await http.execute(HTTPRequest(url: receiverURL + "/requests"))
            delivered = try JSON.parse(r.body).arrayValue ?? []
            if delivered.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        let body = try #require(delivered.first?["body"]?.stringValue.flatMap { Base64.decode($0) }, "Alertmanager sent nothing within 30 s")
        let payload = try AlertmanagerPayload.decode(body)
        let a = try #require(payload.alerts.first)
        #expect(payload.status == .firing && payload.alerts.count == 1)
        #expect(a.labels == labels && a.annotations["summary"] == "hot" && a.startsAt.text == "2026-12-07T04:27:05Z")
        #expect(a.fingerprint == LabelFingerprint.of(labels), "Alertmanager's fingerprint \(a.fingerprint) is not LabelFingerprint's")
    }
}
