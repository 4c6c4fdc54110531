import Foundation
import Logging
import Synchronization
import Testing
import VigilJSON
import VigilHost

@Suite struct VigilConfigurationTests {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test func theDocumentedFileIsTheDefaults() throws {
        let text = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("config/vigil.yaml"), encoding: .utf8)
        var c = VigilConfiguration()
        try c.apply(yaml: text, source: "config/vigil.yaml")
        #expect(c == VigilConfiguration(), "config/vigil.yaml documents exactly the defaults")
        for key in VigilConfiguration.keys {
            let leaf = String(key.split(separator: ".").last!)
            #expect(text.contains("\(leaf):"), "config/vigil.yaml documents \(key)")
        }
    }

    @Test func theDeployConfigIsValid() throws {
        let text = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("deploy/vigil.yaml"), encoding: .utf8)
        var c = VigilConfiguration()
        try c.apply(yaml: text, source: "deploy/vigil.yaml")
        #expect(c.http.port == 8080)
    }

    @Test func fileThenEnvironmentThenFlags() throws {
        var c = VigilConfiguration()
        try c.apply(yaml: "leaderElection:\n  profile: fast\n  handoffTimeout: 1m30s\nhttp:\n  port: 9000\n", source: "f.yaml")
        #expect(c.leaderElection.profile == "fast" && c.leaderElection.handoffTimeout == 90 && c.http.port == 9000)
        #expect(c.timing.leaseDuration == 4 && c.timing.retryPeriod == 0.5)
        try c.apply(environment: ["VIGIL_HTTP_PORT": "9100", "VIGIL_NAMESPACE_POLICY_ALLOW_CROSS_NAMESPACE": "true", "HOME": "/root"])
        #expect(c.http.port == 9100 && c.namespacePolicy.allowCrossNamespace)
        try c.apply(override: "http.port", "9200", source: "flag")
        #expect(c.http.port == 9200)
        try c.apply(override: "leaderElection.leaseDuration", "6", source: "flag")
        #expect(c.timing.leaseDuration == 6 && c.timing.renewDeadline == 3)
    }

    @Test func environmentNames() {
        #expect(VigilConfiguration.environmentName("leaderElection.handoffTimeout") == "VIGIL_LEADER_ELECTION_HANDOFF_TIMEOUT")
        #expect(VigilConfiguration.environmentName("http.port") == "VIGIL_HTTP_PORT")
        #expect(VigilConfiguration.environmentName("kubeAPI.qps") == "VIGIL_KUBE_A_P_I_QPS")
    }

    @Test func errorsNameTheSourceTheKeyAndWhatIsValid() {
        func error(_ body: (inout VigilConfiguration) throws -> Void) -> String {
            var c = VigilConfiguration()
            do {
                try body(&c)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(error { try $0.apply(yaml: "http:\n  prot: 80\n", source: "a.yaml") } == "a.yaml: http.prot is not a setting; known keys here: http.host, http.port")
        #expect(error { try $0.apply(yaml: "http:\n  port: 0\n", source: "a.yaml") } == "a.yaml: http.port is 0; must be an integer in 1…65535")
        #expect(error { try $0.apply(yaml: "http: 8080\n", source: "a.yaml") } == "a.yaml: http must be a mapping, not a number")
        #expect(
            error { try $0.apply(yaml: "leaderElection:\n  profile: quick\n", source: "a.yaml") }
                == #"a.yaml: leaderElection.profile is "quick"; must be one of conservative, fast"#)
        #expect(
            error { try $0.apply(yaml: "leaderElection:\n  handoffTimeout: soon\n", source: "a.yaml") }
                == #"a.yaml: leaderElection.handoffTimeout is "soon"; must be a positive duration such as 10s, 1m30s or 500ms (or a number of seconds)"#)
        #expect(error { try $0.apply(yaml: "- a\n- b\n", source: "a.yaml") } == "a.yaml must be a mapping of settings, not a list")
        #expect(error { try $0.apply(yaml: "a: [\n", source: "a.yaml") }.hasPrefix("a.yaml is not valid YAML"))
        #expect(
            error { try $0.apply(environment: ["VIGIL_HTTP_PROT": "1"]) }.hasPrefix("environment: VIGIL_HTTP_PROT is not a setting; known: "))
        #expect(
            error { try $0.apply(environment: ["VIGIL_NAMESPACE_POLICY_ALLOW_CROSS_NAMESPACE": "yes"]) }
                == "environment variable VIGIL_NAMESPACE_POLICY_ALLOW_CROSS_NAMESPACE: namespacePolicy.allowCrossNamespace is yes; must be true or false")
        #expect(
            error {
                try $0.apply(override: "leaderElection.renewDeadline", "20", source: "flag")
                try $0.resolveIdentity(environment: [:], hostName: "h")
            } == "configuration: leaderElection durations must satisfy leaseDuration > renewDeadline > retryPeriod × 1.2; got 15.0/20.0/2.0 s")
    }

    @Test func identityComesFromThePodEnvironment() throws {
        var c = VigilConfiguration()
        try c.resolveIdentity(environment: ["POD_NAME": "vigil-7d9f-x2", "POD_NAMESPACE": "ops", "POD_IP": "10.1.2.3"], hostName: "h")
        #expect(c.identity == "vigil-7d9f-x2" && c.namespace == "ops" && c.address == "10.1.2.3:8080")
        var d = VigilConfiguration()
        d.http.port = 9090
        try d.resolveIdentity(environment: ["POD_IP": "fd00::1"], hostName: "laptop")
        #expect(d.identity == "laptop" && d.namespace == "vigil-system" && d.address == "[fd00::1]:9090")
    }
}

@Suite struct JSONLogHandlerTests {
    final class Lines: Sendable {
        let value = Mutex<[String]>([])
    }

    @Test func writesOneJSONObjectPerLineWithMetadata() throws {
        let lines = Lines()
        var handler = JSONLogHandler(label: "vigil") { bytes in
            lines.value.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
        }
        handler.logLevel = .debug
        handler[metadataKey: "replica"] = "r1"
        var logger = Logger(label: "vigil") { _ in handler }
        logger.logLevel = .debug
        logger.warning("fenced \"now\"", metadata: ["epoch": "7"])
        let line = try #require(lines.value.withLock { $0.first })
        #expect(line.hasSuffix("\n") && !line.dropLast().contains("\n"))
        let json = try JSON.parse(line)
        #expect(json["level"]?.stringValue == "warning")
        #expect(json["message"]?.stringValue == "fenced \"now\"")
        #expect(json["logger"]?.stringValue == "vigil")
        #expect(json["replica"]?.stringValue == "r1" && json["epoch"]?.stringValue == "7")
        let time = try #require(json["time"]?.stringValue)
        #expect(time.count == 24 && time.hasSuffix("Z") && time.contains("T"), "RFC 3339 UTC with milliseconds: \(time)")
    }
}
