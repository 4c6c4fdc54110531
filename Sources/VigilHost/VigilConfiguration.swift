import VigilAPI
import VigilPrometheus
import VigilJSON
import VigilRuntime
import VigilYAML
import Yams

/// Everything `vigil run` can be told, with its defaults. Read from a YAML
/// file (`config/vigil.yaml` documents every key), then overridden by
/// `VIGIL_*` environment variables, then by command-line flags. Each source
/// is checked as it is applied: an unknown key, a wrong type or an invalid
/// value is an error naming the source, the key and what would be valid.
///
/// Unset identity settings come from the pod's environment, as the
/// Deployment in `deploy/` wires it: `identity` ← `POD_NAME` (else the host
/// name), `namespace` ← `POD_NAMESPACE` (else `vigil-system`), `address` ←
/// `POD_IP:<http.port>` (else `127.0.0.1:<http.port>`).
public struct VigilConfiguration: Sendable, Hashable {
    public var identity = ""
    public var namespace = ""
    public var address = ""
    /// A kubeconfig file; empty: `KUBECONFIG`, `~/.kube/config`, or in-cluster.
    public var kubeconfig = ""
    public var context = ""
    public var leaderElection = LeaderElection()
    public var http = HTTP()
    public var logging = Logging()
    public var controllers = Controllers()
    public var kubeAPI = KubeAPI()
    public var namespacePolicy = NamespacePolicy()
    public var actions = Actions()
    public var counterMeasure = CounterMeasure()
    public var alertmanager = Alertmanager()
    public var healthCheck = HealthCheck()
    public var memoryScaler = MemoryScaler()
    /// `prometheus.sources`: the Prometheus servers resources read (`spec.source` names one).
    public var prometheusSources: [PrometheusSource] = []

    public struct LeaderElection: Sendable, Hashable {
        /// `conservative` (15/10/2 s, client-go's defaults) or `fast` (4/3/0.5 s).
        public var profile = "conservative"
        /// Overrides of the profile's durations, in seconds (0: the profile's).
        public var leaseDuration = 0.0
        public var renewDeadline = 0.0
        public var retryPeriod = 0.0
        public var ring = "vigil"
        public var handoffTimeout = 10.0
    }

    public struct HTTP: Sendable, Hashable {
        public var host = "0.0.0.0"
        public var port = 8080
    }

    public struct Logging: Sendable, Hashable {
        /// trace, debug, info, notice, warning, error, critical.
        public var level = "info"
        /// `json` (one object per line) or `text`.
        public var format = "json"
    }

    public struct Controllers: Sendable, Hashable {
        public var workers = 4
    }

    public struct KubeAPI: Sendable, Hashable {
        public var qps = 50.0
        public var burst = 100
    }

    public struct NamespacePolicy: Sendable, Hashable {
        /// Whether a NamespacePolicy may act on a namespace other than its own.
        public var allowCrossNamespace = false
    }

    public struct CounterMeasure: Sendable, Hashable {
        /// Whether a CounterMeasure acts on alerts and series of every namespace (in the
        /// namespace their `namespace` label names) instead of its own only.
        public var allowCrossNamespace = false
    }

    public struct HealthCheck: Sendable, Hashable {
        /// Whether a HealthCheck may use `level: cluster` (its Job's pod gets a ClusterRole).
        public var allowClusterLevel = false
        /// HTTP probes in flight at once on one replica; more wait their turn.
        public var maxConcurrentProbes = 256
    }

    public struct MemoryScaler: Sendable, Hashable {
        /// Whether the MemoryScaler controller runs. It watches every pod of the
        /// namespaces a replica owns; a cluster that uses no MemoryScaler can turn it off.
        public var enabled = true
    }

    public struct Alertmanager: Sendable, Hashable {
        /// The file holding the bearer token Alertmanager sends (a mounted Secret); empty: the receiver is off.
        public var tokenFile = ""
        /// The largest webhook body taken (413 above).
        public var maxBodyBytes = 1_048_576
    }

