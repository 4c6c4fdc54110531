/// Where the API server is and how to verify it.
public struct ClusterEndpoint: Sendable, Equatable {
    /// Base URL of the API server, e.g. `https://10.0.0.1:6443`.
    public var server: String
    /// PEM bundle of trusted CAs (from `certificate-authority-data`).
    public var caPEM: [UInt8]?
    /// Absolute path of a PEM CA bundle (from `certificate-authority`, or the
    /// service-account `ca.crt`). `caPEM` wins when both are set.
    public var caFile: String?
    public var insecureSkipVerify: Bool
    /// SNI / verification name override (`tls-server-name`).
    public var serverName: String?
    /// `proxy-url` (http, https or socks5).
    public var proxyURL: String?

    public init(
        server: String, caPEM: [UInt8]? = nil, caFile: String? = nil, insecureSkipVerify: Bool = false,
        serverName: String? = nil, proxyURL: String? = nil
    ) {
        self.server = server
        self.caPEM = caPEM
        self.caFile = caFile
        self.insecureSkipVerify = insecureSkipVerify
        self.serverName = serverName
        self.proxyURL = proxyURL
    }
}

/// A PEM client certificate and its private key.
public struct ClientCertificate: Sendable, Equatable {
    public var certPEM: [UInt8]
    public var keyPEM: [UInt8]
    public init(certPEM: [UInt8], keyPEM: [UInt8]) {
        self.certPEM = certPEM
        self.keyPEM = keyPEM
    }
}

/// Settings of a client-go credential plugin (`users[].user.exec`).
public struct ExecConfig: Sendable, Equatable {
    public enum InteractiveMode: String, Sendable, Equatable {
        case never = "Never"
        case ifAvailable = "IfAvailable"
        case always = "Always"
    }

    /// Absolute path, or a bare name looked up on `PATH`.
    public var command: String
    public var args: [String]
    /// Extra environment for the plugin, in order (`name`, `value`).
    public var env: [(name: String, value: String)]
    /// `client.authentication.k8s.io/v1` or `client.authentication.k8s.io/v1beta1`.
    public var apiVersion: String
    public var installHint: String?
    public var provideClusterInfo: Bool
    public var interactiveMode: InteractiveMode
    /// The cluster as passed in `KUBERNETES_EXEC_INFO` when `provideClusterInfo` is set.
    public var cluster: ClusterEndpoint?
    /// JSON text of the cluster's `client.authentication.k8s.io/exec` extension, if any
    /// (sent as `spec.cluster.config`).
    public var clusterConfigJSON: String?

    public init(
        command: String, args: [String] = [], env: [(name: String, value: String)] = [],
        apiVersion: String = "client.authentication.k8s.io/v1", installHint: String? = nil,
        provideClusterInfo: Bool = false, interactiveMode: InteractiveMode = .never,
        cluster: ClusterEndpoint? = nil, clusterConfigJSON: String? = nil
    ) {
        self.command = command
        self.args = args
        self.env = env
        self.apiVersion = apiVersion
        self.installHint = installHint
        self.provideClusterInfo = provideClusterInfo
        self.interactiveMode = interactiveMode
        self.cluster = cluster
        self.clusterConfigJSON = clusterConfigJSON
    }

    public static func == (a: ExecConfig, b: ExecConfig) -> Bool {
        a.command == b.command && a.args == b.args && a.env.map(\.name) == b.env.map(\.name)
            && a.env.map(\.value) == b.env.map(\.value) && a.apiVersion == b.apiVersion
            && a.installHint == b.installHint && a.provideClusterInfo == b.provideClusterInfo
            && a.interactiveMode == b.interactiveMode && a.cluster == b.cluster
            && a.clusterConfigJSON == b.clusterConfigJSON
    }
}

/// How the client proves who it is.
public enum ClientCredentialSource: Sendable, Equatable {
    case none
    /// A static bearer token.
    case token(String)
    /// A bearer token read from a file that may be rotated (absolute path).
    case tokenFile(String)
    case basic(username: String, password: String)
    /// Only a TLS client certificate (no Authorization header).
    case clientCertificate(certPEM: [UInt8], keyPEM: [UInt8])
    case exec(ExecConfig)
}

/// The outcome of loading a kubeconfig or the in-cluster service account.
public struct ResolvedConfig: Sendable, Equatable {
    public var endpoint: ClusterEndpoint
    /// The Authorization-header source; `.clientCertificate` when the user has
    /// nothing but a client certificate.
    public var credentials: ClientCredentialSource
    /// A TLS client certificate to present, whatever `credentials` is. Set
    /// whenever the user has one (also when `credentials` is `.clientCertificate`).
    public var clientCertificate: ClientCertificate?
    public var namespace: String
    public var contextName: String?
    /// The kubeconfig path (several joined with `:` when merged), or `"in-cluster"`.
    public var source: String

    public init(
        endpoint: ClusterEndpoint, credentials: ClientCredentialSource, clientCertificate: ClientCertificate? = nil,
        namespace: String = "default", contextName: String? = nil, source: String
    ) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.clientCertificate = clientCertificate
        self.namespace = namespace
        self.contextName = contextName
        self.source = source
    }
}
