/// An HTTP/1.1 and HTTP/2 client on libcurl's multi interface, with one driver thread per client.
///
/// Requests may be issued from any task concurrently. Connections are cached and reused, HTTP/2
/// streams are multiplexed over one TLS connection per host, and streamed bodies apply
/// back-pressure by pausing the transfer. Cancelling the calling task aborts the transfer and the
/// call throws `.cancelled`. HTTP error statuses are returned as responses, never thrown.
///
/// Call ``shutdown()`` (or drop the client) to stop the driver thread; running transfers then fail
/// with `.cancelled`. A streamed body keeps its client alive until the stream is dropped.
public final class HTTPClient: Sendable {
    public let configuration: HTTPClientConfiguration
    private let driver: CurlDriver

    public init(configuration: HTTPClientConfiguration = .init()) throws(HTTPClientError) {
        guard configuration.maxConnectionsPerHost >= 1 else {
            throw HTTPClientError(kind: .invalidRequest, message: "maxConnectionsPerHost must be at least 1, got \(configuration.maxConnectionsPerHost)", url: "")
        }
        guard configuration.streamBufferLimit >= 1 else {
            throw HTTPClientError(kind: .invalidRequest, message: "streamBufferLimit must be at least 1 byte, got \(configuration.streamBufferLimit)", url: "")
        }
        guard configuration.connectTimeout > .zero else {
            throw HTTPClientError(kind: .invalidRequest, message: "connectTimeout must be positive, got \(configuration.connectTimeout)", url: "")
        }
        self.configuration = configuration
        driver = try CurlDriver(configuration: configuration)
    }

    deinit { driver.shutdown() }

    /// Counters since the client was created.
    public var statistics: HTTPClientStatistics { driver.statistics }

    /// Sends the request and returns the whole response once its body is complete.
    public func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        if Task.isCancelled { throw HTTPClientError(kind: .cancelled, message: "the task was cancelled", url: request.url) }
        let transfer = try CurlTransfer(request: request, configuration: configuration, mode: .buffered)
        let driver = self.driver
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>) in
                transfer.awaitResponse(waiter)
                driver.start(transfer)
            }
        } onCancel: {
            driver.cancel(transfer)
        }
        return try result.get()
    }

    /// Sends the request and returns as soon as the response head has arrived; the body is read
    /// from the returned stream. `idleTimeout` fails the stream with `.idleTimeout` when no bytes
    /// arrive for that long (time spent paused because the reader is behind does not count).
    /// `request.timeout`, if set, bounds the whole stream.
    public func stream(_ request: HTTPRequest, idleTimeout: Duration? = nil) async throws(HTTPClientError) -> HTTPStreamingResponse {
        if Task.isCancelled { throw HTTPClientError(kind: .cancelled, message: "the task was cancelled", url: request.url) }
        let buffer = StreamBuffer(limit: configuration.streamBufferLimit)
        let transfer = try CurlTransfer(request: request, configuration: configuration, mode: .streaming(buffer, idleTimeout: idleTimeout))
        let driver = self.driver
        let session = StreamSession(client: self, driver: driver, transfer: transfer, buffer: buffer)
        let head = await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Result<ResponseHead, HTTPClientError>, Never>) in
                transfer.awaitHead(waiter)
                driver.start(transfer)
            }
        } onCancel: {
            driver.cancel(transfer)
        }
        let h = try head.get()
        return HTTPStreamingResponse(status: h.status, headers: h.headers, httpVersion: h.httpVersion, body: HTTPBodyStream(session: session))
    }

    /// Stops the driver thread and fails running transfers with `.cancelled`. Idempotent;
    /// later requests fail with `.cancelled`.
    public func shutdown() { driver.shutdown() }
}
