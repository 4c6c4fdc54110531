import Foundation
import VigilAPI
import VigilJSON
import VigilPrometheus

extension VigilConfiguration {
    /// Sets (or adds) the `default` source's URL: `VIGIL_PROMETHEUS_URL`.
    static let prometheusURLVariable = "VIGIL_PROMETHEUS_URL"

    /// The configured source names.
    public var prometheusSourceNames: Set<String> { Set(prometheusSources.map(\.name)) }

    mutating func setDefaultPrometheusURL(_ url: String, source: String) throws(VigilConfigurationError) {
        if let problem = Self.urlProblem(url) { throw VigilConfigurationError(source: source, key: "prometheus.sources.default.url", message: problem) }
        if let i = prometheusSources.firstIndex(where: { $0.name == "default" }) {
            prometheusSources[i].url = url
        } else {
            prometheusSources.append(PrometheusSource(name: "default", url: url))
        }
    }

    /// `prometheus: {sources: {<name>: {url, interval, timeout, bearerTokenFile, basicAuth: {username, passwordFile}, caFile, insecureSkipVerify}}}`.
    mutating func applyPrometheus(_ value: JSON, path: String, source: String) throws(VigilConfigurationError) {
        func fail(_ key: String, _ message: String) -> VigilConfigurationError { VigilConfigurationError(source: source, key: key, message: message) }
        var sourcesValue = value
        if path == "prometheus" {
            guard case .object(let o) = value else { throw fail(path, "must be a mapping with sources, not \(Self.describe(value))") }
            for k in o.keys where k != "sources" { throw fail("prometheus.\(k)", "is not a setting; known keys here: prometheus.sources") }
            guard let s = o["sources"] else { return }
            sourcesValue = s
        }
        if sourcesValue == .null { return }
        guard case .object(let sources) = sourcesValue else { throw fail("prometheus.sources", "must be a mapping of source names to {url: …}, not \(Self.describe(sourcesValue))") }
        var parsed: [PrometheusSource] = []
        for (name, v) in sources {
            let p = "prometheus.sources.\(name)"
            guard KubernetesNames.isDNS1123Label(name) else { throw fail(p, "is not a valid source name: \(KubernetesNames.dns1123LabelRule)") }
            guard case .object(let o) = v else { throw fail(p, "must be a mapping with at least url, not \(Self.describe(v))") }
            let known = ["url", "interval", "timeout", "bearerTokenFile", "basicAuth", "caFile", "insecureSkipVerify"]
            for k in o.keys where !known.contains(k) { throw fail("\(p).\(k)", "is not a setting; known keys here: \(known.joined(separator: ", "))") }
            guard case .string(let url)? = o["url"] else { throw fail("\(p).url", "is required: the Prometheus base URL, e.g. http://prometheus.monitoring:9090") }
            if let problem = Self.urlProblem(url) { throw fail("\(p).url", problem) }
            func seconds(_ k: String, _ d: Double) throws(VigilConfigurationError) -> Double {
                guard let x = o[k] else { return d }
                var c = VigilConfiguration()
                c.leaderElection.handoffTimeout = d
                try c.set(.seconds(\.leaderElection.handoffTimeout, allowZero: false), path: "\(p).\(k)", value: x, source: source)
                return c.leaderElection.handoffTimeout
            }
            func string(_ k: String) throws(VigilConfigurationError) -> String? {
                guard let x = o[k] else { return nil }
                guard case .string(let s) = x, !s.isEmpty else { throw fail("\(p).\(k)", "must be a non-empty string, not \(Self.describe(x))") }
                return s
            }
            var s = PrometheusSource(name: name, url: url, interval: try seconds("interval", 15), timeout: try seconds("timeout", 10))
            s.bearerTokenFile = try string("bearerTokenFile")
            s.caFile = try string("caFile")
            if let b = o["insecureSkipVerify"] {
                guard case .bool(let flag) = b else { throw fail("\(p).insecureSkipVerify", "must be true or false") }
                s.insecureSkipVerify = flag
            }
            if let b = o["basicAuth"] {
                guard case .object(let ba) = b, case .string(let user)? = ba["username"], case .string(let file)? = ba["passwordFile"] else {
                    throw fail("\(p).basicAuth", "must be {username: …, passwordFile: <a file, e.g. a mounted Secret>}")
                }
                guard let password = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw fail("\(p).basicAuth.passwordFile", "cannot read \(file.debugDescription)")
                }
                s.basicAuth = .init(username: user, password: password.trimmingCharacters(in: .newlines))
            }
            if s.timeout > s.interval { throw fail("\(p).timeout", "is \(s.timeout) s, longer than the interval \(s.interval) s: polls would overlap") }
            parsed.append(s)
        }
        for s in parsed {
            prometheusSources.removeAll { $0.name == s.name }
            prometheusSources.append(s)
        }
        prometheusSources.sort { $0.name < $1.name }
    }

    static func urlProblem(_ url: String) -> String? {
        guard let u = URL(string: url), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil else {
            return "is \(url.debugDescription); must be an http or https URL such as http://prometheus.monitoring:9090"
        }
        return nil
    }
}
