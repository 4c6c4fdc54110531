import VigilJSON

/// What a `HealthCheck` runs (`spec.check`): exactly one of an HTTP probe,
/// a Kubernetes Job (passes when it completes), or a PromQL expression
/// (fails when its result is non-empty, or empty, as `failWhen` says).
public enum HealthCheckProbe: Sendable, Equatable {
    case http(HTTP)
    case job(Job)
    case promql(PromQL)

    public static let fieldNames = ["http", "job", "promql"]

    public struct HTTP: Sendable, Hashable {
        public static let defaultTimeout = GoDuration.seconds(10)
        public static let maxTimeout = GoDuration.minutes(5)
        public static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

        public var url: String
        public var method: String
        public var headers: [Header]
        public var body: String?
        /// The statuses that pass; empty means any 2xx.
        public var expectStatus: [Int]
        /// The body must contain this text (the first 1 MiB is read).
        public var bodyContains: String?
        public var timeout: GoDuration

        public struct Header: Sendable, Hashable {
            public var name: String
            public var value: String
        }

        public init(url: String, method: String = "GET", headers: [Header] = [], body: String? = nil, expectStatus: [Int] = [], bodyContains: String? = nil, timeout: GoDuration = defaultTimeout) {
            self.url = url
            self.method = method
            self.headers = headers
            self.body = body
            self.expectStatus = expectStatus
            self.bodyContains = bodyContains
            self.timeout = timeout
        }

        /// Whether `status` passes.
        public func accepts(_ status: Int) -> Bool { expectStatus.isEmpty ? (200..<300).contains(status) : expectStatus.contains(status) }
    }

    public struct Job: Sendable, Equatable {
        public static let defaultTimeout = GoDuration.minutes(10)
        public static let maxTimeout = GoDuration.hours(24)
        public static let defaultTTL: Int64 = 3600

        /// The pod template (`metadata`, `spec`) of the Job each run creates.
        public var template: JSON
        /// The run fails (and the Job is stopped) when it has not finished by then.
        public var timeout: GoDuration
        /// Kubernetes deletes the finished Job after this many seconds.
        public var ttlSecondsAfterFinished: Int64
        /// Pod retries within one run (the Job's `backoffLimit`; default 0).
        public var backoffLimit: Int64

        public init(template: JSON, timeout: GoDuration = defaultTimeout, ttlSecondsAfterFinished: Int64 = defaultTTL, backoffLimit: Int64 = 0) {
            self.template = template
            self.timeout = timeout
            self.ttlSecondsAfterFinished = ttlSecondsAfterFinished
            self.backoffLimit = backoffLimit
        }
    }

    public struct PromQL: Sendable, Hashable {
        public enum FailWhen: String, Sendable, Hashable, CaseIterable {
            /// Fails when the expression returns any series (an alert-style expression).
            case nonEmpty
            /// Fails when it returns none (a liveness-style expression such as `up{job="checkout"} == 1`).
            case empty
        }
        public var expr: String
        public var failWhen: FailWhen
        /// The Prometheus source (a name under `prometheus.sources` in vigil.yaml).
        public var source: String?

        public init(expr: String, failWhen: FailWhen = .nonEmpty, source: String? = nil) {
            self.expr = expr
            self.failWhen = failWhen
            self.source = source
        }
    }

    /// `http`, `job` or `promql`.
    public var type: String {
        switch self {
        case .http: "http"
        case .job: "job"
        case .promql: "promql"
        }
    }

    /// For people: `http GET http://…`, `job (2 containers)`, `promql nonEmpty`.
    public var summary: String {
        switch self {
        case .http(let h): "http \(h.method) \(h.url)"
        case .job(let j): "job (\((j.template[path: ["spec", "containers"]]?.arrayValue ?? []).compactMap { $0["image"]?.stringValue }.joined(separator: ", ")))"
        case .promql(let q): "promql (fails when \(q.failWhen == .nonEmpty ? "non-empty" : "empty"))"
        }
    }

