import Foundation

/// A child process for tests, killed (SIGKILL) by `stop()`: call it in a
/// `defer` so it also runs when an expectation fails.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `process` is configured before launch and only read afterwards.
    let process: Process
    public let name: String

    public init(executable: String, arguments: [String], name: String) {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // Never the test process's own standard input (children inherited it).
        process.standardInput = FileHandle.nullDevice
        self.name = name
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Launches the process and returns the first line it prints on stdout
    /// (within `timeout`). The rest of stdout is drained in the background
    /// so the child never blocks on a full pipe.
    public func launchReadingFirstLine(timeout: Duration = .seconds(20)) async throws -> String {
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let handle = out.fileHandleForReading
        let line: String? = await withCheckedContinuation { c in
            // A dedicated thread: blocking reads on the global pool stall it.
            Thread.detachNewThread {
                var data = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty {
                        c.resume(returning: nil)
                        return
                    }
                    data.append(chunk)
                    if let nl = data.firstIndex(of: UInt8(ascii: "\n")) {
                        c.resume(returning: String(decoding: data[..<nl], as: UTF8.self))
                        while !handle.availableData.isEmpty {}
                        return
                    }
                }
            }
        }
        guard let line else {
            stop()
            throw ChildProcessError(message: "\(name) exited before printing its first line")
        }
        return line
    }

    /// Launches a process whose output is not needed.
    public func launch() throws {
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// SIGKILL; the process is reaped on a thread of its own, so `stop()`
    /// never blocks a thread of the concurrency pool (tests call it from
    /// `defer` in async code).
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        let process = process
        Thread.detachNewThread { process.waitUntilExit() }
    }

    deinit { stop() }
}

/// A test fixture could not be set up.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ChildProcessError(message: "socket() failed") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sp in
            bind(fd, sp, len) == 0 && getsockname(fd, sp, &len) == 0
        }
    }
    guard ok else { throw ChildProcessError(message: "bind() failed") }
    return Int(UInt16(bigEndian: addr.sin_port))
}
