#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a `ClientCredentialSource` into request credentials, refreshing
/// them as client-go does:
/// - token files are re-read when they change (device/inode/size/mtime) and
///   at least every `tokenFileRefreshInterval` seconds; a failed re-read keeps
///   the last good token;
/// - exec plugins are run on first use, their result cached until
///   `expirationTimestamp` (forever without one), and run again after
///   `invalidate()` (call it when a request got 401 Unauthorized).
public actor CredentialProvider {
    /// Seconds since 1970-01-01T00:00:00Z.
    public typealias Clock = @Sendable () -> Double

    public static let systemClock: Clock = {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    public static let tokenFileRefreshInterval: Double = 60

    public let source: ClientCredentialSource
    private let staticCertificate: ClientCertificate?
    private let environment: [String: String]
    private let clock: Clock

    // Token file state.
    private var fileToken: String?
    private var fileStamp: ConfigFiles.Stamp?
    private var fileReadAt: Double = 0

    // Exec state.
    private var execCached: ExecCredentialResult?
    private var execInFlight: Task<Result<ExecCredentialResult, KubeConfigError>, Never>?
    /// How many times the exec plugin has been started (for tests and metrics).
    public private(set) var execRuns = 0

    /// - Parameters:
    ///   - clientCertificate: a TLS client certificate that accompanies the
    ///     source (e.g. `ResolvedConfig.clientCertificate` next to a token).
    ///   - environment: the base environment for exec plugins (and their `PATH` lookup).
    public init(
        _ source: ClientCredentialSource, clientCertificate: ClientCertificate? = nil,
        environment: [String: String] = processEnvironment(), clock: @escaping Clock = CredentialProvider.systemClock
    ) {
        self.source = source
        if let clientCertificate {
            self.staticCertificate = clientCertificate
        } else if case .clientCertificate(let c, let k) = source {
            self.staticCertificate = ClientCertificate(certPEM: c, keyPEM: k)
        } else {
            self.staticCertificate = nil
        }
        self.environment = environment
        self.clock = clock
    }

    public init(
        config: ResolvedConfig, environment: [String: String] = processEnvironment(),
        clock: @escaping Clock = CredentialProvider.systemClock
    ) {
        self.init(config.credentials, clientCertificate: config.clientCertificate, environment: environment, clock: clock)
    }

    /// Request headers to add (at most an `Authorization` header).
    public func headers() async throws(KubeConfigError) -> [(String, String)] {
        switch source {
        case .none, .clientCertificate:
            return []
        case .token(let token):
            return [("Authorization", "Bearer \(token)")]
        case .basic(let username, let password):
            return [("Authorization", "Basic \(ConfigBase64.encode(Array("\(username):\(password)".utf8)))")]
        case .tokenFile(let path):
            return [("Authorization", "Bearer \(try tokenFromFile(path))")]
        case .exec(let config):
            let result = try await execCredential(config)
            if let token = result.token { return [("Authorization", "Bearer \(token)")] }
            return []
        }
    }

    /// The TLS client certificate to present, if any (running the exec plugin if needed).
    public func clientCertificate() async throws(KubeConfigError) -> (cert: [UInt8], key: [UInt8])? {
        if case .exec(let config) = source, let c = try await execCredential(config).clientCertificate {
            return (c.certPEM, c.keyPEM)
        }
        return staticCertificate.map { ($0.certPEM, $0.keyPEM) }
    }

    /// Forget cached exec credentials and force a token-file re-read. Call after a 401.
    public func invalidate() {
        execCached = nil
        fileReadAt = -Double.infinity
        fileStamp = nil
    }

    // MARK: - Token file

    private func tokenFromFile(_ path: String) throws(KubeConfigError) -> String {
        let now = clock()
        let stamp = ConfigFiles.stamp(path)
        if let cached = fileToken, stamp != nil, stamp == fileStamp, now - fileReadAt < Self.tokenFileRefreshInterval {
            return cached
        }
        let failure: KubeConfigError
        switch ConfigFiles.readFile(path) {
        case .success(let bytes):
            let token = String(decoding: bytes, as: UTF8.self).trimmedForConfig
            if !token.isEmpty {
                fileToken = token
                fileStamp = stamp
                fileReadAt = now
                return token
            }
            failure = KubeConfigError(file: path, message: "token file is empty")
        case .failure(let e):
            failure = KubeConfigError(file: path, message: "unable to read token file: \(e.message)")
        }
        // Like client-go's cachedFileTokenSource: keep serving the last good token.
        if let cached = fileToken { return cached }
        throw failure
    }

    // MARK: - Exec

    private func execCredential(_ config: ExecConfig) async throws(KubeConfigError) -> ExecCredentialResult {
        if let cached = execCached, cached.expiration.map({ clock() < $0 }) ?? true {
            return cached
        }
        let task: Task<Result<ExecCredentialResult, KubeConfigError>, Never>
        if let inFlight = execInFlight {
            task = inFlight
        } else {
            execRuns += 1
            let environment = self.environment
            task = Task {
                do throws(KubeConfigError) {
                    return .success(try await ExecPlugin.run(config, environment: environment))
                } catch {
                    return .failure(error)
                }
            }
            execInFlight = task
        }
        let result = await task.value
        if execInFlight == task { execInFlight = nil }
        switch result {
        case .success(let credential):
            execCached = credential
            return credential
        case .failure(let error):
            throw error
        }
    }
}