    public struct Actions: Sendable, Hashable {
        /// Action runs (CounterMeasure runs, HealthCheck remedies) started per minute across the ring; 0: no cap.
        public var maxRunsPerMinute = 120.0
    }

    public init() {}

    /// The lease timing: the profile with any overrides applied.
    public var timing: LeaderElectionConfig.Timing {
        let base: LeaderElectionConfig.Timing = leaderElection.profile == "fast" ? .fast : .conservative
        return LeaderElectionConfig.Timing(
            leaseDuration: leaderElection.leaseDuration > 0 ? leaderElection.leaseDuration : base.leaseDuration,
            renewDeadline: leaderElection.renewDeadline > 0 ? leaderElection.renewDeadline : base.renewDeadline,
            retryPeriod: leaderElection.retryPeriod > 0 ? leaderElection.retryPeriod : base.retryPeriod)
    }

    // MARK: Settings

    enum Kind: Sendable {
        case string(WritableKeyPath<VigilConfiguration, String> & Sendable, allowed: [String]?)
        case int(WritableKeyPath<VigilConfiguration, Int> & Sendable, range: ClosedRange<Int>)
        case seconds(WritableKeyPath<VigilConfiguration, Double> & Sendable, allowZero: Bool)
        case number(WritableKeyPath<VigilConfiguration, Double> & Sendable)
        case bool(WritableKeyPath<VigilConfiguration, Bool> & Sendable)
    }

    /// Every key: its dotted path (the YAML key, and the environment
    /// variable `VIGIL_` + the path in upper snake case) and its type.
    static let settings: [(path: String, kind: Kind)] = [
        ("identity", .string(\.identity, allowed: nil)),
        ("namespace", .string(\.namespace, allowed: nil)),
        ("address", .string(\.address, allowed: nil)),
        ("kubeconfig", .string(\.kubeconfig, allowed: nil)),
        ("context", .string(\.context, allowed: nil)),
        ("leaderElection.profile", .string(\.leaderElection.profile, allowed: ["conservative", "fast"])),
        ("leaderElection.leaseDuration", .seconds(\.leaderElection.leaseDuration, allowZero: true)),
        ("leaderElection.renewDeadline", .seconds(\.leaderElection.renewDeadline, allowZero: true)),
        ("leaderElection.retryPeriod", .seconds(\.leaderElection.retryPeriod, allowZero: true)),
        ("leaderElection.ring", .string(\.leaderElection.ring, allowed: nil)),
        ("leaderElection.handoffTimeout", .seconds(\.leaderElection.handoffTimeout, allowZero: false)),
        ("http.host", .string(\.http.host, allowed: nil)),
        ("http.port", .int(\.http.port, range: 1...65535)),
        ("logging.level", .string(\.logging.level, allowed: ["trace", "debug", "info", "notice", "warning", "error", "critical"])),
        ("logging.format", .string(\.logging.format, allowed: ["json", "text"])),
        ("controllers.workers", .int(\.controllers.workers, range: 1...256)),
        ("kubeAPI.qps", .number(\.kubeAPI.qps)),
        ("kubeAPI.burst", .int(\.kubeAPI.burst, range: 1...100_000)),
        ("namespacePolicy.allowCrossNamespace", .bool(\.namespacePolicy.allowCrossNamespace)),
        ("actions.maxRunsPerMinute", .number(\.actions.maxRunsPerMinute)),
        ("counterMeasure.allowCrossNamespace", .bool(\.counterMeasure.allowCrossNamespace)),
        ("healthCheck.allowClusterLevel", .bool(\.healthCheck.allowClusterLevel)),
        ("healthCheck.maxConcurrentProbes", .int(\.healthCheck.maxConcurrentProbes, range: 1...10_000)),
        ("memoryScaler.enabled", .bool(\.memoryScaler.enabled)),
        ("alertmanager.tokenFile", .string(\.alertmanager.tokenFile, allowed: nil)),
        ("alertmanager.maxBodyBytes", .int(\.alertmanager.maxBodyBytes, range: 1024...67_108_864)),
    ]

