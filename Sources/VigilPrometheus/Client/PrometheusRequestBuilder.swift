import VigilHTTP
import VigilJSON

/// Builds the HTTP requests of the Prometheus API for one source. Pure: no I/O, so URLs,
/// encoding and headers are tested without a server.
public struct PrometheusRequestBuilder: Sendable {
    public let source: PrometheusSource

    public init(source: PrometheusSource) {
        self.source = source
    }

    /// The base URL without a trailing slash.
    public var baseURL: String {
        var url = source.url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// `GET <base>/api/v1/query?query=<expr>&timeout=<t>`. Prometheus is asked to stop after 90 %
    /// of the source's timeout, so its own `timeout` error arrives before the client's deadline.
    public func query(_ expr: String, authorization: String?) -> HTTPRequest {
        let url = "\(baseURL)/api/v1/query?query=\(Self.percentEncode(expr))&timeout=\(Self.durationParameter(source.timeout * 0.9))"
        return request(url: url, authorization: authorization)
    }

    /// `GET <base>/api/v1/alerts`.
    public func alerts(authorization: String?) -> HTTPRequest {
        request(url: "\(baseURL)/api/v1/alerts", authorization: authorization)
    }

    /// The `Authorization` value for basic auth, if the source has it.
    public var basicAuthorization: String? {
        guard let basic = source.basicAuth else { return nil }
        return "Basic " + Base64.encode(Array("\(basic.username):\(basic.password)".utf8))
    }

    private func request(url: String, authorization: String?) -> HTTPRequest {
        var headers = [("Accept", "application/json")]
        if let authorization { headers.append(("Authorization", authorization)) }
        return HTTPRequest(method: "GET", url: url, headers: headers, timeout: .milliseconds(Int64(source.timeout * 1000)))
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters.
    public static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(b)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Seconds as Prometheus' duration parameter: `10s`, or milliseconds (`2500ms`) when
    /// fractional; at least 1 ms.
    public static func durationParameter(_ seconds: Double) -> String {
        let ms = max(1, Int64((seconds * 1000).rounded()))
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
    }
}
