import VigilJSON
import VigilYAML
import Yams

/// One kubeconfig file, parsed but not yet validated for use. Relative file
/// references are already resolved against the file's directory.
struct KubeConfigFile: Sendable {
    struct Entry<Value: Sendable>: Sendable {
        var file: String
        /// Index in the file's list (`clusters[index]`).
        var index: Int
        var value: Value
    }

    struct Cluster: Sendable {
        var server: String?
        var certificateAuthority: String?
        var certificateAuthorityData: [UInt8]?
        var insecureSkipTLSVerify = false
        var tlsServerName: String?
        var proxyURL: String?
        /// JSON text of the `client.authentication.k8s.io/exec` extension.
        var execExtensionJSON: String?
    }

    struct Exec: Sendable {
        var command: String?
        var args: [String] = []
        var env: [(name: String, value: String)] = []
        var apiVersion: String?
        var installHint: String?
        var provideClusterInfo = false
        var interactiveMode: String?
    }

    struct User: Sendable {
        var clientCertificate: String?
        var clientCertificateData: [UInt8]?
        var clientKey: String?
        var clientKeyData: [UInt8]?
        var token: String?
        var tokenFile: String?
        var username: String?
        var password: String?
        var exec: Exec?
        var hasAuthProvider = false
    }

    struct Context: Sendable {
        var cluster: String?
        var user: String?
        var namespace: String?
    }

    var path: String
    var currentContext: String?
    var clusters: [String: Entry<Cluster>] = [:]
    var users: [String: Entry<User>] = [:]
    var contexts: [String: Entry<Context>] = [:]

