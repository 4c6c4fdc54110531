/// An error raised while locating, parsing or resolving cluster configuration,
/// or while fetching credentials.
///
/// `description` is `file: field: message`, leaving out whichever parts are
/// absent, e.g. `/home/me/.kube/config: context "dev": cluster "missing" not found`
/// or `/home/me/.kube/config: users[0].user.client-certificate-data: illegal base64 data at input byte 4`.
public struct KubeConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file the problem is in (kubeconfig, token file, CA file …), if any.
    public var file: String?
    /// The field within the file, in kubeconfig path notation
    /// (`clusters[1].cluster.server`) or a context description (`context "dev"`).
    public var field: String?
    /// What is wrong.
    public var message: String

    public init(file: String? = nil, field: String? = nil, message: String) {
        self.file = file
        self.field = field
        self.message = message
    }

    public var description: String {
        var parts: [String] = []
        if let file { parts.append(file) }
        if let field { parts.append(field) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
