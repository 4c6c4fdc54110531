import Foundation
import ProcessFixtures

/// Certificates made with the `openssl` CLI in a temporary directory, and an nginx
/// (`listen … ssl http2`, `ssl_verify_client on`) proxying to a kube-sim.
///
/// Files: `ca.crt` (trusted by nginx for client certs and by the client), `server.crt/key`
/// (SAN IP:127.0.0.1 and DNS:vigil-test.local), `client.crt/key` (signed by the CA),
/// `other-ca.crt` and `rogue-client.crt/key` (signed by another CA).
final class TLSFixture: Sendable {
    static let serverDNSName = "vigil-test.local"
    static let nginxPath = "/usr/sbin/nginx"
    static let opensslPath = "/usr/bin/openssl"

    let directory: URL
    let url: String
    let port: Int
    private let nginx: ChildProcess
    private let sim: KubeSimProcess

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: directory.appendingPathComponent(name))) }

    private init(directory: URL, url: String, port: Int, nginx: ChildProcess, sim: KubeSimProcess) {
        self.directory = directory
        self.url = url
        self.port = port
        self.nginx = nginx
        self.sim = sim
    }

    /// Fails (never skips) when nginx or openssl is missing: `.ci/run` installs both.
    static func start() async throws -> TLSFixture {
        for tool in [nginxPath, opensslPath] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw ChildProcessError(message: "\(tool) is missing: install Debian's nginx-light and openssl (see .ci/run)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        do {
            // openssl runs are blocking; keep them off the (small) cooperative pool.
            try await offPool { try makeCertificates(in: dir) }
        } catch {
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
        let sim = try await KubeSimProcess.start()
        do {
            let port = try freeLoopbackPort()
            let conf = """
                daemon off;
                master_process off;
                worker_processes 1;
                pid \(dir.path)/nginx.pid;
                error_log \(dir.path)/error.log warn;
                events { worker_connections 256; }
                http {
                    access_log off;
                    client_body_temp_path \(dir.path)/body;
                    proxy_temp_path \(dir.path)/proxy;
                    fastcgi_temp_path \(dir.path)/fastcgi;
                    uwsgi_temp_path \(dir.path)/uwsgi;
                    scgi_temp_path \(dir.path)/scgi;
                    server {
                        listen 127.0.0.1:\(port) ssl http2;
                        ssl_certificate \(dir.path)/server.crt;
                        ssl_certificate_key \(dir.path)/server.key;
                        ssl_client_certificate \(dir.path)/ca.crt;
                        ssl_verify_client on;
                        location / {
                            proxy_pass http://127.0.0.1:\(sim.port);
                            proxy_http_version 1.1;
                            proxy_buffering off;
                        }
                    }
                }
                """
            try conf.write(to: dir.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
            let nginx = ChildProcess(executable: nginxPath, arguments: ["-p", dir.path, "-c", dir.path + "/nginx.conf", "-e", dir.path + "/error.log"], name: "nginx")
            try nginx.launch()
            let fixture = TLSFixture(directory: dir, url: "https://127.0.0.1:\(port)", port: port, nginx: nginx, sim: sim)
            // Wait until nginx accepts connections.
            for _ in 0..<200 {
                if canConnect(port: port) { return fixture }
                guard nginx.isRunning else { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            let log = (try? String(contentsOf: dir.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
            fixture.stop()
            throw ChildProcessError(message: "nginx did not start: \(log)")
        } catch {
            sim.stop()
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
    }

    func stop() {
        nginx.stop()
        sim.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func makeCertificates(in dir: URL) throws {
        func openssl(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: opensslPath)
            p.arguments = args
            p.currentDirectoryURL = dir
            p.standardOutput = FileHandle.nullDevice
            let err = Pipe()
            p.standardError = err
            try p.run()
            let msg = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else {
                throw ChildProcessError(message: "openssl \(args.joined(separator: " ")): \(String(decoding: msg, as: UTF8.self))")
            }
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ["ca", "other-ca"] {
            try openssl(["req", "-x509"] + ec + ["-keyout", "\(ca).key", "-out", "\(ca).crt", "-days", "2", "-subj", "/CN=vigil test \(ca)",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        }
        try "subjectAltName=IP:127.0.0.1,DNS:\(serverDNSName)\nextendedKeyUsage=serverAuth\n".write(to: dir.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(to: dir.appendingPathComponent("client.ext"), atomically: true, encoding: .utf8)
        for (name, ca, ext) in [("server", "ca", "server.ext"), ("client", "ca", "client.ext"), ("rogue-client", "other-ca", "client.ext")] {
            try openssl(["req"] + ec + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=vigil-\(name)"])
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).crt", "-CAkey", "\(ca).key", "-CAcreateserial",
                "-out", "\(name).crt", "-days", "2", "-extfile", ext])
        }
    }
}

/// Runs blocking work on its own thread and awaits it.
func offPool(_ work: @escaping @Sendable () throws -> Void) async throws {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
        Thread.detachNewThread {
            do { try work(); c.resume() } catch { c.resume(throwing: error) }
        }
    }
}
