import CCurl

/// A URL parsed by libcurl's URL API (`curl_url`), so Vigil and libcurl agree on what it means.
struct CurlURL: Sendable {
    let url: String
    let scheme: String
    /// As libcurl writes it: IPv6 literals keep their brackets.
    let host: String
    /// Explicit port or the scheme's default.
    let port: String

    init(_ url: String) throws(HTTPClientError) {
        guard let handle = curl_url() else {
            throw HTTPClientError(kind: .other, message: "curl_url() failed (out of memory)", url: url)
        }
        defer { curl_url_cleanup(handle) }
        let rc = curl_url_set(handle, CURLUPART_URL, url, 0)
        guard rc == CURLUE_OK else {
            throw HTTPClientError(kind: .invalidRequest, message: "malformed URL: \(String(cString: curl_url_strerror(rc)))", url: url)
        }
        self.url = url
        scheme = Self.part(handle, CURLUPART_SCHEME, 0) ?? ""
        host = Self.part(handle, CURLUPART_HOST, 0) ?? ""
        port = Self.part(handle, CURLUPART_PORT, UInt32(CURLU_DEFAULT_PORT)) ?? ""
        guard !host.isEmpty else {
            throw HTTPClientError(kind: .invalidRequest, message: "URL has no host", url: url)
        }
    }

    /// The same URL with another host name.
    func replacingHost(with newHost: String) throws(HTTPClientError) -> String {
        guard let handle = curl_url() else {
            throw HTTPClientError(kind: .other, message: "curl_url() failed (out of memory)", url: url)
        }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK,
            curl_url_set(handle, CURLUPART_HOST, newHost, 0) == CURLUE_OK,
            let rewritten = Self.part(handle, CURLUPART_URL, 0)
        else {
            throw HTTPClientError(kind: .invalidRequest, message: "invalid TLS server name '\(newHost)'", url: url)
        }
        return rewritten
    }

    private static func part(_ handle: OpaquePointer, _ which: CURLUPart, _ flags: UInt32) -> String? {
        var out: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, which, &out, flags) == CURLUE_OK, let out else { return nil }
        defer { curl_free(out) }
        return String(cString: out)
    }
}