    /// `leaderElection.handoffTimeout` → `VIGIL_LEADER_ELECTION_HANDOFF_TIMEOUT`.
    public static func environmentName(_ path: String) -> String {
        var out = "VIGIL_"
        for c in path {
            if c == "." {
                out += "_"
            } else if c.isUppercase {
                out += "_" + String(c)
            } else {
                out += c.uppercased()
            }
        }
        return out
    }

    /// Every key's dotted path, for docs and `--help`.
    public static var keys: [String] { settings.map(\.path) }

    // MARK: Applying sources

    /// Applies a YAML document (the config file); `source` names it in errors.
    public mutating func apply(yaml text: String, source: String) throws(VigilConfigurationError) {
        let json: JSON
        do {
            guard let node = try Yams.compose(yaml: text) else { return }  // an empty file
            guard let j = JSON(yaml: node) else {
                throw VigilConfigurationError(source: source, key: nil, message: "nests deeper than 512 levels")
            }
            json = j
        } catch let e as VigilConfigurationError {
            throw e
        } catch {
            throw VigilConfigurationError(source: source, key: nil, message: "is not valid YAML: \(error)")
        }
        if json == .null { return }
        guard case .object(let top) = json else {
            throw VigilConfigurationError(source: source, key: nil, message: "must be a mapping of settings, not \(Self.describe(json))")
        }
        try apply(object: top, prefix: "", source: source)
    }

    mutating func apply(object: JSONObject, prefix: String, source: String) throws(VigilConfigurationError) {
        for (key, value) in object {
            let path = prefix.isEmpty ? key : prefix + "." + key
            if path == "prometheus" || path == "prometheus.sources" {
                try applyPrometheus(value, path: path, source: source)
            } else if let setting = Self.settings.first(where: { $0.path == path }) {
                try set(setting.kind, path: path, value: value, source: source)
            } else if Self.settings.contains(where: { $0.path.hasPrefix(path + ".") }) {
                guard case .object(let inner) = value else {
                    throw VigilConfigurationError(source: source, key: path, message: "must be a mapping, not \(Self.describe(value))")
                }
                try apply(object: inner, prefix: path, source: source)
            } else {
                let near = Self.settings.map(\.path).filter { $0.hasPrefix(prefix.isEmpty ? "" : prefix + ".") }
                throw VigilConfigurationError(
                    source: source, key: path, message: "is not a setting; known keys here: \(near.joined(separator: ", "))")
            }
        }
    }

    /// Applies `VIGIL_*` variables (unknown `VIGIL_` names are errors, so a
    /// typo is not silently ignored).
    public mutating func apply(environment: [String: String]) throws(VigilConfigurationError) {
        let byName = Dictionary(uniqueKeysWithValues: Self.settings.map { (Self.environmentName($0.path), $0) })
        for (name, text) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("VIGIL_") {
            if name == Self.prometheusURLVariable {
                try setDefaultPrometheusURL(text, source: "environment variable \(name)")
                continue
            }
            guard let setting = byName[name] else {
                throw VigilConfigurationError(
                    source: "environment", key: name, message: "is not a setting; known: \(byName.keys.sorted().joined(separator: ", "))")
            }
            try set(setting.kind, path: setting.path, value: .string(text), source: "environment variable \(name)")
        }
    }

    /// Applies one `key=value` override (a flag); the value is parsed as the key's type.
    public mutating func apply(override path: String, _ text: String, source: String) throws(VigilConfigurationError) {
        guard let setting = Self.settings.first(where: { $0.path == path }) else {
            throw VigilConfigurationError(source: source, key: path, message: "is not a setting")
        }
        try set(setting.kind, path: path, value: .string(text), source: source)
    }

