/// Splits a watch body (newline-delimited JSON, chunked arbitrarily by the
/// transport) into whole lines. A line may be any size up to
/// `maxLineBytes`; beyond that the stream is refused rather than buffered
/// without bound.
public struct WatchLineSplitter: Sendable {
    private var buffer: [UInt8] = []
    private var scanFrom = 0
    public let maxLineBytes: Int

    public init(maxLineBytes: Int = 64 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    /// Adds a chunk; returns the lines it completed (without the newline).
    public mutating func feed(_ chunk: some Collection<UInt8>) throws(KubeError) -> [[UInt8]] {
        buffer.append(contentsOf: chunk)
        var lines: [[UInt8]] = []
        var start = 0
        var i = scanFrom
        while i < buffer.count {
            if buffer[i] == 10 {
                if i > start { lines.append(Array(buffer[start..<i])) }
                start = i + 1
            }
            i += 1
        }
        if start > 0 { buffer.removeFirst(start) }
        scanFrom = buffer.count
        if buffer.count > maxLineBytes {
            throw .decoding("a watch event exceeds \(maxLineBytes) bytes without a newline")
        }
        return lines
    }

    /// What is left when the stream ends (a last line without a newline).
    public mutating func finish() -> [UInt8]? {
        defer {
            buffer = []
            scanFrom = 0
        }
        let rest = buffer.drop { $0 == 32 || $0 == 13 }
        return rest.isEmpty ? nil : Array(rest)
    }
}
