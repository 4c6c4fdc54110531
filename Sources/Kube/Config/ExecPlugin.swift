import Foundation

/// What an exec credential plugin returned.
struct ExecCredentialResult: Sendable {
    var token: String?
    var clientCertificate: ClientCertificate?
    /// Seconds since 1970; nil means "valid until a 401".
    var expiration: Double?
}

/// Runs client-go credential plugins (`users[].user.exec`).
enum ExecPlugin {
    /// The `KUBERNETES_EXEC_INFO` value (an ExecCredential with only `spec`).
    static func execInfoJSON(_ config: ExecConfig, interactive: Bool) -> String {
        var spec: [String] = []
        if config.provideClusterInfo, let c = config.cluster {
            var cluster = ["\"server\":\(ConfigJSON.quote(c.server))"]
            if let n = c.serverName { cluster.append("\"tls-server-name\":\(ConfigJSON.quote(n))") }
            if c.insecureSkipVerify { cluster.append("\"insecure-skip-tls-verify\":true") }
            if let ca = c.caPEM { cluster.append("\"certificate-authority-data\":\(ConfigJSON.quote(ConfigBase64.encode(ca)))") }
            if let p = c.proxyURL { cluster.append("\"proxy-url\":\(ConfigJSON.quote(p))") }
            if let cfg = config.clusterConfigJSON { cluster.append("\"config\":\(cfg)") }
            spec.append("\"cluster\":{\(cluster.joined(separator: ","))}")
        }
        spec.append("\"interactive\":\(interactive)")
        return "{\"kind\":\"ExecCredential\",\"apiVersion\":\(ConfigJSON.quote(config.apiVersion)),\"spec\":{\(spec.joined(separator: ","))}}"
    }

