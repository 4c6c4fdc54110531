import CCurl
import Synchronization

/// One request in flight: its libcurl easy handle, the callbacks libcurl calls while the
/// transfer runs, and the waiters that receive the result.
///
/// `@unchecked Sendable` because the class has two kinds of state with different owners, which
/// the compiler cannot see: the easy handle and everything the callbacks touch (`driverState`)
/// belong to one thread at a time — the creating task until the transfer is handed to the driver,
/// then only the driver thread (libcurl calls the callbacks from `curl_multi_perform` and
/// `curl_easy_pause`, both made on that thread). Everything other threads touch lives in
/// `shared` (a Mutex) or in the `StreamBuffer` (itself a Mutex).
final class CurlTransfer: @unchecked Sendable {
    enum Mode: Sendable {
        case buffered
        case streaming(StreamBuffer, idleTimeout: Duration?)
    }

    /// State owned by the driver thread once the transfer is submitted.
    struct DriverState {
        var parser = ResponseHeadParser()
        var body: [UInt8] = []
        var lastActivity = ContinuousClock.now
        var pausedByConsumer = false
        var added = false
        var finished = false
    }

    private struct Shared {
        var cancelRequested = false
        var responseWaiter: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>?
        var headWaiter: CheckedContinuation<Result<ResponseHead, HTTPClientError>, Never>?
        var response: Result<HTTPResponse, HTTPClientError>?
        var head: Result<ResponseHead, HTTPClientError>?
    }

    let url: String
    let mode: Mode
    let easy: UnsafeMutableRawPointer
    private let headerList: UnsafeMutablePointer<curl_slist>?
    private let connectToList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    var driverState = DriverState()
    private let shared = Mutex(Shared())

