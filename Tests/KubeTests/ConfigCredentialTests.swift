import Foundation
import Testing

@testable import Kube

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A clock the test moves by hand.
final class ConfigTestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Double
    init(_ start: Double) { value = start }
    var now: Double { lock.withLock { value } }
    func advance(_ seconds: Double) { lock.withLock { value += seconds } }
    var clock: CredentialProvider.Clock { { [self] in self.now } }
}

@Suite("Credential provider")
struct ConfigCredentialTests {
    /// 2030-01-01T00:00:00Z
    static let t2030 = 1_893_456_000.0

    @Test func staticHeaders() async throws {
        #expect(try await CredentialProvider(.none).headers().isEmpty)
        let token = try await CredentialProvider(.token("abc")).headers()
        #expect(token.map(\.0) == ["Authorization"])
        #expect(token.map(\.1) == ["Bearer abc"])
        let basic = try await CredentialProvider(.basic(username: "admin", password: "secret")).headers()
        #expect(basic.map(\.1) == ["Basic YWRtaW46c2VjcmV0"])

        let certOnly = CredentialProvider(.clientCertificate(certPEM: [1, 2], keyPEM: [3]))
        #expect(try await certOnly.headers().isEmpty)
        let pair = try await certOnly.clientCertificate()
        #expect(pair?.cert == [1, 2] && pair?.key == [3])

        let tokenWithCert = CredentialProvider(.token("t"), clientCertificate: ClientCertificate(certPEM: [9], keyPEM: [8]))
        #expect(try await tokenWithCert.clientCertificate()?.cert == [9])
        #expect(try await CredentialProvider(.token("t")).clientCertificate() == nil)
    }

    @Test func providerFromResolvedConfig() async throws {
        let config = try KubeConfigLoader.load(
            path: ConfigFixtures.path("auth-kinds.yaml"), context: "token-and-cert", environment: [:])
        let provider = CredentialProvider(config: config)
        #expect(try await provider.headers().map(\.1) == ["Bearer token-with-cert"])
        #expect(try await provider.clientCertificate()?.key == ConfigFixtures.clientKeyPEM)
    }

    @Test func tokenFileRotation() async throws {
        let dir = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(dir) }
        let path = dir + "/token"
        try ConfigFixtures.write("first-token\n", to: path)
        let clock = ConfigTestClock(Self.t2030)
        let provider = CredentialProvider(.tokenFile(path), clock: clock.clock)
        #expect(try await provider.headers().map(\.1) == ["Bearer first-token"])

        // Rewritten (different size and mtime): picked up at once.
        try ConfigFixtures.write("second-token-longer", to: path)
        #expect(try await provider.headers().map(\.1) == ["Bearer second-token-longer"])

        // Rewritten in place with the same size and the old mtime: not noticed
        // until the minute is up.
        var before = stat()
        #expect(stat(path, &before) == 0)
        try ConfigFixtures.write("third--token-longer", to: path)
        #if canImport(Darwin)
        var times = [before.st_atimespec, before.st_mtimespec]
        #else
        var times = [before.st_atim, before.st_mtim]
        #endif
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        #expect(try await provider.headers().map(\.1) == ["Bearer second-token-longer"])
        clock.advance(61)
        #expect(try await provider.headers().map(\.1) == ["Bearer third--token-longer"])

