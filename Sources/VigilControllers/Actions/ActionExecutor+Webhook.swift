import Kube
import VigilAPI
import VigilJSON
import VigilRuntime

extension ActionExecutor {
    /// POSTs `body` to the webhook (Standard Webhooks: `webhook-id` is the
    /// effect key, signed with the Secret in `secretRef` when there is one),
    /// retried by `WebhookDelivery` with the same id.
    func webhook(_ action: WebhookAction, body: [UInt8], key: EffectKey, secretNamespace: String) async throws {
        var secret: WebhookSecret?
        if let ref = action.secretRef {
            let secretKey = ref.effectiveKey
            let source = "Secret \(secretNamespace)/\(ref.name) key \(secretKey)"
            let object: DynamicObject
            do {
                object = try await client.get(.secrets, namespace: secretNamespace, name: ref.name)
            } catch {
                if error.isNotFound { throw PermanentEffectFailure("the signing key's \(source) does not exist") }
                throw Self.classify(error, verb: "get", resource: "secrets", namespace: secretNamespace, name: ref.name)
            }
            guard let encoded = object.other["data"]?[secretKey]?.stringValue, let bytes = Base64.decode(encoded) else {
                throw PermanentEffectFailure("the signing key's \(source) is missing or not base64")
            }
            do {
                secret = try WebhookSecret(secretData: bytes, source: source)
            } catch {
                throw PermanentEffectFailure("\(error)")
            }
        }
        let headers = (action.headers ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let request: WebhookRequest
        do {
            request = try WebhookRequest(url: action.url, body: body, effectKey: key, secret: secret, extraHeaders: headers)
        } catch {
            throw PermanentEffectFailure("\(error)")
        }
        let delivery = WebhookDelivery(
            transport: http, policy: WebhookRetryPolicy(maxAttempts: action.effectiveMaxAttempts),
            attemptTimeout: .milliseconds(Int64(action.effectiveTimeout.seconds * 1000)))
        let result = try await delivery.deliver(request)
        switch result.ledgerResult(url: action.url) {
        case .succeeded: return
        case .failedPermanently(let message): throw PermanentEffectFailure(message)
        case .failed(let message): throw ActionFailure(message)
        }
    }
}
