import Foundation

/// A child process for tests, killed (SIGKILL) by `stop()` — call it in a
/// `defer` so it also runs when an expectation fails.
final class TestProcess: @unchecked Sendable {
    // @unchecked: `process` is configured before launch and only read afterwards.
    let process: Process
    let name: String

    init(executable: String, arguments: [String], name: String) {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        self.name = name
    }

    /// Launches the process and returns the first line it prints on stdout (within `timeout`).
    /// The rest of stdout is drained in the background so the child never blocks on a full pipe.
    func launchReadingFirstLine(timeout: Duration = .seconds(10)) async throws -> String {
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let handle = out.fileHandleForReading
        let line: String? = await withCheckedContinuation { c in
            // A dedicated thread: blocking reads on GCD's pool stall it (it grows slowly on Linux).
            Thread.detachNewThread {
                var data = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { c.resume(returning: nil); return }
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
            throw TestProcessError(message: "\(name) exited before printing its first line")
        }
        return line
    }

    /// Launches a process that prints nothing useful; output goes to the null device.
    func launch() throws {
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        // Tests need no graceful shutdown, and a server draining slow requests would stall them.
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }
}

struct TestProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
