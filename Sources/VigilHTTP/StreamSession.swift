/// Ties a streamed body to its transfer: the reader side of the ``StreamBuffer``, the way to
/// resume or cancel the transfer on the driver, and the client kept alive meanwhile. When the
/// last copy of the body stream and its iterators is gone, the transfer is aborted.
final class StreamSession: Sendable {
    private let client: HTTPClient
    private let driver: CurlDriver
    private let transfer: CurlTransfer
    let buffer: StreamBuffer

    init(client: HTTPClient, driver: CurlDriver, transfer: CurlTransfer, buffer: StreamBuffer) {
        self.client = client
        self.driver = driver
        self.transfer = transfer
        self.buffer = buffer
    }

    deinit { driver.cancel(transfer) }

    var url: String { transfer.url }

    /// The next chunk, `nil` at the end; throws the error that ended the transfer.
    func next() async throws(HTTPClientError) -> [UInt8]? {
        while true {
            if Task.isCancelled {
                driver.cancel(transfer)
                buffer.finish(HTTPClientError(kind: .cancelled, message: "the task was cancelled", url: url))
            }
            switch buffer.poll() {
            case .chunk(let chunk, let resume):
                if resume { driver.submit(.resume(transfer)) }
                return chunk
            case .end(let error?):
                throw error
            case .end(nil):
                return nil
            case .empty:
                let driver = self.driver
                let transfer = self.transfer
                await withTaskCancellationHandler {
                    await buffer.waitForData()
                } onCancel: {
                    driver.cancel(transfer)
                }
            }
        }
    }
}
