import CCurl

/// What a request turns into before any libcurl handle exists: the URL to give libcurl, the
/// header lines, how the method and body are expressed, and the `CURLOPT_CONNECT_TO` entry for a
/// TLS server-name override. Pure apart from libcurl's URL parser, so it is tested without I/O.
struct CurlRequestPlan: Sendable, Equatable {
    enum MethodSetting: Sendable, Equatable {
        /// Plain GET, libcurl's default.
        case get
        /// `CURLOPT_NOBODY`.
        case head
        /// `CURLOPT_COPYPOSTFIELDS` (sets POST), plus `CURLOPT_CUSTOMREQUEST` unless the method is POST.
        case withBody(method: String, body: [UInt8])
        /// `CURLOPT_CUSTOMREQUEST` without a body (DELETE, …).
        case custom(String)
    }

    var url: String
    var headerLines: [String]
    var method: MethodSetting
    /// `HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT`, when a server-name override applies.
    var connectTo: String?

    /// Builds the plan; throws `.invalidRequest` naming what is wrong.
    init(request: HTTPRequest, serverName: String?) throws(HTTPClientError) {
        func invalid(_ message: String) -> HTTPClientError {
            HTTPClientError(kind: .invalidRequest, message: message, url: request.url)
        }
        let parsed = try CurlURL(request.url)
        let scheme = parsed.scheme.lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw invalid("unsupported URL scheme '\(parsed.scheme)'; use http or https")
        }
        let method = request.method.uppercased()
        guard !method.isEmpty, method.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || $0 == "-" || $0 == "_" }) else {
            throw invalid("invalid HTTP method '\(request.method)'")
        }

        var lines: [String] = []
        var names = Set<String>()
        for (name, value) in request.headers {
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 && $0 != ":" }) else {
                throw invalid("invalid header name '\(name)'")
            }
            guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw invalid("header '\(name)' has a line break in its value")
            }
            names.insert(name.lowercased())
            // libcurl sends "Name;" as an empty header; "Name:" would delete it.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }

        var url = request.url
        var connectTo: String?
        if scheme == "https", let serverName, !serverName.isEmpty {
            // Verify and send SNI for serverName, but connect to the URL's host: the URL's host is
            // replaced by serverName and CURLOPT_CONNECT_TO maps serverName:port back to the real
            // host:port. Unlike CURLOPT_RESOLVE this needs no IP address up front, and the
            // connection cache keys on the pair, so reuse still works. The Host header keeps
            // the original authority, as Go's tls-server-name does.
            let host = parsed.host
            let port = parsed.port
            url = try parsed.replacingHost(with: serverName)
            connectTo = "\(serverName):\(port):\(host):\(port)"
            if !names.contains("host") { lines.append("Host: \(host):\(port)") }
        }

        if let body = request.body {
            switch method {
            case "HEAD": throw invalid("a HEAD request cannot have a body")
            default: self.method = .withBody(method: method, body: body)
            }
            // libcurl labels bodies as form data unless told otherwise.
            if !names.contains("content-type") { lines.append("Content-Type:") }
        } else {
            switch method {
            case "GET": self.method = .get
            case "HEAD": self.method = .head
            case "POST", "PUT", "PATCH": self.method = .withBody(method: method, body: [])
                if !names.contains("content-type") { lines.append("Content-Type:") }
            default: self.method = .custom(method)
            }
        }
        // No "Expect: 100-continue" round trip for large bodies.
        if !names.contains("expect") { lines.append("Expect:") }

        self.url = url
        self.headerLines = lines
        self.connectTo = connectTo
    }
}
