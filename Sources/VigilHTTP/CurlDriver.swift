import CCurl
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one thread per ``HTTPClient`` that owns the libcurl multi handle: it adds, pauses,
/// resumes and removes easy handles and runs `curl_multi_perform` / `curl_multi_poll`.
///
/// Other threads talk to it only through `submit`, which queues a command under a Mutex and
/// calls `curl_multi_wakeup` (documented as callable from any thread).
///
/// `@unchecked Sendable`: `multi` and `active` are used only on the driver thread (after `init`
/// hands them over), `inbox`, `stats` and `threadState` are Mutexes, and libcurl's only
/// cross-thread call, `curl_multi_wakeup`, is made under the inbox lock before the multi handle
/// can have been cleaned up (see `run`).
final class CurlDriver: @unchecked Sendable {
    enum Command {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
        case resume(CurlTransfer)
    }

    private struct Inbox {
        var commands: [Command] = []
        var shuttingDown = false
    }

    private struct ThreadState {
        var thread: pthread_t?
        var joined = false
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    private let stats = Mutex(HTTPClientStatistics())
    private let threadState = Mutex(ThreadState())
    /// Driver thread only: transfers added to the multi handle, by easy handle.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init(configuration: HTTPClientConfiguration) throws(HTTPClientError) {
        CurlGlobal.initialize()
        guard let multi = curl_multi_init() else {
            throw HTTPClientError(kind: .other, message: "curl_multi_init failed", url: "")
        }
        self.multi = multi
        // Multiplex HTTP/2 streams over one connection per host, keep idle connections cached
        // for reuse, and cap connections per host (excess transfers queue inside libcurl).
        _ = vigil_multi_setopt_long(multi, CURLMOPT_PIPELINING, vigil_CURLPIPE_MULTIPLEX)
        _ = vigil_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxConnectionsPerHost)
        _ = vigil_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(32, configuration.maxConnectionsPerHost * 4))

        let retained = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let rc = pthread_create(&thread, nil, { arg in
            let driver = Unmanaged<CurlDriver>.fromOpaque(arg!).takeRetainedValue()
            driver.run()
            return nil
        }, retained)
        guard rc == 0 else {
            Unmanaged<CurlDriver>.fromOpaque(retained).release()
            curl_multi_cleanup(multi)
            throw HTTPClientError(kind: .other, message: "could not start the HTTP driver thread (error \(rc))", url: "")
        }
        #if canImport(Darwin)
        threadState.withLock { $0.thread = thread }
        #else
        threadState.withLock { $0.thread = thread }
        #endif
    }

    var statistics: HTTPClientStatistics { stats.withLock { $0 } }

    /// Queues a command and wakes the driver. Returns `false` once the driver is shutting down.
    @discardableResult
    func submit(_ command: Command) -> Bool {
        inbox.withLock { inbox in
            guard !inbox.shuttingDown else { return false }
            inbox.commands.append(command)
            _ = curl_multi_wakeup(multi)
            return true
        }
    }

    /// Hands a prepared transfer to the driver, or fails it if the client is shut down.
    func start(_ transfer: CurlTransfer) {
        if !submit(.add(transfer)) {
            transfer.complete(HTTPClientError(kind: .cancelled, message: "the HTTP client was shut down", url: transfer.url))
        }
    }

    /// Aborts a transfer at once (from any thread). A no-op for finished transfers.
    func cancel(_ transfer: CurlTransfer) {
        transfer.requestCancel()
        submit(.cancel(transfer))
    }

    /// Stops the driver: every transfer still running fails with `.cancelled`. Waits for the
    /// thread to exit unless called on it. Idempotent.
    func shutdown() {
        inbox.withLock { inbox in
            guard !inbox.shuttingDown else { return }
            inbox.shuttingDown = true
            _ = curl_multi_wakeup(multi)
        }
        let thread = threadState.withLock { s -> pthread_t? in
            guard !s.joined, let t = s.thread else { return nil }
            s.joined = true
            return t
        }
        guard let thread else { return }
        if pthread_equal(thread, pthread_self()) != 0 {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }

    // MARK: Driver thread

    private func run() {
        while true {
            let (commands, stopping) = inbox.withLock { inbox in
                let c = inbox.commands
                inbox.commands.removeAll()
                return (c, inbox.shuttingDown)
            }
            if stopping {
                // submit() refuses new commands from here on, so no wakeup can touch `multi`.
                for case .add(let transfer) in commands { abandon(transfer) }
                break
            }
            for command in commands { handle(command) }

            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            collectCompletions()
            let wait = expireIdleStreams()
            _ = curl_multi_poll(multi, nil, 0, Int32(wait), nil)
        }
        for transfer in Array(active.values) {
            finish(transfer, error: HTTPClientError(kind: .cancelled, message: "the HTTP client was shut down", url: transfer.url))
        }
        curl_multi_cleanup(multi)
    }

    private func handle(_ command: Command) {
        switch command {
        case .add(let transfer):
            if transfer.cancelRequested {
                abandon(transfer, message: "the request was cancelled")
                return
            }
            let rc = curl_multi_add_handle(multi, transfer.easy)
            guard rc == CURLM_OK else {
                transfer.complete(HTTPClientError(kind: .other, message: "curl_multi_add_handle: \(String(cString: curl_multi_strerror(rc)))", url: transfer.url))
                transfer.releaseHandle()
                return
            }
            transfer.driverState.added = true
            transfer.driverState.lastActivity = .now
            active[transfer.easy] = transfer
        case .cancel(let transfer):
            guard transfer.driverState.added, !transfer.driverState.finished else { return }
            finish(transfer, error: HTTPClientError(kind: .cancelled, message: "the request was cancelled", url: transfer.url))
        case .resume(let transfer):
            guard transfer.driverState.added, !transfer.driverState.finished, transfer.driverState.pausedByConsumer else { return }
            transfer.driverState.pausedByConsumer = false
            transfer.driverState.lastActivity = .now
            // May call the write callback right away with the data held back while paused.
            _ = curl_easy_pause(transfer.easy, Int32(vigil_CURLPAUSE_CONT))
            collectPauses(transfer)
        }
    }

    private func abandon(_ transfer: CurlTransfer, message: String = "the HTTP client was shut down") {
        transfer.complete(HTTPClientError(kind: .cancelled, message: message, url: transfer.url))
        transfer.releaseHandle()
    }

    private func collectCompletions() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                let transfer = active[easy]
            else { continue }
            let code = message.pointee.data.result
            finish(transfer, error: code == CURLE_OK ? nil : HTTPClientError(curlCode: code, detail: transfer.errorText, url: transfer.url))
        }
        for transfer in active.values where transfer.pauseCount > 0 { collectPauses(transfer) }
    }

    private func collectPauses(_ transfer: CurlTransfer) {
        let n = transfer.pauseCount
        guard n > 0 else { return }
        transfer.pauseCount = 0
        var peak = 0
        if case .streaming(let buffer, _) = transfer.mode { peak = buffer.peakBytes }
        stats.withLock { s in
            s.streamPauses += n
            s.peakStreamBufferedBytes = max(s.peakStreamBufferedBytes, peak)
        }
    }

    /// Fails streams that saw no bytes for their idle timeout (not counting time paused by the
    /// consumer). Returns how long `curl_multi_poll` may sleep, in milliseconds.
    private func expireIdleStreams() -> Int {
        var wait = 1000
        let now = ContinuousClock.now
        for transfer in Array(active.values) {
            guard case .streaming(_, let idle?) = transfer.mode, !transfer.driverState.pausedByConsumer else { continue }
            let deadline = transfer.driverState.lastActivity + idle
            if deadline <= now {
                finish(transfer, error: HTTPClientError(kind: .idleTimeout, message: "no data received for \(idle)", url: transfer.url))
            } else {
                wait = min(wait, (deadline - now).curlMilliseconds)
            }
        }
        return wait
    }

    /// Removes the transfer from the multi handle, records statistics and delivers the outcome.
    private func finish(_ transfer: CurlTransfer, error: HTTPClientError?) {
        transfer.driverState.finished = true
        _ = curl_multi_remove_handle(multi, transfer.easy)
        active[transfer.easy] = nil
        var connects = 0
        _ = vigil_easy_getinfo_long(transfer.easy, CURLINFO_NUM_CONNECTS, &connects)
        var peak = 0
        if case .streaming(let buffer, _) = transfer.mode { peak = buffer.peakBytes }
        let pauses = transfer.pauseCount
        transfer.pauseCount = 0
        stats.withLock { s in
            s.transfersCompleted += 1
            s.connectionsOpened += connects
            s.streamPauses += pauses
            s.peakStreamBufferedBytes = max(s.peakStreamBufferedBytes, peak)
        }
        transfer.complete(error)
        transfer.releaseHandle()
    }
}