    /// Creates the easy handle and sets every option. Runs on the submitting task's thread.
    init(request: HTTPRequest, configuration: HTTPClientConfiguration, mode: Mode) throws(HTTPClientError) {
        let plan = try CurlRequestPlan(request: request, serverName: configuration.tls?.serverName)
        guard let easy = curl_easy_init() else {
            throw HTTPClientError(kind: .other, message: "curl_easy_init failed", url: request.url)
        }
        self.url = request.url
        self.mode = mode
        self.easy = easy
        errorBuffer = .allocate(capacity: Int(vigil_CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(vigil_CURL_ERROR_SIZE))
        var list: UnsafeMutablePointer<curl_slist>?
        for line in plan.headerLines { list = curl_slist_append(list, line) }
        headerList = list
        connectToList = plan.connectTo.map { curl_slist_append(nil, $0) }
        do {
            try configure(plan: plan, request: request, configuration: configuration)
        } catch {
            releaseHandle()
            throw error
        }
    }

    deinit {
        // Only reached after the driver (or the failed init path) released the handle, or when the
        // transfer never reached the driver; releasing twice is guarded.
        if !handleReleased { releaseHandle() }
    }

    private var handleReleased = false

    /// Frees the easy handle and the memory libcurl points into. Driver thread (or before submit).
    func releaseHandle() {
        guard !handleReleased else { return }
        handleReleased = true
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        curl_slist_free_all(connectToList)
        errorBuffer.deallocate()
    }

    // MARK: Options

    private func configure(plan: CurlRequestPlan, request: HTTPRequest, configuration: HTTPClientConfiguration) throws(HTTPClientError) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        try set(CURLOPT_URL, plan.url)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        try check(vigil_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
        try check(vigil_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me), "CURLOPT_WRITEDATA")
        try check(vigil_easy_setopt_write_callback(easy, CURLOPT_WRITEFUNCTION) { data, size, count, user in
            guard let user else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
            return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
        }, "CURLOPT_WRITEFUNCTION")
        try check(vigil_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me), "CURLOPT_HEADERDATA")
        try check(vigil_easy_setopt_write_callback(easy, CURLOPT_HEADERFUNCTION) { data, size, count, user in
            guard let user else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
            return transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
        }, "CURLOPT_HEADERFUNCTION")
        if configuration.http2 {
            try set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
            // Wait for a connection that can multiplex rather than open another one.
            try set(CURLOPT_PIPEWAIT, 1)
        } else {
            try set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
        }
        try set(CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.curlMilliseconds)
        if let timeout = request.timeout { try set(CURLOPT_TIMEOUT_MS, timeout.curlMilliseconds) }
        if let proxy = configuration.proxy { try set(CURLOPT_PROXY, proxy) }
        try set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        if let headerList {
            try check(vigil_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, headerList), "CURLOPT_HTTPHEADER")
        }
        if let connectToList {
            try check(vigil_easy_setopt_pointer(easy, CURLOPT_CONNECT_TO, connectToList), "CURLOPT_CONNECT_TO")
        }
        switch plan.method {
        case .get:
            break
        case .head:
            try set(CURLOPT_NOBODY, 1)
        case .custom(let method):
            try set(CURLOPT_CUSTOMREQUEST, method)
        case .withBody(let method, let body):
            try check(vigil_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "CURLOPT_POSTFIELDSIZE_LARGE")
            // COPYPOSTFIELDS copies the bytes now, so the array need not outlive this call.
            let rc = body.withUnsafeBytes { raw in
                withUnsafeBytes(of: UInt8(0)) { empty in
                    vigil_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, raw.baseAddress ?? empty.baseAddress)
                }
            }
            try check(rc, "CURLOPT_COPYPOSTFIELDS")
            if method != "POST" { try set(CURLOPT_CUSTOMREQUEST, method) }
        }
        if let tls = configuration.tls { try configureTLS(tls) }
    }

    private func configureTLS(_ tls: TLSConfiguration) throws(HTTPClientError) {
        if let pem = tls.caPEM {
            try setBlob(CURLOPT_CAINFO_BLOB, pem, "CURLOPT_CAINFO_BLOB")
        } else if let file = tls.caFile {
            try set(CURLOPT_CAINFO, file)
        }
        if tls.caPEM != nil || tls.caFile != nil {
            // Trust only the configured CA, not also the system's certificate directory.
            try check(vigil_easy_setopt_pointer(easy, CURLOPT_CAPATH, nil), "CURLOPT_CAPATH")
        }
        if let pem = tls.clientCertificatePEM {
            try setBlob(CURLOPT_SSLCERT_BLOB, pem, "CURLOPT_SSLCERT_BLOB")
            try set(CURLOPT_SSLCERTTYPE, "PEM")
        } else if let file = tls.clientCertificateFile {
            try set(CURLOPT_SSLCERT, file)
            try set(CURLOPT_SSLCERTTYPE, "PEM")
        }
        if let pem = tls.clientKeyPEM {
            try setBlob(CURLOPT_SSLKEY_BLOB, pem, "CURLOPT_SSLKEY_BLOB")
            try set(CURLOPT_SSLKEYTYPE, "PEM")
        } else if let file = tls.clientKeyFile {
            try set(CURLOPT_SSLKEY, file)
            try set(CURLOPT_SSLKEYTYPE, "PEM")
        }
        if tls.insecureSkipVerify {
            try set(CURLOPT_SSL_VERIFYPEER, 0)
            try set(CURLOPT_SSL_VERIFYHOST, 0)
        }
    }

    private func set(_ option: CURLoption, _ value: Int) throws(HTTPClientError) {
        try check(vigil_easy_setopt_long(easy, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, _ value: String) throws(HTTPClientError) {
        try check(vigil_easy_setopt_pointer(easy, option, value), "option \(option.rawValue)")
    }

    private func setBlob(_ option: CURLoption, _ bytes: [UInt8], _ name: String) throws(HTTPClientError) {
        let rc = bytes.withUnsafeBytes { raw in
            // CURL_BLOB_COPY: libcurl copies the bytes before returning.
            var blob = curl_blob(data: UnsafeMutableRawPointer(mutating: raw.baseAddress), len: raw.count, flags: vigil_CURL_BLOB_COPY)
            return vigil_easy_setopt_pointer(easy, option, &blob)
        }
        try check(rc, name)
    }

    private func check(_ rc: CURLcode, _ what: String) throws(HTTPClientError) {
        guard rc == CURLE_OK else {
            throw HTTPClientError(kind: .invalidRequest, message: "libcurl rejected \(what): \(String(cString: curl_easy_strerror(rc)))", url: url)
        }
    }

    // MARK: Callbacks (driver thread)

    private func receiveHeader(_ bytes: UnsafeRawBufferPointer) -> Int {
        driverState.lastActivity = .now
        let line = String(decoding: bytes, as: UTF8.self)
        if driverState.parser.consume(line), case .streaming = mode {
            resolveHead(.success(driverState.parser.head))
        }
        return bytes.count
    }

    private func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        driverState.lastActivity = .now
        switch mode {
        case .buffered:
            driverState.body.append(contentsOf: bytes)
            return bytes.count
        case .streaming(let buffer, _):
            if !driverState.parser.isComplete {
                // No blank line seen (cannot happen with HTTP/1.1 or 2); hand over what we have.
                resolveHead(.success(driverState.parser.head))
            }
            if buffer.offer(bytes) { return bytes.count }
            driverState.pausedByConsumer = true
            pauseCount += 1
            return vigil_CURL_WRITEFUNC_PAUSE
        }
    }

    /// Pauses since the driver last collected them. Driver thread only.
    var pauseCount = 0

    // MARK: Waiters (any thread)

    var cancelRequested: Bool { shared.withLock { $0.cancelRequested } }

    func requestCancel() { shared.withLock { $0.cancelRequested = true } }

    /// Registers the buffered-response waiter; resumes it at once if the outcome is known.
    func awaitResponse(_ waiter: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>) {
        let ready = shared.withLock { s -> Result<HTTPResponse, HTTPClientError>? in
            if let r = s.response { return r }
            s.responseWaiter = waiter
            return nil
        }
        if let ready { waiter.resume(returning: ready) }
    }

    /// Registers the streaming-head waiter; resumes it at once if the outcome is known.
    func awaitHead(_ waiter: CheckedContinuation<Result<ResponseHead, HTTPClientError>, Never>) {
        let ready = shared.withLock { s -> Result<ResponseHead, HTTPClientError>? in
            if let r = s.head { return r }
            s.headWaiter = waiter
            return nil
        }
        if let ready { waiter.resume(returning: ready) }
    }

    private func resolveHead(_ result: Result<ResponseHead, HTTPClientError>) {
        let waiter = shared.withLock { s -> CheckedContinuation<Result<ResponseHead, HTTPClientError>, Never>? in
            guard case .none = s.head else { return nil }
            s.head = result
            let w = s.headWaiter
            s.headWaiter = nil
            return w
        }
        waiter?.resume(returning: result)
    }

    /// Delivers the outcome to whoever waits. On the driver thread, or on the submitting thread
    /// when the driver refused the transfer (then `error` is set and driver state is untouched).
    func complete(_ error: HTTPClientError?) {
        switch mode {
        case .buffered:
            let result: Result<HTTPResponse, HTTPClientError>
            if let error {
                result = .failure(error)
            } else {
                let head = driverState.parser.head
                result = .success(HTTPResponse(status: head.status, headers: head.headers, body: driverState.body, httpVersion: head.httpVersion))
                driverState.body = []
            }
            let waiter = shared.withLock { s -> CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>? in
                guard case .none = s.response else { return nil }
                s.response = result
                let w = s.responseWaiter
                s.responseWaiter = nil
                return w
            }
            waiter?.resume(returning: result)
        case .streaming(let buffer, _):
            if let error {
                resolveHead(.failure(error))
            } else {
                resolveHead(.success(driverState.parser.head))
            }
            buffer.finish(error)
        }
    }

    /// The libcurl error text for the last failure, if any. Driver thread.
    var errorText: String {
        errorBuffer[Int(vigil_CURL_ERROR_SIZE) - 1] = 0
        return String(cString: errorBuffer)
    }
}
