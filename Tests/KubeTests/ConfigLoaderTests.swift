import Foundation
import Testing

@testable import Kube

/// Fixture paths, relative to this file (no manifest resources needed).
enum ConfigFixtures {
    static let directory: String = {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        return here.appendingPathComponent("Fixtures/kubeconfig").path
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static let caPEM = Array("-----BEGIN CERTIFICATE-----\nfixture-ca\n-----END CERTIFICATE-----\n".utf8)
    static let clientCertPEM = Array("-----BEGIN CERTIFICATE-----\nfixture-client\n-----END CERTIFICATE-----\n".utf8)
    static let clientKeyPEM = Array("-----BEGIN PRIVATE KEY-----\nfixture-key\n-----END PRIVATE KEY-----\n".utf8)

    /// A fresh temporary directory, removed by the caller with `remove`.
    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kubecfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    static func write(_ text: String, to path: String, executable: Bool = false) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        if executable {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The error `body` throws (failing the test if it does not throw one).
    static func error(_ body: () throws(KubeConfigError) -> ResolvedConfig) -> KubeConfigError? {
        do {
            let config = try body()
            Issue.record("expected an error, got \(config)")
            return nil
        } catch {
            return error
        }
    }
}

@Suite("Kubeconfig loading")
struct ConfigLoaderTests {
    let env = ["HOME": "/nonexistent-home"]

    @Test func singleFileCurrentContext() throws {
        let path = ConfigFixtures.path("single.yaml")
        let config = try KubeConfigLoader.load(path: path, environment: env)
        #expect(config.contextName == "dev")
        #expect(config.source == path)
        #expect(config.namespace == "team-a")
        #expect(config.endpoint.server == "https://dev.example.com:6443")
        #expect(config.endpoint.caPEM == ConfigFixtures.caPEM)
        #expect(config.endpoint.caFile == nil)
        #expect(config.endpoint.insecureSkipVerify == false)
        #expect(config.endpoint.serverName == nil)
        #expect(config.endpoint.proxyURL == nil)
        #expect(config.credentials == .token("dev-token-123"))
        #expect(config.clientCertificate == nil)
    }

    @Test func chosenContextOverridesCurrent() throws {
        let config = try KubeConfigLoader.load(path: ConfigFixtures.path("single.yaml"), context: "prod", environment: env)
        #expect(config.contextName == "prod")
        #expect(config.namespace == "default")
        #expect(config.endpoint.server == "https://prod.example.com")
        #expect(config.endpoint.insecureSkipVerify)
        #expect(config.endpoint.serverName == "api.prod.internal")
        #expect(config.endpoint.proxyURL == "http://proxy.example.com:3128")
        #expect(config.credentials == .basic(username: "admin", password: "secret"))
    }

    @Test func kubeconfigEnvironmentVariableIsUsed() throws {
        let path = ConfigFixtures.path("single.yaml")
        let config = try KubeConfigLoader.load(environment: ["KUBECONFIG": path, "HOME": "/nonexistent-home"])
        #expect(config.source == path)
        #expect(config.contextName == "dev")
    }

    @Test func explicitPathBeatsKubeconfigVariable() throws {
        let config = try KubeConfigLoader.load(
            path: ConfigFixtures.path("single.yaml"),
            environment: ["KUBECONFIG": ConfigFixtures.path("merge/first.yaml")])
        #expect(config.contextName == "dev")
    }

    @Test func defaultPathUnderHome() throws {
        let home = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(home) }
        try FileManager.default.createDirectory(atPath: home + "/.kube", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ConfigFixtures.path("single.yaml"), toPath: home + "/.kube/config")
        let config = try KubeConfigLoader.load(environment: ["HOME": home])
        #expect(config.source == home + "/.kube/config")
        #expect(config.credentials == .token("dev-token-123"))
        #expect(KubeConfigLoader.kubeconfigPaths(environment: ["HOME": home]) == [home + "/.kube/config"])
    }

    @Test func mergedFilesFirstWins() throws {
        let first = ConfigFixtures.path("merge/first.yaml")
        let second = ConfigFixtures.path("merge/second.yaml")
        let missing = ConfigFixtures.path("merge/does-not-exist.yaml")
        let env = ["KUBECONFIG": "\(first):\(missing)::\(second):\(first)"]
        #expect(KubeConfigLoader.kubeconfigPaths(environment: env) == [first, missing, second])

        // current-context from the first file; "shared" cluster and user from the first file.
        let current = try KubeConfigLoader.load(environment: env)
        #expect(current.source == "\(first):\(second)")
        #expect(current.contextName == "first-ctx")
        #expect(current.endpoint.server == "https://first.example.com")
        #expect(current.credentials == .token("first-token"))
        #expect(current.namespace == "from-first")

        // A context defined only in the second file, pointing at a cluster only there.
        let second2 = try KubeConfigLoader.load(context: "second-ctx", environment: env)
        #expect(second2.endpoint.server == "https://only-second.example.com")
        #expect(second2.credentials == .token("first-token"))  // user "shared-user": first file wins

        // A context in both: the first file's entry is used whole.
        let both = try KubeConfigLoader.load(context: "both-ctx", environment: env)
        #expect(both.namespace == "both-from-first")
        #expect(both.endpoint.server == "https://first.example.com")

        // Reversed order: the second file's values win.
        let reversed = try KubeConfigLoader.load(environment: ["KUBECONFIG": "\(second):\(first)"])
        #expect(reversed.contextName == "second-ctx")
        let reversedBoth = try KubeConfigLoader.load(context: "both-ctx", environment: ["KUBECONFIG": "\(second):\(first)"])
        #expect(reversedBoth.namespace == "both-from-second")
        #expect(reversedBoth.credentials == .token("second-user-token"))
    }

    @Test func everyAuthKind() throws {
        let path = ConfigFixtures.path("auth-kinds.yaml")
        func load(_ context: String) throws -> ResolvedConfig {
            try KubeConfigLoader.load(path: path, context: context, environment: env)
        }
        #expect(try load("none").credentials == .none)
        #expect(try load("token").credentials == .token("static-token"))
        #expect(try load("basic").credentials == .basic(username: "alice", password: "p@ss:word"))

        let certOnly = try load("cert-data")
        #expect(certOnly.credentials == .clientCertificate(certPEM: ConfigFixtures.clientCertPEM, keyPEM: ConfigFixtures.clientKeyPEM))
        #expect(certOnly.clientCertificate == ClientCertificate(certPEM: ConfigFixtures.clientCertPEM, keyPEM: ConfigFixtures.clientKeyPEM))

        let tokenAndCert = try load("token-and-cert")
        #expect(tokenAndCert.credentials == .token("token-with-cert"))
        #expect(tokenAndCert.clientCertificate?.certPEM == ConfigFixtures.clientCertPEM)

        let v1 = try load("exec-v1")
        guard case .exec(let exec) = v1.credentials else {
            Issue.record("expected exec, got \(v1.credentials)")
            return
        }
        #expect(exec.command == "kubelogin")
        #expect(exec.args == ["get-token", "--server-id", "6dae42f8"])
        #expect(exec.env.map(\.name) == ["AAD_LOGIN_METHOD"])
        #expect(exec.env.map(\.value) == ["workloadidentity"])
        #expect(exec.apiVersion == "client.authentication.k8s.io/v1")
        #expect(exec.installHint == "install kubelogin from your package manager")
        #expect(exec.provideClusterInfo)
        #expect(exec.interactiveMode == .never)
        #expect(exec.cluster?.server == "https://c.example.com")
        #expect(exec.cluster?.caPEM == ConfigFixtures.caPEM)
        #expect(exec.clusterConfigJSON == #"{"audience":"vigil","retries":3}"#)

        let beta = try load("exec-v1beta1")
        guard case .exec(let betaExec) = beta.credentials else {
            Issue.record("expected exec, got \(beta.credentials)")
            return
        }
        #expect(betaExec.command == "aws")
        #expect(betaExec.apiVersion == "client.authentication.k8s.io/v1beta1")
        #expect(betaExec.interactiveMode == .ifAvailable)  // defaulted for v1beta1
        #expect(betaExec.provideClusterInfo == false)
        #expect(betaExec.cluster == nil)
    }

    @Test func relativePathsResolveAgainstTheKubeconfigDirectory() throws {
        let dir = ConfigFixtures.path("relative")
        let path = dir + "/config"
        let files = try KubeConfigLoader.load(path: path, environment: env)
        #expect(files.namespace == "files-ns")
        #expect(files.endpoint.caFile == dir + "/certs/ca.crt")
        #expect(files.endpoint.caPEM == nil)
        #expect(files.credentials == .clientCertificate(certPEM: ConfigFixtures.clientCertPEM, keyPEM: ConfigFixtures.clientKeyPEM))

        let token = try KubeConfigLoader.load(path: path, context: "token-file", environment: env)
        #expect(token.credentials == .tokenFile(dir + "/certs/token"))

        let exec = try KubeConfigLoader.load(path: path, context: "exec-relative", environment: env)
        guard case .exec(let e) = exec.credentials else {
            Issue.record("expected exec")
            return
        }
        #expect(e.command == dir + "/bin/plugin.sh")  // has a separator → resolved
        #expect(e.interactiveMode == .ifAvailable)
    }

    @Test func relativeKubeconfigPathStillGivesAbsoluteReferences() throws {
        let cwd = FileManager.default.currentDirectoryPath
        let dir = ConfigFixtures.path("relative")
        // A path relative to the working directory.
        var relative = dir
        if dir.hasPrefix(cwd + "/") { relative = String(dir.dropFirst(cwd.count + 1)) }
        let config = try KubeConfigLoader.load(path: relative + "/config", environment: env)
        #expect(config.endpoint.caFile == dir + "/certs/ca.crt")
    }

    @Test func bareServerGetsSchemeLikeClientGo() throws {
        let withTLS = try KubeConfigLoader.load(
            yaml: """
                current-context: x
                clusters: [{name: c, cluster: {server: "10.0.0.1:6443", insecure-skip-tls-verify: true}}]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                users: [{name: u, user: {}}]
                """, path: "/virtual/config")
        #expect(withTLS.endpoint.server == "https://10.0.0.1:6443")
        let plain = try KubeConfigLoader.load(
            yaml: """
                current-context: x
                clusters: [{name: c, cluster: {server: "localhost:8080"}}]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                users: [{name: u, user: {}}]
                """, path: "/virtual/config")
        #expect(plain.endpoint.server == "http://localhost:8080")
    }

    // MARK: - Errors (exact text)

    @Test func errorContextPointsAtMissingCluster() {
        let path = ConfigFixtures.path("errors/missing-cluster.yaml")
        let error = ConfigFixtures.error { () throws(KubeConfigError) in try KubeConfigLoader.load(path: path, environment: env) }
        #expect(error?.description == "\(path): context \"dev\": cluster \"missing\" not found")
        #expect(error?.file == path)
        #expect(error?.field == "context \"dev\"")
        #expect(error?.message == "cluster \"missing\" not found")
    }

    @Test func errorIllegalBase64() {
        let path = ConfigFixtures.path("errors/bad-base64.yaml")
        let error = ConfigFixtures.error { () throws(KubeConfigError) in try KubeConfigLoader.load(path: path, environment: env) }
        #expect(error?.description == "\(path): users[0].user.client-certificate-data: illegal base64 data at input byte 4")
    }

    @Test func errorMissingServer() {
        let path = ConfigFixtures.path("errors/missing-server.yaml")
        let error = ConfigFixtures.error { () throws(KubeConfigError) in try KubeConfigLoader.load(path: path, environment: env) }
        #expect(error?.description == "\(path): clusters[1].cluster.server: missing")
    }

    @Test func errorYAMLSyntaxHasLineNumber() {
        let path = ConfigFixtures.path("errors/syntax.yaml")
        let error = ConfigFixtures.error { () throws(KubeConfigError) in try KubeConfigLoader.load(path: path, environment: env) }
        #expect(error?.file == path)
        #expect(error?.message.hasPrefix("yaml: line 7, column ") == true)
        #expect(error?.description == "\(path): yaml: line 7, column 4: did not find expected key (while parsing a block mapping at line 4, column 3)")
    }

    @Test func errorMissingContext() {
        let path = ConfigFixtures.path("single.yaml")
        let error = ConfigFixtures.error { () throws(KubeConfigError) in
            try KubeConfigLoader.load(path: path, context: "staging", environment: env)
        }
        #expect(error?.description == "\(path): context \"staging\" not found")
    }

    @Test func errorMissingFiles() {
        let explicit = "/nonexistent/dir/config"
        let e1 = ConfigFixtures.error { () throws(KubeConfigError) in try KubeConfigLoader.load(path: explicit, environment: env) }
        #expect(e1?.description == "/nonexistent/dir/config: no such file or directory")

        let e2 = ConfigFixtures.error { () throws(KubeConfigError) in
            try KubeConfigLoader.load(environment: ["KUBECONFIG": "/nonexistent/a:/nonexistent/b"])
        }
        #expect(e2?.description == "/nonexistent/a:/nonexistent/b: none of the kubeconfig files in KUBECONFIG exist")

        let e3 = ConfigFixtures.error { () throws(KubeConfigError) in try KubeConfigLoader.load(environment: env) }
        #expect(e3?.description == "/nonexistent-home/.kube/config: no such file or directory")
    }

    private func inlineError(_ users: String, cluster: String = "{server: https://x.example.com}") -> String? {
        ConfigFixtures.error { () throws(KubeConfigError) in
            try KubeConfigLoader.load(
                yaml: """
                    current-context: x
                    clusters: [{name: c, cluster: \(cluster)}]
                    contexts: [{name: x, context: {cluster: c, user: u}}]
                    users:
                    \(users)
                    """, path: "/virtual/config")
        }?.description
    }

    @Test func errorInvalidUsers() {
        #expect(inlineError("- {name: other, user: {}}") == "/virtual/config: context \"x\": user \"u\" not found")
        #expect(
            inlineError("- {name: u, user: {token: t, username: a, password: b}}")
                == "/virtual/config: users[0].user: more than one authentication method found (token, basicAuth); only one is allowed")
        #expect(
            inlineError("- {name: u, user: {client-certificate-data: TFMwdA==}}")
                == "/virtual/config: users[0].user: client-key or client-key-data must be set to use a client certificate")
        #expect(
            inlineError("- {name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: x}}}")
                == "/virtual/config: users[0].user.exec.interactiveMode: missing (required for client.authentication.k8s.io/v1)")
        #expect(
            inlineError("- {name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}}")
                == "/virtual/config: users[0].user.exec.apiVersion: unsupported \"client.authentication.k8s.io/v1alpha1\" (want client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1)")
        #expect(
            inlineError("- {name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1}}}")
                == "/virtual/config: users[0].user.exec.command: missing")
        #expect(
            inlineError("- {name: u, user: {tokenFile: no-such-token}}")
                == "/virtual/config: users[0].user.tokenFile: unable to read /virtual/no-such-token: no such file or directory")
        #expect(
            inlineError("- {name: u, user: {}}\n- {name: u, user: {}}")
                == "/virtual/config: users[1].name: duplicate name \"u\"")
        #expect(
            inlineError("- {name: u, user: {}}", cluster: "{server: https://x, certificate-authority: ca.pem}")
                == "/virtual/config: clusters[0].cluster.certificate-authority: unable to read /virtual/ca.pem: no such file or directory")
        #expect(
            inlineError("- {name: u, user: {}}", cluster: "{server: https://x, insecure-skip-tls-verify: maybe}")
                == "/virtual/config: clusters[0].cluster.insecure-skip-tls-verify: expected true or false (line 2)")
    }

    @Test func errorNoCurrentContext() {
        let error = ConfigFixtures.error { () throws(KubeConfigError) in
            try KubeConfigLoader.load(yaml: "clusters: []\n", path: "/virtual/config")
        }
        #expect(error?.description == "/virtual/config: current-context is not set and no context was chosen")
    }
}

