import Synchronization

/// Fault injection (`/sim/faults`) and request statistics (`/sim/stats`).
///
/// Faults, set with `POST /sim/faults` (JSON), all optional:
/// - `latencyMs`: added to every API request;
/// - `rules`: `[{"status": 429|500|503…, "count": N, "probability": 0…1,
///   "retryAfterSeconds": S, "verbs": ["list"…], "resources": ["pods"…],
///   "delayMs": D}]` — matching requests fail with that status until `count`
///   is used up; with `delayMs` they wait that long first, and a rule with
///   `delayMs` and no `status` only delays them (resources name subresources
///   as `memoryscalers/status`);
/// - `dropWatches: true`: closes every open watch stream now (one-shot);
/// - `stallSeconds`: every request and every watch write waits this long from now.
/// `DELETE /sim/faults` clears them.
///
/// `GET /sim/requests` is the log of write requests (every method but GET),
/// newest last, at most `writeLogLimit`: `{"items": [{"seq", "method", "verb",
/// "resource", "path", "query", "dryRun", "code", "userAgent"}], "next": N}`;
/// `?since=N` returns entries with `seq >= N`, so a test can prove what a
/// controller wrote (every write of a dry run carries `dryRun=All`).
public final class SimControl: Sendable {
    struct Rule: Sendable {
        var status: Int?
        var delayMs = 0
        var remaining: Int?
        var probability: Double
        var retryAfter: Int?
        var verbs: Set<String>
        var resources: Set<String>
        var message: String?
    }

    struct State {
        var latencyMs = 0
        var rules: [Rule] = []
        var stallUntil: ContinuousClock.Instant? = nil
        var total = 0
        var byVerb: [String: Int] = [:]
        var byResource: [String: Int] = [:]
        var byCode: [String: Int] = [:]
        var injected = 0
        var openWatches = 0
        var droppedWatches = 0
        var writes: [JSON] = []
        var nextWrite = 0
    }

    /// Write requests kept in `/sim/requests`.
    public static let writeLogLimit = 20_000

    private let state = Mutex(State())

    public init() {}

    /// What to do with a request before it reaches the API.
    public struct Decision: Sendable {
        public var delay: Duration?
        public var error: APIError?
    }

    public func decide(verb: String, resource: String) -> Decision {
        state.withLock { s in
            var d = Decision()
            var wait = Duration.zero
            if let until = s.stallUntil {
                let now = ContinuousClock.now
                if until > now { wait += until - now } else { s.stallUntil = nil }
            }
            if s.latencyMs > 0 { wait += .milliseconds(s.latencyMs) }
            if wait > .zero { d.delay = wait }
            for i in s.rules.indices {
                let r = s.rules[i]
                if !r.verbs.isEmpty && !r.verbs.contains(verb) { continue }
                if !r.resources.isEmpty && !r.resources.contains(resource) { continue }
                if let rem = r.remaining, rem <= 0 { continue }
                if r.probability < 1 && Double.random(in: 0..<1) >= r.probability { continue }
                if let rem = r.remaining { s.rules[i].remaining = rem - 1 }
                s.injected += 1
                if r.delayMs > 0 { d.delay = (d.delay ?? .zero) + .milliseconds(r.delayMs) }
                if r.status != nil { d.error = Self.error(for: r) }
                break
            }
            return d
        }
    }

    static func error(for r: Rule) -> APIError {
        var e: APIError
        switch r.status ?? 500 {
        case 429:
            e = APIError(code: 429, reason: "TooManyRequests", message: r.message ?? "Too many requests, please try again later.",
                details: ["retryAfterSeconds": .int(Int64(r.retryAfter ?? 1))])
            e.headers = [("Retry-After", String(r.retryAfter ?? 1))]
        case 500:
            e = APIError(code: 500, reason: "InternalError", message: r.message ?? "Internal error occurred: injected fault")
        case 503:
            e = APIError(code: 503, reason: "ServiceUnavailable", message: r.message ?? "the server is currently unable to handle the request")
            if let ra = r.retryAfter { e.headers = [("Retry-After", String(ra))] }
        case 504:
            e = APIError(code: 504, reason: "Timeout", message: r.message ?? "the server was unable to return a response in the time allotted")
        default:
            e = APIError(code: r.status ?? 500, reason: "", message: r.message ?? "injected fault \(r.status ?? 500)")
        }
        return e
    }

