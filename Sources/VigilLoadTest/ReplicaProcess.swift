import Foundation

/// One replica process of the HA runs (`vigil-loadtest replica …`), its
/// output appended to a log file. `kill()` is a crash (SIGKILL, then reaped);
/// `terminate()` a graceful stop (SIGTERM).
public final class ReplicaProcess: @unchecked Sendable {
    // @unchecked: `process` is configured before launch and only read after.
    public let id: String
    public let port: Int
    public let logPath: String
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

    /// Resident set size in bytes (`VmRSS` from /proc), nil when gone.
    public var residentBytes: Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first
            return kb.map { $0 * 1024 }
        }
        return nil
    }

    /// CPU seconds used so far (user + system, from /proc/<pid>/stat).
    public var cpuSeconds: Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3; utime 14 and stime 15 (1-based in proc(5)).
        guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return nil }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    deinit { killNow() }
}

/// An HA run could not be set up or did not reach a state it waited for.
public struct HARunError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
