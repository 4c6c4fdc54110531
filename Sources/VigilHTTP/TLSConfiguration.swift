/// TLS settings for ``HTTPClient``: trust anchors, client identity and server-name override.
///
/// Each credential can come from a file or from inline PEM bytes (kubeconfig `*-data` fields);
/// when both are set the inline bytes win. Verification is on unless `insecureSkipVerify`
/// is set explicitly.
public struct TLSConfiguration: Sendable {
    /// PEM file with the CA certificates to trust (instead of the system store).
    public var caFile: String?
    /// Inline PEM CA certificates to trust (instead of the system store).
    public var caPEM: [UInt8]?
    public var clientCertificateFile: String?
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyFile: String?
    public var clientKeyPEM: [UInt8]?
    /// Name to send as SNI and to verify the server certificate against, instead of the URL's
    /// host (kubeconfig `tls-server-name`). The TCP connection still goes to the URL's host.
    public var serverName: String?
    /// Skips certificate and host-name verification. Never a default.
    public var insecureSkipVerify: Bool = false

    public init(
        caFile: String? = nil, caPEM: [UInt8]? = nil,
        clientCertificateFile: String? = nil, clientCertificatePEM: [UInt8]? = nil,
        clientKeyFile: String? = nil, clientKeyPEM: [UInt8]? = nil,
        serverName: String? = nil, insecureSkipVerify: Bool = false
    ) {
        self.caFile = caFile
        self.caPEM = caPEM
        self.clientCertificateFile = clientCertificateFile
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyFile = clientKeyFile
        self.clientKeyPEM = clientKeyPEM
        self.serverName = serverName
        self.insecureSkipVerify = insecureSkipVerify
    }
}
