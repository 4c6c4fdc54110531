/// Finds and resolves cluster configuration the way kubectl / client-go do.
public enum KubeConfigLoader {
    public static let defaultServiceAccountRoot = "/var/run/secrets/kubernetes.io/serviceaccount"
    public static let execAPIVersionV1 = "client.authentication.k8s.io/v1"
    public static let execAPIVersionV1beta1 = "client.authentication.k8s.io/v1beta1"

    /// The kubeconfig files that would be read, in precedence order: `path`
    /// alone if given, else the non-empty entries of `KUBECONFIG` (`:`-separated,
    /// duplicates dropped), else `$HOME/.kube/config`.
    public static func kubeconfigPaths(path: String? = nil, environment: [String: String] = processEnvironment()) -> [String] {
        if let path, !path.isEmpty { return [path] }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var seen = Set<String>()
            return list.split(separator: ":").map(String.init).filter { !$0.isEmpty && seen.insert($0).inserted }
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/root"
        return [ConfigFiles.join(home, ".kube/config")]
    }

    /// Loads kubeconfig: `path` (must exist) or the `KUBECONFIG` list (missing
    /// files skipped, merged first-wins) or `~/.kube/config`; then resolves
    /// `context` (or `current-context`) into an endpoint and credentials.
    public static func load(
        path: String? = nil, context: String? = nil, environment: [String: String] = processEnvironment()
    ) throws(KubeConfigError) -> ResolvedConfig {
        let paths = kubeconfigPaths(path: path, environment: environment)
        let explicit = (path?.isEmpty == false)
        var files: [KubeConfigFile] = []
        for p in paths {
            if !explicit && paths.count > 1 && !ConfigFiles.exists(p) { continue }
            files.append(try KubeConfigFile.load(path: p))
        }
        if files.isEmpty {
            throw KubeConfigError(
                file: paths.joined(separator: ":"), message: "none of the kubeconfig files in KUBECONFIG exist")
        }
        return try resolve(merge(files), context: context)
    }

    /// Resolves kubeconfig text (for callers that hold the content, and tests).
    /// `path` names it in errors and anchors relative file references.
    public static func load(
        yaml: String, path: String, context: String? = nil
    ) throws(KubeConfigError) -> ResolvedConfig {
        try resolve(merge([KubeConfigFile.parse(yaml, path: path)]), context: context)
    }

    /// Like client-go's deferred loading: kubeconfig when one can be found
    /// (explicit `path`, `KUBECONFIG` or `~/.kube/config`), otherwise the
    /// in-cluster service account when `KUBERNETES_SERVICE_HOST` is set.
    public static func automatic(
        path: String? = nil, context: String? = nil, serviceAccountRoot: String = defaultServiceAccountRoot,
        environment: [String: String] = processEnvironment()
    ) throws(KubeConfigError) -> ResolvedConfig {
        let explicit = (path?.isEmpty == false) || context != nil
        let anyKubeconfig = kubeconfigPaths(path: path, environment: environment).contains(where: ConfigFiles.exists)
        if !explicit && !anyKubeconfig && environment["KUBERNETES_SERVICE_HOST"]?.isEmpty == false {
            return try inCluster(root: serviceAccountRoot, environment: environment)
        }
        return try load(path: path, context: context, environment: environment)
    }

