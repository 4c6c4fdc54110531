import Foundation

/// One replica process of the HA runs (`vigil-loadtest replica …`), its
/// output appended to a log file. `kill()` is a crash (SIGKILL, then reaped);
/// `terminate()` a graceful stop (SIGTERM).
public final class ReplicaProcess: @unchecked Sendable {
    // @unchecked: `process` is configured before launch and only read after.
    public let id: String
    public let port: Int
    public let logPath: String
    /// When it was started (wall clock, seconds since 1970).
    public let startedAt = Date().timeIntervalSince1970
    let process = Process()

    public init(executable: String, arguments: [String], id: String, port: Int, logPath: String) throws {
        self.id = id
        self.port = port
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else {
            throw HARunError(message: "cannot write the log file \(logPath)")
        }
        log.seekToEndOfFile()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// SIGKILL, then waits (polling, without blocking a thread of the
    /// concurrency pool) until the process is gone.
    public func kill() async {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// SIGKILL without waiting (for `deinit`).
    func killNow() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// SIGTERM; waits up to `timeout` seconds, then SIGKILL. Returns whether
    /// it exited by itself, and its exit status.
    @discardableResult
    public func terminate(timeout: Double) async -> (graceful: Bool, status: Int32) {
        guard process.isRunning else { return (true, process.terminationStatus) }
        Foundation.kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            await kill()
            return (false, process.terminationStatus)
        }
        return (true, process.terminationStatus)
    }

    /// Resident set size in bytes, nil when gone.
    public var residentBytes: Int? { ProcessUsage.residentBytes(pid: pid) }

    /// Peak resident set size (`VmHWM`), nil once the process is gone.
    public var peakResidentBytes: Int? { ProcessUsage.peakResidentBytes(pid: pid) }

    /// CPU seconds used so far (user + system), nil when gone.
    public var cpuSeconds: Double? { ProcessUsage.cpuSeconds(pid: pid) }

    deinit { killNow() }
}

/// An HA run could not be set up or did not reach a state it waited for.
public struct HARunError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
