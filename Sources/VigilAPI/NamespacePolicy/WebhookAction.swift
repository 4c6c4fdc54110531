import VigilJSON

/// The `webhook` action: an HTTP POST of a JSON notification to `url`,
/// signed per the Standard Webhooks spec with the key in `secretRef` (or
/// unsigned when there is none), retried up to `maxAttempts` times with the
/// same `webhook-id`. The payload is described in docs/webhooks.md.
public struct WebhookAction: Sendable, Hashable {
    /// A key in a Secret in the policy's own namespace.
    public struct SecretKeyReference: Sendable, Hashable {
        /// The default key: `signing-key`.
        public static let defaultKey = "signing-key"

        /// The Secret's name.
        public var name: String
        /// The key in the Secret's data; nil means `signing-key`.
        public var key: String?

        public init(name: String, key: String? = nil) {
            self.name = name
            self.key = key
        }

        /// `key`, or its default.
        public var effectiveKey: String { key ?? Self.defaultKey }

        public var json: JSON {
            var o = JSONObject()
            o["name"] = .string(name)
            if let key { o["key"] = .string(key) }
            return .object(o)
        }
    }

    /// The default `timeout`: 10s.
    public static let defaultTimeout = GoDuration(milliseconds: 10_000, text: "10s")
    /// The longest `timeout` allowed: 60s.
    public static let maxTimeout = GoDuration(milliseconds: 60_000, text: "60s")
    /// The default `maxAttempts`: 5.
    public static let defaultMaxAttempts = 5
    /// The allowed `maxAttempts`.
    public static let maxAttemptsRange: ClosedRange<Int> = 1...20
    /// The most extra headers allowed.
    public static let maxHeaders = 32
    /// The longest header value allowed, in characters.
    public static let maxHeaderValueLength = 4096
    /// The longest URL allowed, in characters.
    public static let maxURLLength = 2048
    /// Headers Vigil sets itself, which `headers` must not name (compared case-insensitively).
    public static let reservedHeaders = ["webhook-id", "webhook-timestamp", "webhook-signature", "idempotency-key", "content-type", "user-agent"]

    /// An absolute `http` or `https` URL with a host.
    public var url: String
    /// Where the signing key is; nil sends the webhook unsigned.
    public var secretRef: SecretKeyReference?
    /// How long one attempt may take (at most 60s); nil means the default.
    public var timeout: GoDuration?
    /// How many attempts in all (1 to 20); nil means the default.
    public var maxAttempts: Int?
    /// Extra request headers; nil when none are set.
    public var headers: [String: String]?

    public init(url: String, secretRef: SecretKeyReference? = nil, timeout: GoDuration? = nil, maxAttempts: Int? = nil, headers: [String: String]? = nil) {
        self.url = url
        self.secretRef = secretRef
        self.timeout = timeout
        self.maxAttempts = maxAttempts
        self.headers = headers
    }

    /// `timeout`, or its default.
    public var effectiveTimeout: GoDuration { timeout ?? Self.defaultTimeout }
    /// `maxAttempts`, or its default.
    public var effectiveMaxAttempts: Int { maxAttempts ?? Self.defaultMaxAttempts }

    /// The action as stored (absent optionals left out, headers sorted by name).
    public var json: JSON {
        var o = JSONObject()
        o["url"] = .string(url)
        if let secretRef { o["secretRef"] = secretRef.json }
        if let timeout { o["timeout"] = .string(timeout.text) }
        if let maxAttempts { o["maxAttempts"] = .int(Int64(maxAttempts)) }
        if let headers {
            var h = JSONObject()
            for (k, v) in headers.sorted(by: { $0.key < $1.key }) { h[k] = .string(v) }
            o["headers"] = .object(h)
        }
        return .object(o)
    }