    /// The pod's service account, as client-go's `rest.InClusterConfig`.
    /// Credentials are `.tokenFile(root/token)` so a rotated token is picked up.
    /// Namespace: `POD_NAMESPACE`, else `root/namespace`, else "default".
    public static func inCluster(
        root: String = defaultServiceAccountRoot, environment: [String: String] = processEnvironment()
    ) throws(KubeConfigError) -> ResolvedConfig {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubeConfigError(
                message:
                    "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"
            )
        }
        let tokenPath = ConfigFiles.join(root, "token")
        switch ConfigFiles.readFile(tokenPath) {
        case .success(let bytes):
            if String(decoding: bytes, as: UTF8.self).trimmedForConfig.isEmpty {
                throw KubeConfigError(file: tokenPath, message: "service account token is empty")
            }
        case .failure(let e):
            throw KubeConfigError(file: tokenPath, message: "unable to read service account token: \(e.message)")
        }
        let caPath = ConfigFiles.join(root, "ca.crt")
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        var namespace = environment["POD_NAMESPACE"] ?? ""
        if namespace.isEmpty, case .success(let bytes) = ConfigFiles.readFile(ConfigFiles.join(root, "namespace")) {
            namespace = String(decoding: bytes, as: UTF8.self).trimmedForConfig
        }
        return ResolvedConfig(
            endpoint: ClusterEndpoint(
                server: "https://\(hostPart):\(port)", caFile: ConfigFiles.exists(caPath) ? caPath : nil),
            credentials: .tokenFile(tokenPath),
            namespace: namespace.isEmpty ? "default" : namespace,
            contextName: nil,
            source: "in-cluster")
    }

    // MARK: - Merging

    /// client-go's merge: for map entries and for `current-context` the first
    /// file that sets a value wins.
    static func merge(_ files: [KubeConfigFile]) -> Merged {
        var m = Merged(sources: files.map(\.path))
        for f in files {
            if m.currentContext == nil, let c = f.currentContext {
                m.currentContext = c
                m.currentContextFile = f.path
            }
            m.clusters.merge(f.clusters) { first, _ in first }
            m.users.merge(f.users) { first, _ in first }
            m.contexts.merge(f.contexts) { first, _ in first }
        }
        return m
    }

    struct Merged {
        var sources: [String]
        var currentContext: String?
        var currentContextFile: String?
        var clusters: [String: KubeConfigFile.Entry<KubeConfigFile.Cluster>] = [:]
        var users: [String: KubeConfigFile.Entry<KubeConfigFile.User>] = [:]
        var contexts: [String: KubeConfigFile.Entry<KubeConfigFile.Context>] = [:]
        var source: String { sources.joined(separator: ":") }
    }

    // MARK: - Resolution

    static func resolve(_ m: Merged, context chosen: String?) throws(KubeConfigError) -> ResolvedConfig {
        let contextName: String
        if let chosen, !chosen.isEmpty {
            contextName = chosen
        } else if let current = m.currentContext {
            contextName = current
        } else {
            throw KubeConfigError(file: m.source, message: "current-context is not set and no context was chosen")
        }
        guard let ctx = m.contexts[contextName] else {
            let file = (chosen?.isEmpty == false) ? m.source : (m.currentContextFile ?? m.source)
            throw KubeConfigError(file: file, message: "context \"\(contextName)\" not found")
        }
        let ctxLabel = "context \"\(contextName)\""
        guard let clusterName = ctx.value.cluster else {
            throw KubeConfigError(file: ctx.file, field: ctxLabel, message: "cluster is not set")
        }
        guard let cluster = m.clusters[clusterName] else {
            throw KubeConfigError(file: ctx.file, field: ctxLabel, message: "cluster \"\(clusterName)\" not found")
        }
        guard let userName = ctx.value.user else {
            throw KubeConfigError(file: ctx.file, field: ctxLabel, message: "user is not set")
        }
        guard let user = m.users[userName] else {
            throw KubeConfigError(file: ctx.file, field: ctxLabel, message: "user \"\(userName)\" not found")
        }

        let endpoint = try resolveCluster(cluster, userHasCert: user.value.clientCertificate != nil || user.value.clientCertificateData != nil)
        let (credentials, cert) = try resolveUser(user, endpoint: endpoint, clusterEntry: cluster)
        return ResolvedConfig(
            endpoint: endpoint, credentials: credentials, clientCertificate: cert,
            namespace: ctx.value.namespace ?? "default", contextName: contextName, source: m.source)
    }

    static func resolveCluster(
        _ entry: KubeConfigFile.Entry<KubeConfigFile.Cluster>, userHasCert: Bool
    ) throws(KubeConfigError) -> ClusterEndpoint {
        let c = entry.value
        let f = "clusters[\(entry.index)].cluster"
        func fail(_ field: String, _ message: String) -> KubeConfigError {
            KubeConfigError(file: entry.file, field: "\(f).\(field)", message: message)
        }
        guard var server = c.server else { throw fail("server", "missing") }
        var caFile: String? = nil
        if c.certificateAuthorityData == nil, let ca = c.certificateAuthority {
            if case .failure(let e) = ConfigFiles.readFile(ca) {
                throw fail("certificate-authority", "unable to read \(ca): \(e.message)")
            }
            caFile = ConfigFiles.absolute(ca)
        }
        let hasCA = c.certificateAuthorityData != nil || caFile != nil
        if c.insecureSkipTLSVerify && hasCA {
            throw fail(
                "insecure-skip-tls-verify",
                "specifying a root certificates file with the insecure flag is not allowed")
        }
        // rest.DefaultServerURL: a bare host gets https when TLS is configured, else http.
        if !server.contains("://") {
            let tls = hasCA || c.insecureSkipTLSVerify || userHasCert
            server = (tls ? "https://" : "http://") + server
        }
        guard server.hasPrefix("https://") || server.hasPrefix("http://") else {
            throw fail("server", "unsupported scheme in \"\(server)\" (want https or http)")
        }
        guard server.split(separator: "/", omittingEmptySubsequences: false).count >= 3,
            !server.split(separator: "/", omittingEmptySubsequences: false)[2].isEmpty
        else {
            throw fail("server", "no host in \"\(server)\"")
        }
        return ClusterEndpoint(
            server: server, caPEM: c.certificateAuthorityData, caFile: caFile,
            insecureSkipVerify: c.insecureSkipTLSVerify, serverName: c.tlsServerName, proxyURL: c.proxyURL)
    }

    static func resolveUser(
        _ entry: KubeConfigFile.Entry<KubeConfigFile.User>, endpoint: ClusterEndpoint,
        clusterEntry: KubeConfigFile.Entry<KubeConfigFile.Cluster>
    ) throws(KubeConfigError) -> (ClientCredentialSource, ClientCertificate?) {
        let u = entry.value
        let f = "users[\(entry.index)].user"
        func fail(_ field: String?, _ message: String) -> KubeConfigError {
            KubeConfigError(file: entry.file, field: field.map { "\(f).\($0)" } ?? f, message: message)
        }
        func readFile(_ path: String, _ field: String) throws(KubeConfigError) -> [UInt8] {
            switch ConfigFiles.readFile(path) {
            case .success(let b): return b
            case .failure(let e): throw fail(field, "unable to read \(path): \(e.message)")
            }
        }

        if u.hasAuthProvider {
            throw fail("auth-provider", "auth-provider plugins are not supported; use an exec credential plugin")
        }
        var methods: [String] = []
        if u.token != nil || u.tokenFile != nil { methods.append("token") }
        if u.username != nil || u.password != nil { methods.append("basicAuth") }
        if methods.count > 1 {
            throw fail(nil, "more than one authentication method found (\(methods.joined(separator: ", "))); only one is allowed")
        }

        // Client certificate.
        var cert: ClientCertificate? = nil
        if u.clientCertificate != nil && u.clientCertificateData != nil {
            throw fail("client-certificate", "client-certificate and client-certificate-data are both set")
        }
        if u.clientKey != nil && u.clientKeyData != nil {
            throw fail("client-key", "client-key and client-key-data are both set")
        }
        let hasCert = u.clientCertificate != nil || u.clientCertificateData != nil
        let hasKey = u.clientKey != nil || u.clientKeyData != nil
        if hasCert && !hasKey {
            throw fail(nil, "client-key or client-key-data must be set to use a client certificate")
        }
        if hasKey && !hasCert {
            throw fail(nil, "client-certificate or client-certificate-data must be set to use a client key")
        }
        if hasCert {
            var certPEM = u.clientCertificateData ?? []
            if let path = u.clientCertificate { certPEM = try readFile(path, "client-certificate") }
            var keyPEM = u.clientKeyData ?? []
            if let path = u.clientKey { keyPEM = try readFile(path, "client-key") }
            cert = ClientCertificate(certPEM: certPEM, keyPEM: keyPEM)
        }

        // Exec plugin settings are validated even when a static method wins.
        var execConfig: ExecConfig? = nil
        if let e = u.exec {
            let ef = "exec"
            guard let command = e.command else { throw fail("\(ef).command", "missing") }
            guard let apiVersion = e.apiVersion else { throw fail("\(ef).apiVersion", "missing") }
            guard apiVersion == execAPIVersionV1 || apiVersion == execAPIVersionV1beta1 else {
                throw fail(
                    "\(ef).apiVersion",
                    "unsupported \"\(apiVersion)\" (want \(execAPIVersionV1) or \(execAPIVersionV1beta1))")
            }
            let mode: ExecConfig.InteractiveMode
            if let raw = e.interactiveMode {
                guard let m = ExecConfig.InteractiveMode(rawValue: raw) else {
                    throw fail("\(ef).interactiveMode", "invalid \"\(raw)\" (want Never, IfAvailable or Always)")
                }
                mode = m
            } else if apiVersion == execAPIVersionV1beta1 {
                mode = .ifAvailable
            } else {
                throw fail("\(ef).interactiveMode", "missing (required for \(execAPIVersionV1))")
            }
            var cluster: ClusterEndpoint? = nil
            if e.provideClusterInfo {
                var c = endpoint
                if c.caPEM == nil, let caFile = c.caFile, case .success(let bytes) = ConfigFiles.readFile(caFile) {
                    c.caPEM = bytes
                }
                cluster = c
            }
            execConfig = ExecConfig(
                command: command, args: e.args, env: e.env, apiVersion: apiVersion, installHint: e.installHint,
                provideClusterInfo: e.provideClusterInfo, interactiveMode: mode, cluster: cluster,
                clusterConfigJSON: e.provideClusterInfo ? clusterEntry.value.execExtensionJSON : nil)
        }

        let credentials: ClientCredentialSource
        if let tokenFile = u.tokenFile {
            // client-go reads it now (and fails if it cannot), then keeps re-reading it.
            _ = try readFile(tokenFile, "tokenFile")
            credentials = .tokenFile(ConfigFiles.absolute(tokenFile))
        } else if let token = u.token {
            credentials = .token(token)
        } else if u.username != nil || u.password != nil {
            credentials = .basic(username: u.username ?? "", password: u.password ?? "")
        } else if let execConfig {
            credentials = .exec(execConfig)
        } else if let cert {
            credentials = .clientCertificate(certPEM: cert.certPEM, keyPEM: cert.keyPEM)
        } else {
            credentials = .none
        }
        return (credentials, cert)
    }
}
