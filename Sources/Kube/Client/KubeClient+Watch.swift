import VigilHTTP

extension KubeClient {
    /// Watches a collection. The stream ends when the server closes the
    /// watch (timeout, dropped connection) — resume from the last seen
    /// resourceVersion; it throws `KubeError.gone` when that version is too
    /// old (re-list), and other errors as they come. Cancel the consuming
    /// task to stop.
    public func watch<T: Decodable & Sendable>(
        _ type: T.Type, _ r: ResourceDescriptor, namespace: String? = nil, options: ListOptions, idleTimeout: Duration? = nil
    ) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        let request = KubeRequest.watch(r, namespace: namespace, options: options)
        return AsyncThrowingStream { cont in
            let task = Task {
                do {
                    try await limiter.acquire()
                    let req = try await httpRequest(request, timeout: nil)
                    let resp: HTTPStreamingResponse
                    do { resp = try await http.stream(req, idleTimeout: idleTimeout) } catch let e as HTTPClientError {
                        self.options.onResponse?(request.verb, 0)
                        throw KubeError.transport(e)
                    }
                    self.options.onResponse?(request.verb, resp.status)
                    if !(200..<300).contains(resp.status) {
                        var body: [UInt8] = []
                        for try await chunk in resp.body {
                            body += chunk
                            if body.count > 1 << 20 { break }
                        }
                        let e = APIStatusError.from(httpStatus: resp.status, body: body, retryAfter: resp.header("retry-after"))
                        throw resp.status == 410 ? KubeError.gone(e.message) : KubeError.api(e)
                    }
                    var splitter = WatchLineSplitter()
                    for try await chunk in resp.body {
                        for line in try splitter.feed(chunk) {
                            cont.yield(try WatchEventDecoder.decode(line, as: T.self))
                        }
                    }
                    if let last = splitter.finish() { cont.yield(try WatchEventDecoder.decode(last, as: T.self)) }
                    cont.finish()
                } catch let e as HTTPClientError {
                    cont.finish(throwing: KubeError.transport(e))
                } catch {
                    cont.finish(throwing: error)
                }
            }
            cont.onTermination = { _ in task.cancel() }
        }
    }

    /// Typed watch of a known kind.
    public func watch<T: KubeResource>(_ type: T.Type, namespace: String? = nil, options: ListOptions, idleTimeout: Duration? = nil) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        watch(T.self, T.descriptor, namespace: namespace, options: options, idleTimeout: idleTimeout)
    }
}
