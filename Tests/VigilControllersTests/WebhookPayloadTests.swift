import Testing
import VigilControllers
import VigilJSON
import VigilRuntime

@Suite("NamespacePolicy webhook payload")
struct WebhookPayloadTests {
    @Test func payloadShapeAndOrderAreStable() throws {
        let key = EffectKey(resourceUID: "7f3c2a10-1b2c-4d5e-8f90-0123456789ab", trigger: "policy:notify-expiry", actionIndex: 0)
        var params = JSONObject()
        params["ttl"] = "8h"
        let payload = NamespacePolicyWebhookPayload(
            resource: .init(namespace: "preview-1234", name: "preview-ttl", uid: "7f3c2a10-1b2c-4d5e-8f90-0123456789ab"),
            policyName: "notify-expiry", conditionType: .ttl, conditionParams: params, url: "https://hooks.example.com/ns",
            targetNamespace: "preview-1234", effectKey: key, firedAt: RFC3339Time(microsecondsSinceEpoch: 1_767_225_600_123_456),
            replica: "vigil-0")
        let expected = #"{"namespaceManager":{"namespace":"preview-1234","name":"preview-ttl"},"#
            + #""policy":{"name":"notify-expiry","condition":{"type":"ttl","params":{"ttl":"8h"}},"action":{"type":"webhook","params":{"url":"https://hooks.example.com/ns"}}},"#
            + #""namespace":"preview-1234","#
            + #""vigil":{"effectKey":"\#(key.rawValue)","resource":{"apiVersion":"vigil.dev/v1alpha1","kind":"NamespacePolicy","namespace":"preview-1234","name":"preview-ttl","uid":"7f3c2a10-1b2c-4d5e-8f90-0123456789ab"},"#
            + #""firedAt":"2026-01-01T00:00:00.123456Z","dryRun":false,"replica":"vigil-0"}}"#
        #expect(String(decoding: payload.body, as: UTF8.self) == expected)
        // What k8s-namespace-manager's receivers read is all there.
        let parsed = try JSON.parse(payload.body)
        #expect(parsed[path: ["namespaceManager", "name"]] == "preview-ttl")
        #expect(parsed[path: ["policy", "condition", "type"]] == "ttl")
        #expect(parsed[path: ["policy", "action", "params", "url"]] == "https://hooks.example.com/ns")
        #expect(parsed["namespace"] == "preview-1234")
        #expect(parsed[path: ["vigil", "effectKey"]]?.stringValue == key.rawValue)
    }

    @Test func podsSucceededParamsAreCarriedAsGiven() throws {
        let params = try #require(try JSON.parse(#"{"selector":{"matchLabels":{"job":"e2e"}},"initialDelay":"60s","period":"10s","minSucceeded":1}"#).objectValue)
        let payload = NamespacePolicyWebhookPayload(
            resource: .init(namespace: "ci", name: "done", uid: "u"), policyName: "when-done", conditionType: .podsSucceeded,
            conditionParams: params, url: "http://r/h", targetNamespace: "ci-run-9", effectKey: EffectKey(rawValue: "k"),
            firedAt: RFC3339Time(microsecondsSinceEpoch: 0), replica: "r1")
        let json = payload.json
        #expect(json.objectValue?.keys == ["namespaceManager", "policy", "namespace", "vigil"])
        #expect(json["vigil"]?.objectValue?.keys == ["effectKey", "resource", "firedAt", "dryRun", "replica"])
        #expect(json[path: ["policy", "condition", "params"]] == .object(params))
        #expect(json[path: ["policy", "condition", "type"]] == "podsSucceeded")
        #expect(json["namespace"] == "ci-run-9", "the target namespace, not the resource's")
        #expect(json[path: ["namespaceManager", "namespace"]] == "ci")
        #expect(json[path: ["vigil", "firedAt"]] == "1970-01-01T00:00:00.000000Z")
    }
}