    /// Why `url` is not an absolute http(s) URL with a host; nil when it is.
    public static func urlProblem(_ url: String) -> String? {
        if url.count > maxURLLength { return "it is longer than \(maxURLLength) characters" }
        if url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f }) {
            return "it contains spaces or control characters"
        }
        guard let sep = url.firstRange(of: "://") else { return "it is not absolute: it needs a scheme, http:// or https://" }
        let scheme = url[..<sep.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return "the scheme \(quoted(String(url[..<sep.lowerBound]))) is not supported: use http or https" }
        let rest = url[sep.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains("@") { return "it must not carry credentials (user@host): put them in headers or use secretRef signing" }
        var host = Substring(authority)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return "the IPv6 host is missing its closing \"]\"" }
            let after = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return "unexpected text after the host" }
                port = after.dropFirst()
            }
            if host.isEmpty || !host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) { return "the IPv6 host is not valid" }
        } else {
            if let colon = host.lastIndex(of: ":") {
                port = host[host.index(after: colon)...]
                host = host[..<colon]
            }
            if host.isEmpty { return "it has no host" }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            let labelOK: (Substring) -> Bool = { l in
                guard let f = l.first, let e = l.last, f != "-", e != "-" else { return false }
                return l.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" }
            }
            if !labels.allSatisfy(labelOK) { return "the host \(quoted(String(host))) is not a valid host name" }
        }
        if let port {
            guard let p = Int(port), (1...65535).contains(p) else { return "the port \(quoted(String(port))) is not a number from 1 to 65535" }
        }
        return nil
    }

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: ["url", "secretRef", "timeout", "maxAttempts", "headers"], at: path)
        let urlHint = "an absolute http or https URL, e.g. \"https://hooks.example.com/vigil\""
        let url = r.string(o, "url", at: path, required: urlHint)
        if let url, let why = WebhookAction.urlProblem(url) {
            r.report(FieldReader.child(path, "url"), .string(url), "\(quoted(url)) is not a valid webhook URL: \(why); write \(urlHint)")
        }
        var secretRef: SecretKeyReference?
        if let s = r.object(o, "secretRef", at: path) {
            let sp = FieldReader.child(path, "secretRef")
            r.rejectUnknown(s, known: ["name", "key"], at: sp)
            let name = r.string(s, "name", at: sp, required: "the name of a Secret in the policy's namespace")
            if let name, !KubernetesNames.isDNS1123Subdomain(name) {
                r.report(FieldReader.child(sp, "name"), .string(name), "\(quoted(name)) is not a valid Secret name: \(KubernetesNames.dns1123SubdomainRule)")
            }
            let key = r.string(s, "key", at: sp)
            if let key, !KubernetesNames.isSecretKey(key) {
                r.report(FieldReader.child(sp, "key"), .string(key), "\(quoted(key)) is not a valid key: \(KubernetesNames.secretKeyRule)")
            }
            if let name { secretRef = SecretKeyReference(name: name, key: key) }
        }
        let timeout = r.duration(o, "timeout", at: path)
        if let timeout {
            let tp = FieldReader.child(path, "timeout")
            if timeout.milliseconds == 0 {
                r.report(tp, .string(timeout.text), "\(quoted(timeout.text)) is not allowed: the timeout must be greater than zero and at most 60s")
            } else if timeout > WebhookAction.maxTimeout {
                r.report(tp, .string(timeout.text), "\(quoted(timeout.text)) is too long: the timeout must be at most 60s")
            }
        }
        let range = WebhookAction.maxAttemptsRange
        let attempts = r.int(o, "maxAttempts", at: path, in: Int64(range.lowerBound)...Int64(range.upperBound))
        var headers: [String: String]?
        if let pairs = r.stringMap(o, "headers", at: path) {
            let hp = FieldReader.child(path, "headers")
            var h: [String: String] = [:]
            if pairs.count > WebhookAction.maxHeaders {
                r.report(hp, nil, "\(pairs.count) headers given, at most \(WebhookAction.maxHeaders) are allowed")
            }
            for (name, v) in pairs {
                let fp = FieldReader.key(hp, name)
                if WebhookAction.reservedHeaders.contains(name.lowercased()) {
                    r.report(fp, .string(name), "header \(quoted(name)) is set by Vigil and cannot be overridden (reserved: \(WebhookAction.reservedHeaders.joined(separator: ", ")))")
                } else if !KubernetesNames.isHeaderName(name) {
                    r.report(fp, .string(name), "\(quoted(name)) is not a valid HTTP header name: use letters, digits and !#$%&'*+-.^_`|~ only")
                }
                if v.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                    r.report(fp, .string(v), "the value must not contain line breaks or NUL characters")
                } else if v.unicodeScalars.count > WebhookAction.maxHeaderValueLength {
                    r.report(fp, .string(v), "the value is \(v.unicodeScalars.count) characters long, at most \(WebhookAction.maxHeaderValueLength) are allowed")
                }
                h[name] = v
            }
            headers = h
        }
        guard r.count == before, let url else { return nil }
        self.init(url: url, secretRef: secretRef, timeout: timeout, maxAttempts: attempts.map { Int($0) }, headers: headers)
    }
}
