/// Status line and headers of a response, as assembled from libcurl's header callback.
struct ResponseHead: Sendable {
    var status: Int = 0
    var httpVersion: String = "1.1"
    /// Names lowercased, values trimmed, in arrival order.
    var headers: [(String, String)] = []
}

/// Turns the header lines libcurl hands over (one per callback, CRLF included) into the final
/// ``ResponseHead``. Pure, so it is tested without I/O.
///
/// Interim 1xx heads are discarded; the head is complete at the blank line after a status ≥ 200.
/// Lines after that (chunked trailers) are ignored.
struct ResponseHeadParser: Sendable {
    private(set) var head = ResponseHead()
    private(set) var isComplete = false

    /// Consumes one header line. Returns `true` exactly when this line completed the final head.
    mutating func consume(_ rawLine: String) -> Bool {
        if isComplete { return false }
        var line = Substring(rawLine)
        while let last = line.last, last.isNewline { line.removeLast() }
        if line.isEmpty {
            guard head.status >= 200 else { return false }
            isComplete = true
            return true
        }
        if line.hasPrefix("HTTP/") {
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            head = ResponseHead()
            head.httpVersion = String(parts[0].dropFirst("HTTP/".count))
            if parts.count > 1, let status = Int(parts[1]) { head.status = status }
            return false
        }
        if let first = line.first, first == " " || first == "\t", !head.headers.isEmpty {
            // Obsolete line folding: continues the previous header's value.
            let extra = line.trimmingHTTPWhitespace()
            head.headers[head.headers.count - 1].1 += " " + extra
            return false
        }
        guard let colon = line.firstIndex(of: ":") else { return false }
        let name = line[..<colon].trimmingHTTPWhitespace().lowercased()
        let value = line[line.index(after: colon)...].trimmingHTTPWhitespace()
        head.headers.append((name, String(value)))
        return false
    }
}

extension Substring {
    func trimmingHTTPWhitespace() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
