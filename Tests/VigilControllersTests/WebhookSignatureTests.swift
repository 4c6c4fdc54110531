import Testing
import VigilControllers
import VigilJSON

@Suite("Webhook signatures and secrets")
struct WebhookSignatureTests {
    // The example of the Standard Webhooks spec (standard-webhooks/standard-webhooks,
    // libraries' test vectors). Recomputed independently with Python:
    //   python3 -c 'import hmac,hashlib,base64
    //   k=base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    //   m=b"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}"
    //   print("v1,"+base64.b64encode(hmac.new(k,m,hashlib.sha256).digest()).decode())'
    static let specSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let specID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let specTimestamp: Int64 = 1_614_265_330
    static let specBody = Array(#"{"test": 2432232314}"#.utf8)
    static let specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test func signsTheSpecVectorWithAWhsecSecret() throws {
        let secret = try WebhookSecret(secretData: Array(Self.specSecret.utf8), source: "test")
        #expect(secret.keyBytes == Base64.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        #expect(WebhookSignature.sign(id: Self.specID, timestamp: Self.specTimestamp, body: Self.specBody, secret: secret) == Self.specSignature)
    }

    @Test func signsWithRawKeyBytesAsIs() throws {
        // python3 -c 'import hmac,hashlib,base64
        // m=b"0123456789abcdef0123456789abcdef.1700000000.{\"a\":1}"
        // print(base64.b64encode(hmac.new(b"raw key bytes \x00\xff",m,hashlib.sha256).digest()).decode())'
        let raw: [UInt8] = Array("raw key bytes ".utf8) + [0x00, 0xff]
        let secret = try WebhookSecret(secretData: raw, source: "test")
        #expect(secret.keyBytes == raw, "bytes without the whsec_ prefix are the key, not decoded")
        let sig = WebhookSignature.sign(id: "0123456789abcdef0123456789abcdef", timestamp: 1_700_000_000, body: Array(#"{"a":1}"#.utf8), secret: secret)
        #expect(sig == "v1,rqKMk8ZeKQH1JFUYJvmCcdjKDZtE9FCWtSUSDA6AE54=")
    }

    @Test func whsecSecretIgnoresSurroundingWhitespaceButRawDoesNot() throws {
        let withNewline = try WebhookSecret(secretData: Array((Self.specSecret + "\n").utf8), source: "test")
        #expect(withNewline.keyBytes == Base64.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let rawWithNewline = try WebhookSecret(secretData: Array("plain-key\n".utf8), source: "test")
        #expect(rawWithNewline.keyBytes == Array("plain-key\n".utf8))
    }

    @Test func badSecretsAreRefusedWithoutShowingThem() {
        #expect(throws: WebhookSecretError.invalidBase64(source: "Secret ops/hook, key signing-key", length: 8)) {
            try WebhookSecret(secretData: Array("whsec_not*b64!".utf8), source: "Secret ops/hook, key signing-key")
        }
        #expect(throws: WebhookSecretError.empty(source: "Secret ops/hook, key k")) {
            try WebhookSecret(secretData: [], source: "Secret ops/hook, key k")
        }
        #expect(throws: WebhookSecretError.empty(source: "s")) { try WebhookSecret(secretData: Array("whsec_".utf8), source: "s") }
        let message = WebhookSecretError.invalidBase64(source: "Secret ops/hook, key signing-key", length: 8).description
        #expect(message.contains("Secret ops/hook, key signing-key") && message.contains("whsec_") && !message.contains("not*b64"))
        let secret = try? WebhookSecret(keyBytes: Array("topsecret".utf8))
        #expect(secret?.description == "WebhookSecret(9 bytes)")
    }

    @Test func verifiesTheSpecVectorWithinTolerance() throws {
        let secret = try WebhookSecret(secretData: Array(Self.specSecret.utf8), source: "test")
        try WebhookSignature.verify(
            id: Self.specID, timestamp: String(Self.specTimestamp), body: Self.specBody, signatureHeader: Self.specSignature,
            secret: secret, now: Self.specTimestamp + 299)
        #expect(throws: WebhookVerificationError.timestampTooOld(timestamp: Self.specTimestamp, now: Self.specTimestamp + 301, tolerance: 300)) {
            try WebhookSignature.verify(
                id: Self.specID, timestamp: String(Self.specTimestamp), body: Self.specBody, signatureHeader: Self.specSignature,
                secret: secret, now: Self.specTimestamp + 301)
        }
        #expect(throws: WebhookVerificationError.timestampTooNew(timestamp: Self.specTimestamp, now: Self.specTimestamp - 301, tolerance: 300)) {
            try WebhookSignature.verify(
                id: Self.specID, timestamp: String(Self.specTimestamp), body: Self.specBody, signatureHeader: Self.specSignature,
                secret: secret, now: Self.specTimestamp - 301)
        }
        #expect(throws: WebhookVerificationError.invalidTimestamp("1614265330.5")) {
            try WebhookSignature.verify(
                id: Self.specID, timestamp: "1614265330.5", body: Self.specBody, signatureHeader: Self.specSignature,
                secret: secret, now: Self.specTimestamp)
        }
    }

    @Test func verifiesAnyOfSeveralSignaturesAndRejectsTampering() throws {
        let secret = try WebhookSecret(secretData: Array(Self.specSecret.utf8), source: "test")
        let now = Self.specTimestamp
        let other = WebhookSignature.sign(id: Self.specID, timestamp: now, body: Self.specBody, secret: try WebhookSecret(keyBytes: [1, 2, 3]))
        // Rotation: an old key's signature, an unknown version, then the right one.
        try WebhookSignature.verify(
            id: Self.specID, timestamp: String(now), body: Self.specBody,
            signatureHeader: "\(other) v1a,AAAA \(Self.specSignature)", secret: secret, now: now)
        #expect(throws: WebhookVerificationError.noMatchingSignature(candidates: 2)) {
            try WebhookSignature.verify(
                id: Self.specID, timestamp: String(now), body: Array(#"{"test": 2432232315}"#.utf8),
                signatureHeader: "\(other) \(Self.specSignature)", secret: secret, now: now)
        }
        #expect(throws: WebhookVerificationError.noMatchingSignature(candidates: 1)) {
            try WebhookSignature.verify(
                id: "msg_other", timestamp: String(now), body: Self.specBody, signatureHeader: Self.specSignature, secret: secret, now: now)
        }
        #expect(throws: WebhookVerificationError.noMatchingSignature(candidates: 0)) {
            try WebhookSignature.verify(
                id: Self.specID, timestamp: String(now), body: Self.specBody, signatureHeader: "v1a,abc", secret: secret, now: now)
        }
        #expect(throws: WebhookVerificationError.missingHeader("webhook-signature")) {
            try WebhookSignature.verify(
                headers: [("Webhook-Id", Self.specID), ("Webhook-Timestamp", String(now))], body: Self.specBody, secret: secret, now: now)
        }
        try WebhookSignature.verify(
            headers: [("Webhook-Id", Self.specID), ("Webhook-Timestamp", String(now)), ("Webhook-Signature", Self.specSignature)],
            body: Self.specBody, secret: secret, now: now)
    }
}