@Suite("In-cluster configuration")
struct ConfigInClusterTests {
    @Test func readsServiceAccountDirectory() throws {
        let root = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(root) }
        try ConfigFixtures.write("sa-token\n", to: root + "/token")
        try ConfigFixtures.write("-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n", to: root + "/ca.crt")
        try ConfigFixtures.write("vigil-system\n", to: root + "/namespace")
        let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let config = try KubeConfigLoader.inCluster(root: root, environment: env)
        #expect(config.source == "in-cluster")
        #expect(config.contextName == nil)
        #expect(config.endpoint.server == "https://10.96.0.1:443")
        #expect(config.endpoint.caFile == root + "/ca.crt")
        #expect(config.credentials == .tokenFile(root + "/token"))
        #expect(config.namespace == "vigil-system")

        var withPodNamespace = env
        withPodNamespace["POD_NAMESPACE"] = "from-env"
        #expect(try KubeConfigLoader.inCluster(root: root, environment: withPodNamespace).namespace == "from-env")

        let v6 = try KubeConfigLoader.inCluster(
            root: root, environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"])
        #expect(v6.endpoint.server == "https://[fd00::1]:6443")

        // automatic() falls back to in-cluster when no kubeconfig exists.
        var auto = env
        auto["HOME"] = "/nonexistent-home"
        #expect(try KubeConfigLoader.automatic(serviceAccountRoot: root, environment: auto).source == "in-cluster")
    }

    @Test func namespaceDefaultsAndMissingCA() throws {
        let root = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(root) }
        try ConfigFixtures.write("sa-token", to: root + "/token")
        let config = try KubeConfigLoader.inCluster(
            root: root, environment: ["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"])
        #expect(config.namespace == "default")
        #expect(config.endpoint.caFile == nil)
    }

    @Test func errors() throws {
        let root = try ConfigFixtures.temporaryDirectory()
        defer { ConfigFixtures.remove(root) }
        let noEnv = ConfigFixtures.error { () throws(KubeConfigError) in try KubeConfigLoader.inCluster(root: root, environment: [:]) }
        #expect(
            noEnv?.description
                == "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined")
        let noToken = ConfigFixtures.error { () throws(KubeConfigError) in
            try KubeConfigLoader.inCluster(root: root, environment: ["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"])
        }
        #expect(noToken?.description == "\(root)/token: unable to read service account token: no such file or directory")
    }
}
