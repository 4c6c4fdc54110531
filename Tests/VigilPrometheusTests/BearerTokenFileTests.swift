import Foundation
import Testing

@testable import VigilPrometheus

/// The bearer token reader picks up a rotated Secret.
@Suite struct BearerTokenFileTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-token-\(UUID().uuidString)").path
    }

    @Test func reReadsWhenTheFileChanges() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "first-token\n".write(toFile: path, atomically: false, encoding: .utf8)
        let reader = BearerTokenFile(path: path)
        #expect(try reader.token() == "first-token")

        // Same size, different content and modification time: a rotation a size check alone misses.
        try "other-token\n".write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: path)
        #expect(try reader.token() == "other-token")

        // Replaced atomically (as kubelet's symlink swap does), with another size.
        try "rotated-token-longer".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try reader.token() == "rotated-token-longer")
    }

    @Test func keepsTheCachedTokenWhileTheFileIsUnchanged() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "abc".write(toFile: path, atomically: false, encoding: .utf8)
        let mtime = Date(timeIntervalSince1970: 1_700_000_000)
        try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: path)
        let reader = BearerTokenFile(path: path)
        #expect(try reader.token() == "abc")
        // Rewritten behind the reader's back with the same size and mtime: not re-read.
        try "xyz".write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: path)
        #expect(try reader.token() == "abc")
    }

    @Test func missingAndEmptyFilesAreErrors() throws {
        let path = temporaryPath()
        let reader = BearerTokenFile(path: path)
        #expect(throws: BearerTokenFile.ReadError.self) { try reader.token() }
        try "\n".write(toFile: path, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try reader.token()
            Issue.record("an empty token was accepted")
        } catch {
            #expect(error.message == "is empty")
        }
    }

    @Test func clientErrorNamesURLAndPath() async throws {
        let path = temporaryPath()
        let client = try PrometheusClient(source: PrometheusSource(name: "m", url: "http://127.0.0.1:1", bearerTokenFile: path))
        defer { client.shutdown() }
        do {
            _ = try await client.alerts()
            Issue.record("alerts() succeeded without a token")
        } catch {
            guard case .tokenFile = error else {
                Issue.record("expected .tokenFile, got \(error)")
                return
            }
            #expect(error.description.contains("http://127.0.0.1:1"))
            #expect(error.description.contains(path))
        }
    }
}