    /// Fills identity, namespace and address from the pod's environment
    /// where unset, and checks the combination.
    public mutating func resolveIdentity(environment: [String: String], hostName: String) throws(VigilConfigurationError) {
        if identity.isEmpty { identity = environment["POD_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? hostName }
        if namespace.isEmpty { namespace = environment["POD_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 } ?? "vigil-system" }
        if address.isEmpty {
            let ip = environment["POD_IP"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
            address = (ip.contains(":") ? "[\(ip)]" : ip) + ":\(http.port)"
        }
        if identity.isEmpty {
            throw VigilConfigurationError(source: "configuration", key: "identity", message: "is empty and neither POD_NAME nor a host name is known")
        }
        let t = timing
        guard t.leaseDuration > t.renewDeadline, t.renewDeadline > t.retryPeriod * LeaderElectionConfig.jitterFactor else {
            throw VigilConfigurationError(
                source: "configuration", key: "leaderElection",
                message: "durations must satisfy leaseDuration > renewDeadline > retryPeriod × 1.2; got \(t.leaseDuration)/\(t.renewDeadline)/\(t.retryPeriod) s")
        }
    }

    mutating func set(_ kind: Kind, path: String, value: JSON, source: String) throws(VigilConfigurationError) {
        func fail(_ message: String) -> VigilConfigurationError { VigilConfigurationError(source: source, key: path, message: message) }
        let text: String? = {
            switch value {
            case .string(let s): s
            case .int(let i): String(i)
            case .double(let d): String(d)
            case .bool(let b): String(b)
            default: nil
            }
        }()
        switch kind {
        case .string(let kp, let allowed):
            guard case .string(let s) = value else { throw fail("must be a string, not \(Self.describe(value))") }
            if let allowed, !allowed.contains(s) { throw fail("is \(s.debugDescription); must be one of \(allowed.joined(separator: ", "))") }
            self[keyPath: kp] = s
        case .int(let kp, let range):
            guard let t = text, let i = Int(t), range.contains(i) else {
                throw fail("is \(text ?? Self.describe(value)); must be an integer in \(range.lowerBound)…\(range.upperBound)")
            }
            self[keyPath: kp] = i
        case .number(let kp):
            guard let t = text, let d = Double(t), d.isFinite, d >= 0 else { throw fail("is \(text ?? Self.describe(value)); must be a number ≥ 0") }
            self[keyPath: kp] = d
        case .seconds(let kp, let allowZero):
            guard let t = text else { throw fail("must be a duration such as 10s or 1m30s, not \(Self.describe(value))") }
            if allowZero, let d = Double(t), d == 0 {
                self[keyPath: kp] = 0
            } else if let d = Double(t), d.isFinite, d > 0 {
                self[keyPath: kp] = d
            } else if let d = try? GoDuration(parsing: t), d.milliseconds > 0 {
                self[keyPath: kp] = d.seconds
            } else {
                throw fail(
                    "is \(t.debugDescription); must be a positive duration such as 10s, 1m30s or 500ms (or a number of seconds)"
                        + (allowZero ? ", or 0 for the profile's value" : ""))
            }
        case .bool(let kp):
            switch text?.lowercased() {
            case "true": self[keyPath: kp] = true
            case "false": self[keyPath: kp] = false
            default: throw fail("is \(text ?? Self.describe(value)); must be true or false")
            }
        }
    }

    static func describe(_ value: JSON) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string(let s): "the string \(s.debugDescription)"
        case .array: "a list"
        case .object: "a mapping"
        }
    }
}

/// A configuration value that cannot be used: where it came from, the key,
/// and what would be valid.
public struct VigilConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var source: String
    public var key: String?
    public var message: String

    public var description: String {
        if let key { return "\(source): \(key) \(message)" }
        return "\(source) \(message)"
    }
}