    /// Finds the executable as Go's `exec.LookPath` does.
    static func lookPath(_ command: String, environment: [String: String]) -> String? {
        if command.contains("/") { return ConfigFiles.isExecutableFile(command) ? command : nil }
        for dir in (environment["PATH"] ?? "").split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = ConfigFiles.join(dir.isEmpty ? "." : String(dir), command)
            if ConfigFiles.isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    static func run(
        _ config: ExecConfig, environment: [String: String]
    ) async throws(KubeConfigError) -> ExecCredentialResult {
        if config.interactiveMode == .always {
            throw KubeConfigError(
                message: "exec: executable \(config.command): interactiveMode Always needs a terminal, and Vigil never gives plugins one")
        }
        guard let executable = lookPath(config.command, environment: environment) else {
            var message = "exec: executable \(config.command) not found"
            if let hint = config.installHint, !hint.isEmpty { message += "\n\n\(hint)" }
            throw KubeConfigError(message: message)
        }
        var env = environment
        for e in config.env { env[e.name] = e.value }
        env["KUBERNETES_EXEC_INFO"] = execInfoJSON(config, interactive: false)

        let output = await runProcess(executable: executable, args: config.args, environment: env)
        let name = config.command
        switch output {
        case .launchFailed(let message):
            throw KubeConfigError(message: "exec: executable \(name): \(message)")
        case .finished(let status, let signaled, let stdout, let stderr):
            if signaled {
                throw KubeConfigError(
                    message: "exec: executable \(name) was terminated by signal \(status)" + stderrSuffix(stderr))
            }
            if status != 0 {
                throw KubeConfigError(
                    message: "exec: executable \(name) failed with exit code \(status)" + stderrSuffix(stderr))
            }
            return try parse(stdout, config: config)
        }
    }

    private static func stderrSuffix(_ stderr: [UInt8]) -> String {
        var text = String(decoding: stderr, as: UTF8.self).trimmedForConfig
        if text.isEmpty { return "" }
        if text.count > 4096 { text = String(text.prefix(4096)) + "…" }
        return "\nstderr: \(text)"
    }

    private struct Credential: Decodable {
        struct Status: Decodable {
            var token: String?
            var clientCertificateData: String?
            var clientKeyData: String?
            var expirationTimestamp: String?
        }
        var kind: String?
        var apiVersion: String?
        var status: Status?
    }

    static func parse(_ stdout: [UInt8], config: ExecConfig) throws(KubeConfigError) -> ExecCredentialResult {
        let name = config.command
        func fail(_ m: String) -> KubeConfigError { KubeConfigError(message: "exec: executable \(name): \(m)") }
        let credential: Credential
        do {
            credential = try JSONDecoder().decode(Credential.self, from: Data(stdout))
        } catch {
            var shown = String(decoding: stdout.prefix(200), as: UTF8.self).trimmedForConfig
            if stdout.count > 200 { shown += "…" }
            throw fail("decoding stdout: not an ExecCredential JSON object: \"\(shown)\"")
        }
        guard credential.kind == "ExecCredential" else {
            throw fail("decoding stdout: kind is \"\(credential.kind ?? "")\", want \"ExecCredential\"")
        }
        guard credential.apiVersion == config.apiVersion else {
            throw fail(
                "plugin is configured to use API version \(config.apiVersion), plugin returned version \(credential.apiVersion ?? "")")
        }
        guard let status = credential.status else { throw fail("plugin didn't return a status field") }
        let token = status.token.flatMap { $0.isEmpty ? nil : $0 }
        let certData = status.clientCertificateData.flatMap { $0.isEmpty ? nil : $0 }
        let keyData = status.clientKeyData.flatMap { $0.isEmpty ? nil : $0 }
        if token == nil && certData == nil && keyData == nil {
            throw fail("plugin didn't return a token or cert/key pair")
        }
        if (certData == nil) != (keyData == nil) {
            throw fail("plugin returned only certificate or key, not both")
        }
        var expiration: Double? = nil
        if let ts = status.expirationTimestamp, !ts.isEmpty {
            guard let t = ConfigRFC3339.parse(ts) else { throw fail("invalid expirationTimestamp \"\(ts)\"") }
            expiration = t
        }
        var cert: ClientCertificate? = nil
        if let certData, let keyData {
            cert = ClientCertificate(certPEM: Array(certData.utf8), keyPEM: Array(keyData.utf8))
        }
        return ExecCredentialResult(token: token, clientCertificate: cert, expiration: expiration)
    }

    enum ProcessOutput: Sendable {
        case launchFailed(String)
        case finished(status: Int32, signaled: Bool, stdout: [UInt8], stderr: [UInt8])
    }

    /// Written by one reader thread, read after the DispatchGroup wait.
    private final class Collected: @unchecked Sendable {
        var bytes: [UInt8] = []
    }

    /// Runs the plugin on threads of its own (never the cooperative pool or
    /// Dispatch's width-limited global queues, which the blocking reads and
    /// wait would starve); stdin is /dev/null.
    static func runProcess(executable: String, args: [String], environment: [String: String]) async -> ProcessOutput {
        await withCheckedContinuation { (continuation: CheckedContinuation<ProcessOutput, Never>) in
            Thread.detachNewThread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = args
                process.environment = environment
                let out = Pipe(), err = Pipe()
                process.standardOutput = out
                process.standardError = err
                process.standardInput = FileHandle.nullDevice
                do {
                    try process.run()
                } catch {
                    continuation.resume(returning: .launchFailed("\(error)"))
                    return
                }
                let stderr = Collected()
                let group = DispatchGroup()
                group.enter()
                Thread.detachNewThread {
                    stderr.bytes = Array(err.fileHandleForReading.readDataToEndOfFile())
                    group.leave()
                }
                let stdout = Array(out.fileHandleForReading.readDataToEndOfFile())
                group.wait()
                process.waitUntilExit()
                continuation.resume(
                    returning: .finished(
                        status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                        stdout: stdout, stderr: stderr.bytes))
            }
        }
    }
}

/// RFC 3339 timestamps (`2006-01-02T15:04:05Z`, fractional seconds, offsets).
enum ConfigRFC3339 {
    static func parse(_ text: String) -> Double? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= b.count else { return nil }
            var v = 0
            for i in at..<(at + n) {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == 45, let month = digits(5, 2), b[7] == 45,
            let day = digits(8, 2), b[10] == 84 || b[10] == 116 || b[10] == 32, let hour = digits(11, 2), b[13] == 58,
            let minute = digits(14, 2), b[16] == 58, let second = digits(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count && b[i] == 46 {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 48 && b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            if i == start { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45, let oh = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == 58,
            let om = digits(i + 4, 2)
        {
            offset = (oh * 3600 + om * 60) * (b[i] == 43 ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // Days from civil (Howard Hinnant).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        let seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset
        return Double(seconds) + fraction
    }
}
