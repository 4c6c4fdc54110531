import Synchronization

/// The bounded hand-over between the driver thread (producer, inside libcurl's write callback)
/// and the task reading an ``HTTPBodyStream`` (consumer).
///
/// The producer offers each network read; once `limit` bytes are unread the offer is refused and
/// the transfer pauses (`CURL_WRITEFUNC_PAUSE`). When the consumer has drained the buffer to
/// `limit / 2` it is told to ask the driver to resume, so the transfer does not flap.
final class StreamBuffer: Sendable {
    /// What a consumer finds when it looks.
    enum Poll: Sendable {
        /// A chunk; `resumeProducer` is set once when the paused producer should be resumed.
        case chunk([UInt8], resumeProducer: Bool)
        /// The body ended: `nil` at a clean end, else the error that ended it.
        case end(HTTPClientError?)
        case empty
    }

    private struct State {
        var chunks: [[UInt8]] = []
        var readIndex = 0
        var bytes = 0
        var peakBytes = 0
        var producerPaused = false
        var ended = false
        var endError: HTTPClientError?
        var waiter: CheckedContinuation<Void, Never>?
    }

    let limit: Int
    private let lowWater: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = max(1, limit)
        self.lowWater = max(0, limit / 2)
    }

    /// Producer side. Takes the bytes and returns `true`, or refuses them (the caller pauses the
    /// transfer and libcurl delivers the same bytes again after resuming).
    func offer(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let (accepted, waiter) = state.withLock { s -> (Bool, CheckedContinuation<Void, Never>?) in
            if s.bytes >= limit && s.readIndex < s.chunks.count {
                s.producerPaused = true
                return (false, nil)
            }
            s.chunks.append(Array(bytes))
            s.bytes += bytes.count
            s.peakBytes = max(s.peakBytes, s.bytes)
            let w = s.waiter
            s.waiter = nil
            return (true, w)
        }
        waiter?.resume()
        return accepted
    }

    /// Producer side: the body ended (`nil`) or failed. Later calls are ignored.
    func finish(_ error: HTTPClientError?) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            guard !s.ended else { return nil }
            s.ended = true
            s.endError = error
            if error != nil {
                // Nobody will read what is left after a failure; free it now.
                s.chunks = []
                s.readIndex = 0
                s.bytes = 0
            }
            let w = s.waiter
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    var peakBytes: Int { state.withLock { $0.peakBytes } }

    /// Consumer side, without waiting.
    func poll() -> Poll {
        state.withLock { s in
            if s.readIndex < s.chunks.count {
                let chunk = s.chunks[s.readIndex]
                s.chunks[s.readIndex] = []
                s.readIndex += 1
                s.bytes -= chunk.count
                if s.readIndex == s.chunks.count {
                    s.chunks.removeAll(keepingCapacity: true)
                    s.readIndex = 0
                } else if s.readIndex >= 64 && s.readIndex * 2 >= s.chunks.count {
                    s.chunks.removeFirst(s.readIndex)
                    s.readIndex = 0
                }
                var resume = false
                if s.producerPaused && s.bytes <= lowWater && !s.ended {
                    s.producerPaused = false
                    resume = true
                }
                return .chunk(chunk, resumeProducer: resume)
            }
            if s.ended { return .end(s.endError) }
            return .empty
        }
    }

    /// Consumer side: suspends until a chunk or the end is available.
    func waitForData() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s in
                if s.readIndex < s.chunks.count || s.ended { return true }
                s.waiter = c
                return false
            }
            if ready { c.resume() }
        }
    }
}