    public var json: JSON {
        switch self {
        case .http(let h):
            var o = JSONObject()
            o["url"] = .string(h.url)
            if h.method != "GET" { o["method"] = .string(h.method) }
            if !h.headers.isEmpty { o["headers"] = .array(h.headers.map { .obj(["name": .string($0.name), "value": .string($0.value)]) }) }
            if let b = h.body { o["body"] = .string(b) }
            if !h.expectStatus.isEmpty { o["expectStatus"] = .array(h.expectStatus.map { .int(Int64($0)) }) }
            if let c = h.bodyContains { o["bodyContains"] = .string(c) }
            o["timeout"] = .string(h.timeout.text)
            return .obj(["http": .object(o)])
        case .job(let j):
            var o = JSONObject()
            o["template"] = j.template
            o["timeout"] = .string(j.timeout.text)
            o["ttlSecondsAfterFinished"] = .int(j.ttlSecondsAfterFinished)
            o["backoffLimit"] = .int(j.backoffLimit)
            return .obj(["job": .object(o)])
        case .promql(let q):
            var o = JSONObject()
            o["expr"] = .string(q.expr)
            o["failWhen"] = .string(q.failWhen.rawValue)
            if let s = q.source { o["source"] = .string(s) }
            return .obj(["promql": .object(o)])
        }
    }

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: Self.fieldNames, at: path)
        guard r.exactlyOne(of: Self.fieldNames, in: o, value: value, at: path).count == 1 else { return nil }
        var found: HealthCheckProbe?
        func timeout(_ m: JSONObject, at p: String, default d: GoDuration, max: GoDuration) -> GoDuration {
            guard let t = r.duration(m, "timeout", at: p) else { return d }
            if t.milliseconds <= 0 || t > max {
                r.report(FieldReader.child(p, "timeout"), .string(t.text), "must be greater than zero and at most \(max.text)")
            }
            return t
        }
        if let h = r.object(o, "http", at: path) {
            let p = FieldReader.child(path, "http")
            r.rejectUnknown(h, known: ["url", "method", "headers", "body", "expectStatus", "bodyContains", "timeout"], at: p)
            let url = r.string(h, "url", at: p, required: "the URL to probe, e.g. http://checkout.shop.svc:8080/healthz")
            if let url, let why = Self.urlProblem(url) { r.report(FieldReader.child(p, "url"), .string(url), why) }
            let method = r.string(h, "method", at: p) ?? "GET"
            if !Self.HTTP.methods.contains(method) {
                r.report(FieldReader.child(p, "method"), .string(method), "\(quoted(method)) is not supported: must be one of \(Self.HTTP.methods.joined(separator: ", "))")
            }
            var headers: [HTTP.Header] = []
            if let list = r.array(h, "headers", at: p) {
                for (i, item) in list.enumerated() {
                    let ip = FieldReader.item(FieldReader.child(p, "headers"), i)
                    guard let m = r.object(item, at: ip) else { continue }
                    r.rejectUnknown(m, known: ["name", "value"], at: ip)
                    let name = r.string(m, "name", at: ip, required: "the header's name, e.g. Authorization")
                    let value = r.string(m, "value", at: ip, required: "the header's value", nonEmpty: false)
                    if let name, !KubernetesNames.isHeaderName(name) {
                        r.report(FieldReader.child(ip, "name"), .string(name), "\(quoted(name)) is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)")
                    } else if let name, name.lowercased().hasPrefix("vigil-") {
                        r.report(FieldReader.child(ip, "name"), .string(name), "headers starting with Vigil- are Vigil's own (Vigil-HealthCheck, Vigil-Run, Vigil-Scheduled-At are sent with every probe)")
                    }
                    if let name, let value { headers.append(.init(name: name, value: value)) }
                }
            }
            let body = r.string(h, "body", at: p, nonEmpty: false)
            if let body, method == "HEAD" {
                r.report(FieldReader.child(p, "body"), .string(body), "a HEAD request cannot have a body: use another method, or leave body out")
            }
            var statuses: [Int] = []
            if let list = r.array(h, "expectStatus", at: p) {
                for (i, item) in list.enumerated() {
                    let ip = FieldReader.item(FieldReader.child(p, "expectStatus"), i)
                    if let n = item.intValue, (100...599).contains(n) { statuses.append(Int(n)) } else { r.report(ip, item, "must be an HTTP status code (100-599)") }
                }
                if list.isEmpty { r.report(FieldReader.child(p, "expectStatus"), .array([]), "list at least one status, or leave expectStatus out to accept any 2xx") }
            }
            let contains = r.string(h, "bodyContains", at: p)
            let t = timeout(h, at: p, default: HTTP.defaultTimeout, max: HTTP.maxTimeout)
            if let url { found = .http(HTTP(url: url, method: method, headers: headers, body: body, expectStatus: statuses, bodyContains: contains, timeout: t)) }
        }
        if let j = r.object(o, "job", at: path) {
            let p = FieldReader.child(path, "job")
            r.rejectUnknown(j, known: ["template", "timeout", "ttlSecondsAfterFinished", "backoffLimit"], at: p)
            let t = timeout(j, at: p, default: Job.defaultTimeout, max: Job.maxTimeout)
            // At least a minute: Vigil reads a finished Job's status and log after it ends (every 2 s, and
            // after a failover only once the new owner has started), and a Job gone too soon is a run Unknown.
            let ttl = r.int(j, "ttlSecondsAfterFinished", at: p, in: 60...Int64(Int32.max)) ?? Job.defaultTTL
            let backoff = r.int(j, "backoffLimit", at: p, in: 0...10) ?? 0
            if let template = r.object(j, "template", at: p, required: "a pod template, e.g. template: {spec: {restartPolicy: Never, containers: [{name: check, image: busybox, command: [sh, -c, \"true\"]}]}}") {
                let tp = FieldReader.child(p, "template")
                r.rejectUnknown(template, known: ["metadata", "spec"], at: tp)
                if let spec = r.object(template, "spec", at: tp, required: "the pod spec: containers and restartPolicy") {
                    Self.checkPodSpec(spec, at: FieldReader.child(tp, "spec"), &r)
                }
                found = .job(Job(template: .object(template), timeout: t, ttlSecondsAfterFinished: ttl, backoffLimit: backoff))
            }
        }
        if let q = r.object(o, "promql", at: path) {
            let p = FieldReader.child(path, "promql")
            r.rejectUnknown(q, known: ["expr", "failWhen", "source"], at: p)
            let expr = r.string(q, "expr", at: p, required: "an instant-vector PromQL expression, e.g. 'up{job=\"checkout\"} == 0'")
            let failWhen = r.enumeration(q, "failWhen", at: p, as: PromQL.FailWhen.self) ?? .nonEmpty
            let source = r.string(q, "source", at: p)
            if let source, !KubernetesNames.isDNS1123Label(source) {
                r.report(FieldReader.child(p, "source"), .string(source), "\(quoted(source)) is not a valid source name: \(KubernetesNames.dns1123LabelRule)")
            }
            if let expr { found = .promql(PromQL(expr: expr, failWhen: failWhen, source: source)) }
        }
        guard r.count == before, let found else { return nil }
        self = found
    }

    /// Why `url` cannot be probed (nil when it can).
    static func urlProblem(_ url: String) -> String? {
        let lower = url.lowercased()
        guard let scheme = ["http://", "https://"].first(where: { lower.hasPrefix($0) }) else {
            return "\(quoted(url)) has no http:// or https:// scheme: write the whole URL, e.g. http://\(url.split(separator: "/").first ?? "checkout.shop.svc")/healthz"
        }
        let rest = url.dropFirst(scheme.count)
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if host.isEmpty || host.hasPrefix(":") { return "\(quoted(url)) has no host" }
        if url.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" }) { return "\(quoted(url)) contains white space: encode it as %20" }
        return nil
    }

    /// The rules a Job's pod template must follow that the API server would reject only at run time.
    static func checkPodSpec(_ spec: JSONObject, at p: String, _ r: inout FieldReader) {
        let containers = spec["containers"]?.arrayValue
        if containers == nil || containers!.isEmpty {
            r.report(FieldReader.child(p, "containers"), spec["containers"], "required: at least one container, e.g. [{name: check, image: busybox, command: [sh, -c, \"true\"]}]")
        }
        var names = Set<String>()
        for (i, c) in (containers ?? []).enumerated() {
            let cp = FieldReader.item(FieldReader.child(p, "containers"), i)
            guard let co = r.object(c, at: cp) else { continue }
            if let n = r.string(co, "name", at: cp, required: "the container's name") {
                if !KubernetesNames.isDNS1123Label(n) { r.report(FieldReader.child(cp, "name"), .string(n), "\(quoted(n)) is not a valid container name: \(KubernetesNames.dns1123LabelRule)") }
                if !names.insert(n).inserted { r.report(FieldReader.child(cp, "name"), .string(n), "two containers are named \(quoted(n))") }
            }
            _ = r.string(co, "image", at: cp, required: "the container image, e.g. busybox")
        }
        if let policy = spec["restartPolicy"] {
            if policy.stringValue != "Never" && policy.stringValue != "OnFailure" {
                r.report(FieldReader.child(p, "restartPolicy"), policy, "a Job's pods must have restartPolicy Never or OnFailure (Never is the default here)")
            }
        }
    }
}