        // Vanishing file: the last good token is kept (as client-go does).
        try FileManager.default.removeItem(atPath: path)
        clock.advance(61)
        #expect(try await provider.headers().map(\.1) == ["Bearer third--token-longer"])
    }

    @Test func tokenFileErrors() async throws {
        let dir = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(dir) }
        do {
            _ = try await CredentialProvider(.tokenFile(dir + "/missing")).headers()
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "\(dir)/missing: unable to read token file: no such file or directory")
        }
        try ConfigFixtures.write("  \n", to: dir + "/empty")
        do {
            _ = try await CredentialProvider(.tokenFile(dir + "/empty")).headers()
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "\(dir)/empty: token file is empty")
        }
    }

    // MARK: - Exec plugins

    /// A plugin that counts its runs in `dir/count`, records its arguments,
    /// environment and KUBERNETES_EXEC_INFO, and prints a token `tok-N`.
    static func writeCountingPlugin(in dir: String, expiration: String?) throws -> String {
        let path = dir + "/plugin.sh"
        let exp = expiration.map { #","expirationTimestamp":"\#($0)""# } ?? ""
        try ConfigFixtures.write(
            """
            #!/bin/sh
            n=$(cat "\(dir)/count" 2>/dev/null || echo 0)
            n=$((n+1))
            echo "$n" > "\(dir)/count"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "\(dir)/exec-info"
            echo "$# $1 $2 $PLUGIN_VAR" > "\(dir)/args"
            printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-%s"\(exp)}}' "$n"
            """, to: path, executable: true)
        return path
    }

    static func exec(_ command: String, args: [String] = [], env: [(name: String, value: String)] = [], hint: String? = nil) -> ExecConfig {
        ExecConfig(command: command, args: args, env: env, installHint: hint, interactiveMode: .never)
    }

    @Test func execTokenExpiredRunsAgain() async throws {
        let dir = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(dir) }
        let plugin = try Self.writeCountingPlugin(in: dir, expiration: "2029-12-31T23:00:00Z")
        let provider = CredentialProvider(.exec(Self.exec(plugin)), clock: ConfigTestClock(Self.t2030).clock)
        #expect(try await provider.headers().map(\.1) == ["Bearer tok-1"])
        #expect(try await provider.headers().map(\.1) == ["Bearer tok-2"])
        #expect(await provider.execRuns == 2)
    }

    @Test func execTokenCachedUntilExpiry() async throws {
        let dir = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(dir) }
        let plugin = try Self.writeCountingPlugin(in: dir, expiration: "2030-01-01T00:10:00.5+00:00")
        let clock = ConfigTestClock(Self.t2030)
        let provider = CredentialProvider(
            .exec(Self.exec(plugin, args: ["get-token", "--verbose"], env: [(name: "PLUGIN_VAR", value: "hello")])),
            environment: ["PATH": "/usr/bin:/bin"], clock: clock.clock)
        #expect(try await provider.headers().map(\.1) == ["Bearer tok-1"])
        #expect(try await provider.headers().map(\.1) == ["Bearer tok-1"])
        #expect(await provider.execRuns == 1)
        #expect(try String(contentsOfFile: dir + "/args", encoding: .utf8) == "2 get-token --verbose hello\n")
        #expect(
            try String(contentsOfFile: dir + "/exec-info", encoding: .utf8)
                == #"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#)

        // A 401: invalidate() makes the next call run the plugin again.
        await provider.invalidate()
        #expect(try await provider.headers().map(\.1) == ["Bearer tok-2"])

        // Past the expiry: runs again.
        clock.advance(601)
        #expect(try await provider.headers().map(\.1) == ["Bearer tok-3"])
        #expect(await provider.execRuns == 3)
    }

    @Test func execWithoutExpiryIsCachedAndConcurrentCallsShareOneRun() async throws {
        let dir = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(dir) }
        let plugin = try Self.writeCountingPlugin(in: dir, expiration: nil)
        let provider = CredentialProvider(.exec(Self.exec(plugin)))
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try await provider.headers().first?.1 ?? "" } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(results) == ["Bearer tok-1"])
        #expect(await provider.execRuns == 1)
    }

    @Test func execInfoWithClusterInfo() async throws {
        let dir = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(dir) }
        let plugin = try Self.writeCountingPlugin(in: dir, expiration: nil)
        let config = try KubeConfigLoader.load(path: ConfigFixtures.path("auth-kinds.yaml"), context: "exec-v1", environment: [:])
        guard case .exec(var exec) = config.credentials else {
            Issue.record("expected exec")
            return
        }
        exec.command = plugin
        _ = try await CredentialProvider(.exec(exec)).headers()
        let ca = ConfigBase64.encode(ConfigFixtures.caPEM)
        #expect(
            try String(contentsOfFile: dir + "/exec-info", encoding: .utf8)
                == #"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"cluster":{"server":"https://c.example.com","certificate-authority-data":"\#(ca)","config":{"audience":"vigil","retries":3}},"interactive":false}}"#
        )
    }

    @Test func execClientCertificate() async throws {
        let dir = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(dir) }
        let plugin = dir + "/cert.sh"
        try ConfigFixtures.write(
            #"""
            #!/bin/sh
            cat <<'JSON'
            {"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"clientCertificateData":"CERT\nPEM","clientKeyData":"KEY"}}
            JSON
            """#, to: plugin, executable: true)
        var config = Self.exec(plugin)
        config.apiVersion = "client.authentication.k8s.io/v1beta1"
        let provider = CredentialProvider(.exec(config))
        #expect(try await provider.headers().isEmpty)
        let pair = try await provider.clientCertificate()
        #expect(pair.map { String(decoding: $0.cert, as: UTF8.self) } == "CERT\nPEM")
        #expect(pair.map { String(decoding: $0.key, as: UTF8.self) } == "KEY")
        #expect(await provider.execRuns == 1)
    }

    private func execError(_ config: ExecConfig, environment: [String: String] = ["PATH": "/usr/bin:/bin"]) async -> String? {
        do {
            let headers = try await CredentialProvider(.exec(config), environment: environment).headers()
            Issue.record("expected an error, got \(headers)")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func execMissingCommandShowsInstallHint() async {
        let hint = "kubelogin is not installed. Install it with: apt-get install kubelogin"
        #expect(
            await execError(Self.exec("/nonexistent/kubelogin", hint: hint))
                == "exec: executable /nonexistent/kubelogin not found\n\n\(hint)")
        #expect(
            await execError(Self.exec("vigil-no-such-plugin"), environment: ["PATH": "/nonexistent"])
                == "exec: executable vigil-no-such-plugin not found")
    }

    @Test func execFailureShowsStderr() async throws {
        let dir = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(dir) }
        let plugin = dir + "/fail.sh"
        try ConfigFixtures.write("#!/bin/sh\necho 'partial output'\necho 'error: refresh token expired' >&2\nexit 3\n", to: plugin, executable: true)
        #expect(
            await execError(Self.exec(plugin))
                == "exec: executable \(plugin) failed with exit code 3\nstderr: error: refresh token expired")
    }

    @Test func execGarbageAndInvalidCredentials() async throws {
        let dir = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(dir) }
        func plugin(_ name: String, _ output: String) throws -> String {
            let path = dir + "/" + name
            try ConfigFixtures.write("#!/bin/sh\ncat <<'JSON'\n\(output)\nJSON\n", to: path, executable: true)
            return path
        }
        let garbage = try plugin("garbage.sh", "hello, not json")
        #expect(
            await execError(Self.exec(garbage))
                == "exec: executable \(garbage): decoding stdout: not an ExecCredential JSON object: \"hello, not json\"")
        let wrongVersion = try plugin(
            "version.sh", #"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"x"}}"#)
        #expect(
            await execError(Self.exec(wrongVersion))
                == "exec: executable \(wrongVersion): plugin is configured to use API version client.authentication.k8s.io/v1, plugin returned version client.authentication.k8s.io/v1beta1")
        let noStatus = try plugin("nostatus.sh", #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"}"#)
        #expect(await execError(Self.exec(noStatus)) == "exec: executable \(noStatus): plugin didn't return a status field")
        let empty = try plugin("empty.sh", #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}"#)
        #expect(await execError(Self.exec(empty)) == "exec: executable \(empty): plugin didn't return a token or cert/key pair")
        let half = try plugin(
            "half.sh", #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientKeyData":"k"}}"#)
        #expect(await execError(Self.exec(half)) == "exec: executable \(half): plugin returned only certificate or key, not both")
        let badTime = try plugin(
            "time.sh",
            #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"x","expirationTimestamp":"tomorrow"}}"#)
        #expect(await execError(Self.exec(badTime)) == "exec: executable \(badTime): invalid expirationTimestamp \"tomorrow\"")
    }

    @Test func execErrorIsNotCached() async throws {
        let dir = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(dir) }
        let plugin = dir + "/flaky.sh"
        try ConfigFixtures.write("#!/bin/sh\necho down >&2\nexit 1\n", to: plugin, executable: true)
        let provider = CredentialProvider(.exec(Self.exec(plugin)))
        await #expect(throws: KubeConfigError.self) { try await provider.headers() }
        _ = try Self.writeCountingPlugin(in: dir, expiration: nil)
        try FileManager.default.removeItem(atPath: plugin)
        try FileManager.default.moveItem(atPath: dir + "/plugin.sh", toPath: plugin)
        #expect(try await provider.headers().map(\.1) == ["Bearer tok-1"])
    }

    @Test func processEnvironmentIsRead() {
        #expect(processEnvironment()["PATH"] == ProcessInfo.processInfo.environment["PATH"])
    }

    @Test func rfc3339() {
        #expect(ConfigRFC3339.parse("1970-01-01T00:00:00Z") == 0)
        #expect(ConfigRFC3339.parse("2030-01-01T00:00:00Z") == Self.t2030)
        #expect(ConfigRFC3339.parse("2030-01-01T02:00:00+02:00") == Self.t2030)
        #expect(ConfigRFC3339.parse("2030-01-01T00:00:00.25Z") == Self.t2030 + 0.25)
        #expect(ConfigRFC3339.parse("2030-01-01") == nil)
        #expect(ConfigRFC3339.parse("2030-13-01T00:00:00Z") == nil)
    }

    @Test func base64RoundTripAndErrors() throws {
        for n in 0..<8 {
            let bytes = (0..<n).map { UInt8($0 * 37 & 0xFF) }
            #expect(try ConfigBase64.decode(ConfigBase64.encode(bytes)).get() == bytes)
        }
        #expect(try ConfigBase64.decode("aGVs\nbG8=").get() == Array("hello".utf8))
        #expect(try ConfigBase64.decode("aGVsbG8").get() == Array("hello".utf8))
        guard case .failure(let e) = ConfigBase64.decode("aGVs!G8=") else {
            Issue.record("expected failure")
            return
        }
        #expect(e.message == "illegal base64 data at input byte 4")
    }
}
