import Foundation
import VigilHTTP

/// A kube-sim process for one test: `kube-sim --port 0 --no-workloads`, URL from its first line.
///
/// The binary is `$KUBE_SIM_BIN`, else `<package root>/.build/debug/kube-sim` (found from
/// `#filePath`), which `swift test` builds along with the tests.
final class KubeSim: Sendable {
    let url: String
    private let process: TestProcess

    static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["KUBE_SIM_BIN"], !path.isEmpty { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/kube-sim").path
    }

    private init(url: String, process: TestProcess) {
        self.url = url
        self.process = process
    }

    static func start() async throws -> KubeSim {
        let path = binaryPath
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestProcessError(message: "kube-sim not found at \(path); build it or set KUBE_SIM_BIN")
        }
        let p = TestProcess(executable: path, arguments: ["--port", "0", "--no-workloads", "--log-level", "error"], name: "kube-sim")
        let line = try await p.launchReadingFirstLine()
        guard line.hasPrefix("http://") else {
            p.stop()
            throw TestProcessError(message: "kube-sim printed '\(line)' instead of its URL")
        }
        return KubeSim(url: line.trimmingCharacters(in: .whitespaces), process: p)
    }

    func stop() { process.stop() }

    var port: Int { Int(url.split(separator: ":").last ?? "") ?? 0 }

    /// `POST /sim/faults` with a JSON body, through a throwaway client.
    func setFaults(_ json: String) async throws {
        let client = try HTTPClient()
        defer { client.shutdown() }
        let r = try await client.execute(HTTPRequest(method: "POST", url: url + "/sim/faults", headers: [("Content-Type", "application/json")], body: Array(json.utf8)))
        guard r.status == 200 else { throw TestProcessError(message: "POST /sim/faults: \(r.status) \(String(decoding: r.body, as: UTF8.self))") }
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestProcessError(message: "socket() failed") }
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
    guard ok else { throw TestProcessError(message: "bind() failed") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
}
