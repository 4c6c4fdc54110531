/// The body of an ``HTTPStreamingResponse`` as an `AsyncSequence` of byte chunks, in order.
///
/// The iterator's `next()` uses typed throws (`HTTPClientError`): `.idleTimeout`, `.timeout`,
/// `.protocolError` (connection cut mid-body) or `.cancelled` (the reading task was cancelled,
/// which also aborts the transfer). After the end or an error it returns `nil`.
/// Reading slowly is safe: at most about `streamBufferLimit` bytes are held, and the transfer is
/// paused until the reader catches up. Dropping the stream and its iterators aborts the transfer.
public struct HTTPBodyStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = HTTPClientError

    private enum Source: Sendable {
        case live(StreamSession)
        case fixed([[UInt8]], HTTPClientError?)
    }

    private let source: Source

    init(session: StreamSession) { source = .live(session) }

    /// A body with fixed content, for tests and fakes: the chunks, then `error` if given.
    public init(chunks: [[UInt8]], error: HTTPClientError? = nil) { source = .fixed(chunks, error) }

    public func makeAsyncIterator() -> AsyncIterator {
        switch source {
        case .live(let session): AsyncIterator(state: .live(session))
        case .fixed(let chunks, let error): AsyncIterator(state: .fixed(chunks[...], error))
        }
    }

    /// Reads one chunk at a time; see ``HTTPBodyStream``.
    public struct AsyncIterator: AsyncIteratorProtocol, Sendable {
        fileprivate enum State: Sendable {
            case live(StreamSession)
            case fixed(ArraySlice<[UInt8]>, HTTPClientError?)
            case done
        }

        fileprivate var state: State

        public mutating func next() async throws(HTTPClientError) -> [UInt8]? {
            switch state {
            case .done:
                return nil
            case .fixed(var chunks, let error):
                if let chunk = chunks.popFirst() {
                    state = .fixed(chunks, error)
                    return chunk
                }
                state = .done
                if let error { throw error }
                return nil
            case .live(let session):
                do {
                    if let chunk = try await session.next() { return chunk }
                    state = .done
                    return nil
                } catch {
                    state = .done
                    throw error
                }
            }
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(HTTPClientError) -> [UInt8]? {
            try await next()
        }
    }
}
