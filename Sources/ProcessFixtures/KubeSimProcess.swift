import Foundation

/// A kube-sim process for one test, at `url`.
///
/// The binary is `$KUBE_SIM_BIN`, else `<package root>/.build/debug/kube-sim`
/// (found from `#filePath`), which `make test` builds before the tests run.
public final class KubeSimProcess: Sendable {
    public let url: String
    let process: ChildProcess

    public static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["KUBE_SIM_BIN"], !path.isEmpty { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/kube-sim").path
    }

    init(url: String, process: ChildProcess) {
        self.url = url
        self.process = process
    }

    /// Starts kube-sim on a free port; `workloads` turns the simulated
    /// controllers and kubelet on.
    public static func start(workloads: Bool = false, arguments: [String] = []) async throws -> KubeSimProcess {
        let path = binaryPath
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ChildProcessError(message: "kube-sim not found at \(path); run `swift build` first or set KUBE_SIM_BIN")
        }
        var args = ["--port", "0", "--log-level", "error"] + arguments
        if !workloads { args.append("--no-workloads") }
        let p = ChildProcess(executable: path, arguments: args, name: "kube-sim")
        let line = try await p.launchReadingFirstLine()
        guard line.hasPrefix("http://") else {
            p.stop()
            throw ChildProcessError(message: "kube-sim printed '\(line)' instead of its URL")
        }
        return KubeSimProcess(url: line.trimmingCharacters(in: .whitespaces), process: p)
    }

    public func stop() { process.stop() }

    public var port: Int { Int(url.split(separator: ":").last ?? "") ?? 0 }

    /// The kube-sim process' id (for its CPU time and memory).
    public var pid: Int32 { process.pid }

    /// `POST /sim/faults` with a JSON body.
    public func setFaults(_ json: String) async throws {
        let (status, body) = try await Self.curl(["-sS", "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", json, url + "/sim/faults"])
        guard status == 0 else { throw ChildProcessError(message: "POST /sim/faults failed: \(body)") }
    }

    /// `GET /sim/stats` as JSON text.
    public func stats() async throws -> String {
        let (status, body) = try await Self.curl(["-sS", url + "/sim/stats"])
        guard status == 0 else { throw ChildProcessError(message: "GET /sim/stats failed: \(body)") }
        return body
    }

    /// Runs the curl command line tool (control-plane calls of the fixture
    /// stay independent of the client under test).
    static func curl(_ args: [String]) async throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        // Read and reap on a thread of its own: never block the concurrency pool.
        let (data, status) = await withCheckedContinuation { (c: CheckedContinuation<(Data, Int32), Never>) in
            Thread.detachNewThread {
                let data = out.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                c.resume(returning: (data, p.terminationStatus))
            }
        }
        return (status, String(decoding: data, as: UTF8.self))
    }
}