    static func load(path: String) throws(KubeConfigError) -> KubeConfigFile {
        let bytes: [UInt8]
        switch ConfigFiles.readFile(path) {
        case .success(let b): bytes = b
        case .failure(let e): throw KubeConfigError(file: path, message: e.message)
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Parses kubeconfig text; `path` names the file in errors and anchors relative paths.
    static func parse(_ text: String, path: String) throws(KubeConfigError) -> KubeConfigFile {
        var file = KubeConfigFile(path: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw KubeConfigError(file: path, message: yamlMessage(error))
        } catch {
            throw KubeConfigError(file: path, message: "yaml: \(error)")
        }
        guard let root else { return file }  // empty file: empty config, as client-go
        let r = FieldReader(file: path, baseDirectory: ConfigFiles.directory(of: ConfigFiles.absolute(path)))
        if r.isNull(root) { return file }
        let top = try r.mapping(root, "")

        file.currentContext = try r.string(top, "current-context", "current-context")

        for (i, item) in try r.list(top, "clusters").enumerated() {
            let base = "clusters[\(i)]"
            let (name, body) = try r.namedEntry(item, base, key: "cluster")
            var c = Cluster()
            let f = base + ".cluster"
            c.server = try r.string(body, "server", f)
            c.certificateAuthority = try r.path(body, "certificate-authority", f)
            c.certificateAuthorityData = try r.base64(body, "certificate-authority-data", f)
            c.insecureSkipTLSVerify = try r.bool(body, "insecure-skip-tls-verify", f) ?? false
            c.tlsServerName = try r.string(body, "tls-server-name", f)
            c.proxyURL = try r.string(body, "proxy-url", f)
            for (j, ext) in try r.list(body, "extensions", f).enumerated() {
                let ef = "\(f).extensions[\(j)]"
                let em = try r.mapping(ext, ef)
                if try r.string(em, "name", ef) == "client.authentication.k8s.io/exec",
                    let value = r.value(em, "extension")
                {
                    c.execExtensionJSON = ConfigJSON.render(value)
                }
            }
            guard file.clusters[name] == nil else {
                throw KubeConfigError(file: path, field: base + ".name", message: "duplicate name \"\(name)\"")
            }
            file.clusters[name] = Entry(file: path, index: i, value: c)
        }

        for (i, item) in try r.list(top, "users").enumerated() {
            let base = "users[\(i)]"
            let (name, body) = try r.namedEntry(item, base, key: "user")
            var u = User()
            let f = base + ".user"
            u.clientCertificate = try r.path(body, "client-certificate", f)
            u.clientCertificateData = try r.base64(body, "client-certificate-data", f)
            u.clientKey = try r.path(body, "client-key", f)
            u.clientKeyData = try r.base64(body, "client-key-data", f)
            u.token = try r.string(body, "token", f)
            u.tokenFile = try r.path(body, "tokenFile", f)
            u.username = try r.string(body, "username", f)
            u.password = try r.string(body, "password", f)
            u.hasAuthProvider = r.value(body, "auth-provider") != nil
            if let execNode = r.value(body, "exec") {
                let ef = f + ".exec"
                let em = try r.mapping(execNode, ef)
                var e = Exec()
                e.command = try r.string(em, "command", ef)
                if let command = e.command, command.contains("/") {
                    // Only a command with a path separator is resolved (a bare name is looked up on PATH).
                    e.command = r.resolve(command)
                }
                e.args = try r.list(em, "args", ef).enumerated().map { (k, n) throws(KubeConfigError) in
                    try r.scalarString(n, "\(ef).args[\(k)]")
                }
                for (k, envNode) in try r.list(em, "env", ef).enumerated() {
                    let vf = "\(ef).env[\(k)]"
                    let vm = try r.mapping(envNode, vf)
                    let n = try r.string(vm, "name", vf) ?? ""
                    if n.isEmpty { throw KubeConfigError(file: path, field: vf + ".name", message: "missing") }
                    e.env.append((name: n, value: try r.string(vm, "value", vf) ?? ""))
                }
                e.apiVersion = try r.string(em, "apiVersion", ef)
                e.installHint = try r.string(em, "installHint", ef)
                e.provideClusterInfo = try r.bool(em, "provideClusterInfo", ef) ?? false
                e.interactiveMode = try r.string(em, "interactiveMode", ef)
                u.exec = e
            }
            guard file.users[name] == nil else {
                throw KubeConfigError(file: path, field: base + ".name", message: "duplicate name \"\(name)\"")
            }
            file.users[name] = Entry(file: path, index: i, value: u)
        }

        for (i, item) in try r.list(top, "contexts").enumerated() {
            let base = "contexts[\(i)]"
            let (name, body) = try r.namedEntry(item, base, key: "context")
            let f = base + ".context"
            let c = Context(
                cluster: try r.string(body, "cluster", f), user: try r.string(body, "user", f),
                namespace: try r.string(body, "namespace", f))
            guard file.contexts[name] == nil else {
                throw KubeConfigError(file: path, field: base + ".name", message: "duplicate name \"\(name)\"")
            }
            file.contexts[name] = Entry(file: path, index: i, value: c)
        }
        return file
    }

    static func yamlMessage(_ error: YamlError) -> String {
        func at(_ problem: String, _ mark: Mark, _ context: YamlError.Context?) -> String {
            var m = "yaml: line \(mark.line), column \(mark.column): \(problem)"
            if let context { m += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            return m
        }
        switch error {
        case .scanner(let context, let problem, let mark, _): return at(problem, mark, context)
        case .parser(let context, let problem, let mark, _): return at(problem, mark, context)
        case .composer(let context, let problem, let mark, _): return at(problem, mark, context)
        case .reader(let problem, let offset, _, _):
            return "yaml: \(problem)" + (offset.map { " at byte \($0)" } ?? "")
        default: return "yaml: \(error)"
        }
    }
}

/// Typed access to YAML nodes with kubeconfig field paths in errors.
struct FieldReader {
    let file: String
    let baseDirectory: String

    private func join(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : "\(parent).\(key)" }

    func fail(_ field: String, _ message: String) -> KubeConfigError {
        KubeConfigError(file: file, field: field.isEmpty ? nil : field, message: message)
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// The value under `key`, nil when absent or null.
    func value(_ mapping: Node.Mapping, _ key: String) -> Node? {
        for (k, v) in mapping where k.string == key {
            return isNull(v) ? nil : v
        }
        return nil
    }

    func mapping(_ node: Node, _ field: String) throws(KubeConfigError) -> Node.Mapping {
        if case .mapping(let m) = node { return m }
        if isNull(node) { return Node.Mapping([]) }
        throw fail(field, "expected a mapping\(lineSuffix(node))")
    }

    func list(_ mapping: Node.Mapping, _ key: String, _ parent: String = "") throws(KubeConfigError) -> [Node] {
        guard let v = value(mapping, key) else { return [] }
        if case .sequence(let s) = v { return Array(s) }
        throw fail(join(parent, key), "expected a list\(lineSuffix(v))")
    }

    func scalarString(_ node: Node, _ field: String) throws(KubeConfigError) -> String {
        if case .scalar(let s) = node { return s.string }
        throw fail(field, "expected a string\(lineSuffix(node))")
    }

    func string(_ mapping: Node.Mapping, _ key: String, _ parent: String) throws(KubeConfigError) -> String? {
        guard let v = value(mapping, key) else { return nil }
        let s = try scalarString(v, join(parent, key))
        return s.isEmpty ? nil : s
    }

    func bool(_ mapping: Node.Mapping, _ key: String, _ parent: String) throws(KubeConfigError) -> Bool? {
        guard let v = value(mapping, key) else { return nil }
        if let b = v.bool { return b }
        throw fail(join(parent, key), "expected true or false\(lineSuffix(v))")
    }

    func base64(_ mapping: Node.Mapping, _ key: String, _ parent: String) throws(KubeConfigError) -> [UInt8]? {
        guard let s = try string(mapping, key, parent) else { return nil }
        switch ConfigBase64.decode(s) {
        case .success(let bytes): return bytes
        case .failure(let e): throw fail(join(parent, key), e.message)
        }
    }

    func resolve(_ path: String) -> String {
        ConfigFiles.isAbsolute(path) ? path : ConfigFiles.join(baseDirectory, path)
    }

    /// A file reference, resolved against the kubeconfig's directory.
    func path(_ mapping: Node.Mapping, _ key: String, _ parent: String) throws(KubeConfigError) -> String? {
        try string(mapping, key, parent).map(resolve)
    }

    /// `{name: x, <key>: {...}}` → (name, body).
    func namedEntry(_ node: Node, _ field: String, key: String) throws(KubeConfigError) -> (String, Node.Mapping) {
        let m = try mapping(node, field)
        guard let name = try string(m, "name", field) else { throw fail(field + ".name", "missing") }
        guard let body = value(m, key) else { throw fail("\(field).\(key)", "missing") }
        return (name, try mapping(body, "\(field).\(key)"))
    }

    private func lineSuffix(_ node: Node) -> String {
        node.mark.map { " (line \($0.line))" } ?? ""
    }
}

/// Renders a YAML node as JSON text (for `spec.cluster.config`).
enum ConfigJSON {
    static func render(_ node: Node) -> String {
        (JSON(yaml: node) ?? .null).serializedString
    }

    /// A JSON string literal, escaped as Go's encoding/json escapes it.
    static func quote(_ s: String) -> String {
        JSON.string(s).serializedString
    }
}