    /// How long a watch write must wait because of a stall (nil: go on).
    public func stallRemaining() -> Duration? {
        state.withLock { s in
            guard let until = s.stallUntil else { return nil }
            let now = ContinuousClock.now
            if until > now { return until - now }
            s.stallUntil = nil
            return nil
        }
    }

    /// Applies a fault configuration. Returns whether watches must be dropped.
    public func configure(_ j: JSON) throws(APIError) -> Bool {
        var rules: [Rule] = []
        for r in j["rules"]?.arrayValue ?? [] {
            let delay = r["delayMs"]?.intValue ?? 0
            guard delay >= 0 else { throw APIError.badRequest("rules[].delayMs must not be negative") }
            let status = r["status"]?.intValue
            if let status, !(400...599).contains(status) {
                throw APIError.badRequest("rules[].status must be an HTTP error status (400-599)")
            }
            guard status != nil || delay > 0 else { throw APIError.badRequest("rules[] needs a status, a delayMs, or both") }
            let p = r["probability"]?.doubleValue ?? 1
            guard (0...1).contains(p) else { throw APIError.badRequest("rules[].probability must be between 0 and 1") }
            rules.append(Rule(
                status: status.map(Int.init), delayMs: Int(delay), remaining: r["count"]?.intValue.map(Int.init), probability: p,
                retryAfter: r["retryAfterSeconds"]?.intValue.map(Int.init),
                verbs: Set(r["verbs"]?.arrayValue?.compactMap(\.stringValue) ?? []),
                resources: Set(r["resources"]?.arrayValue?.compactMap(\.stringValue) ?? []),
                message: r["message"]?.stringValue))
        }
        let latency = j["latencyMs"]?.intValue ?? 0
        guard latency >= 0 else { throw APIError.badRequest("latencyMs must not be negative") }
        let stall = j["stallSeconds"]?.doubleValue ?? 0
        state.withLock { s in
            s.latencyMs = Int(latency)
            if j["rules"] != nil { s.rules = rules }
            if stall > 0 { s.stallUntil = ContinuousClock.now + .milliseconds(Int64(stall * 1000)) }
        }
        return j["dropWatches"]?.boolValue == true
    }

    public func clear() {
        state.withLock { s in
            s.latencyMs = 0
            s.rules = []
            s.stallUntil = nil
        }
    }

    public func faultsJSON() -> JSON {
        state.withLock { s in
            var stall = 0.0
            if let until = s.stallUntil {
                let d = until - ContinuousClock.now
                stall = max(0, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
            }
            return [
                "latencyMs": .int(Int64(s.latencyMs)),
                "stallSecondsRemaining": .double(stall),
                "rules": .array(s.rules.map { r in
                    var o: JSON = ["probability": .double(r.probability)]
                    if let status = r.status { o["status"] = .int(Int64(status)) }
                    if r.delayMs > 0 { o["delayMs"] = .int(Int64(r.delayMs)) }
                    if let rem = r.remaining { o["remaining"] = .int(Int64(rem)) }
                    if let ra = r.retryAfter { o["retryAfterSeconds"] = .int(Int64(ra)) }
                    if !r.verbs.isEmpty { o["verbs"] = .array(r.verbs.sorted().map { .string($0) }) }
                    if !r.resources.isEmpty { o["resources"] = .array(r.resources.sorted().map { .string($0) }) }
                    return o
                }),
            ]
        }
    }

    public func record(verb: String, resource: String, code: Int) {
        state.withLock { s in
            s.total += 1
            s.byVerb[verb, default: 0] += 1
            if !resource.isEmpty { s.byResource[resource, default: 0] += 1 }
            s.byCode[String(code), default: 0] += 1
        }
    }

    /// Logs a write request (anything but GET) for `/sim/requests`.
    public func logWrite(method: String, verb: String, resource: String, path: String, query: [String: [String]], code: Int, userAgent: String?) {
        guard method != "GET" else { return }
        var q = JSONObject()
        for k in query.keys.sorted() { q[k] = .array(query[k]!.map { .string($0) }) }
        let dry = query["dryRun"]?.contains("All") ?? false
        state.withLock { s in
            let entry: JSON = [
                "seq": .int(Int64(s.nextWrite)), "method": .string(method), "verb": .string(verb), "resource": .string(resource),
                "path": .string(path), "query": .object(q), "dryRun": .bool(dry), "code": .int(Int64(code)), "userAgent": .string(userAgent ?? ""),
            ]
            s.nextWrite += 1
            s.writes.append(entry)
            if s.writes.count > Self.writeLogLimit { s.writes.removeFirst(s.writes.count - Self.writeLogLimit) }
        }
    }

    /// `/sim/requests`: logged writes with `seq >= since`.
    public func writesJSON(since: Int) -> JSON {
        state.withLock { s in
            ["items": .array(s.writes.filter { ($0["seq"]?.intValue ?? 0) >= Int64(since) }), "next": .int(Int64(s.nextWrite))]
        }
    }

    public func watchOpened() { state.withLock { $0.openWatches += 1 } }
    public func watchClosed() { state.withLock { $0.openWatches -= 1 } }
    public func watchesDropped(_ n: Int) { state.withLock { $0.droppedWatches += n } }

    public func statsJSON() -> JSON {
        state.withLock { s in
            func obj(_ d: [String: Int]) -> JSON {
                var o = JSONObject()
                for k in d.keys.sorted() { o[k] = .int(Int64(d[k]!)) }
                return .object(o)
            }
            return [
                "requests": .int(Int64(s.total)), "byVerb": obj(s.byVerb), "byResource": obj(s.byResource),
                "byCode": obj(s.byCode), "injectedFaults": .int(Int64(s.injected)),
                "openWatches": .int(Int64(s.openWatches)), "droppedWatches": .int(Int64(s.droppedWatches)),
            ]
        }
    }

    /// Classifies a request as kube-apiserver's audit log would: verb and resource.
    public static func classify(method: String, path: String, query: [String: [String]]) -> (verb: String, resource: String) {
        let segs = path.split(separator: "/").map(String.init)
        var rest: [String]
        if segs.first == "api", segs.count >= 2 { rest = Array(segs.dropFirst(2)) } else if segs.first == "apis", segs.count >= 3 {
            rest = Array(segs.dropFirst(3))
        } else {
            return (method.lowercased(), "")
        }
        var watch = query["watch"].map { $0.first == "true" || $0.first == "1" } ?? false
        if rest.first == "watch" {
            watch = true
            rest.removeFirst()
        }
        if rest.count >= 3, rest[0] == "namespaces" { rest = Array(rest.dropFirst(2)) }
        guard let resource = rest.first else { return (method.lowercased(), "") }
        let hasName = rest.count >= 2
        let sub = rest.count >= 3 ? "/" + rest[2] : ""
        let verb: String
        switch method {
        case "GET": verb = watch ? "watch" : (hasName ? "get" : "list")
        case "POST": verb = "create"
        case "PUT": verb = "update"
        case "PATCH": verb = "patch"
        case "DELETE": verb = hasName ? "delete" : "deletecollection"
        default: verb = method.lowercased()
        }
        return (verb, resource + sub)
    }
}
