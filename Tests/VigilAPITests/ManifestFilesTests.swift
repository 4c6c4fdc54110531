import Foundation
import Testing
import VigilAPI

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ManifestFilesTests {
    /// A fresh directory with `files` (relative paths) written into it.
    private func tree(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-manifests-\(UUID().uuidString)")
        for (path, text) in files {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return dir
    }

    private func sources(_ results: [Result<ManifestText, ManifestFileError>], relativeTo dir: URL) -> [String] {
        results.map {
            switch $0 {
            case .success(let t): return String(t.source.dropFirst(dir.path.count + 1))
            case .failure(let e): return "error: \(e)"
            }
        }
    }

    @Test func aDirectoryGivesItsManifestFilesInNameOrderAndSubdirectoriesOnlyWhenRecursive() throws {
        let dir = try tree([
            "b.yaml": "b", "a.json": "a", "c.yml": "c", "README.md": "no", "x.YAML": "upper",
            "m/inner.yaml": "inner", "m/n/deeper.json": "deeper", "z/ignored.txt": "no",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let flat = ManifestFiles.read([dir.path], recursive: false) { [] }
        // Endings match exactly, as kubectl's filepath.Ext comparison does: x.YAML is not read.
        #expect(sources(flat, relativeTo: dir) == ["a.json", "b.yaml", "c.yml"])
        let deep = ManifestFiles.read([dir.path], recursive: true) { [] }
        // Go's filepath.Walk order: lexical, entering a directory where it falls.
        #expect(sources(deep, relativeTo: dir) == ["a.json", "b.yaml", "c.yml", "m/inner.yaml", "m/n/deeper.json"])
        if case .success(let first) = deep[3] { #expect(first.text == "inner") } else { Issue.record("m/inner.yaml not read") }
    }

    @Test func aFileIsReadWhateverItsNameAndStandardInputOnlyOnce() throws {
        let dir = try tree(["notes.txt": "kind: x"])
        defer { try? FileManager.default.removeItem(at: dir) }
        var stdinCalls = 0
        let results = ManifestFiles.read([dir.path + "/notes.txt", "-", "-"], recursive: false) {
            stdinCalls += 1
            return Array("from stdin".utf8)
        }
        #expect(stdinCalls == 1)
        #expect(results.count == 3)
        #expect((try? results[0].get().text) == "kind: x")
        #expect((try? results[1].get()) == ManifestText(source: "<stdin>", text: "from stdin"))
        #expect(results[2] == .failure(ManifestFileError(path: "-", problem: .standardInputTwice)))
    }

    @Test func errorsSayWhatIsWrongInWords() throws {
        let dir = try tree(["empty/sub/readme.md": "no"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = ManifestFiles.read([dir.path + "/missing.yaml", dir.path + "/empty"], recursive: false) { [] }
        #expect(results.map { r -> String in if case .failure(let e) = r { return e.description } else { return "read" } } == [
            "\(dir.path)/missing.yaml: not found",
            "\(dir.path)/empty: a directory with no .yaml, .yml or .json files (add -R to read its subdirectories)",
        ])
        let recursive = ManifestFiles.read([dir.path + "/empty"], recursive: true) { [] }
        #expect(recursive == [.failure(ManifestFileError(path: dir.path + "/empty", problem: .emptyDirectory(recursive: true)))])
        #expect(ManifestFileError(path: "a.yaml", problem: .emptyDirectory(recursive: true)).description
            == "a.yaml: a directory with no .yaml, .yml or .json files")
        // A path through a file is "not found" (ENOTDIR), as a person would put it.
        let through = ManifestFiles.read([dir.path + "/empty/sub/readme.md/x.yaml"], recursive: false) { [] }
        #expect(through == [.failure(ManifestFileError(path: dir.path + "/empty/sub/readme.md/x.yaml", problem: .notFound))])
    }

    @Test func errnoInWords() {
        #expect(ManifestFiles.problem(errno: ENOENT) == .notFound)
        #expect(ManifestFiles.problem(errno: EACCES) == .permissionDenied)
        #expect(ManifestFiles.problem(errno: EPERM) == .permissionDenied)
        #expect(ManifestFiles.problem(errno: EIO) == .other("Input/output error"))
        #expect(ManifestFileError(path: "a.yaml", problem: .permissionDenied).description == "a.yaml: permission denied")
    }

    @Test func notUTF8NamesTheFirstBadByte() {
        #expect(ManifestFiles.firstInvalidUTF8Offset(Array("kind: Pod # ünïcode ✓".utf8)) == nil)
        #expect(ManifestFiles.firstInvalidUTF8Offset([0x61, 0x62, 0xE9, 0x63]) == 2)          // Latin-1 é
        #expect(ManifestFiles.firstInvalidUTF8Offset([0x61, 0xE2, 0x9C]) == 1)                // truncated sequence
        #expect(ManifestFiles.firstInvalidUTF8Offset(Array("ok".utf8) + [0xFF]) == 2)
        let result = ManifestFiles.text([0x61, 0xC3], source: "x.yaml")
        #expect(result == .failure(ManifestFileError(path: "x.yaml", problem: .notUTF8(offset: 1))))
        #expect("\(ManifestFileError(path: "x.yaml", problem: .notUTF8(offset: 1)))"
            == "x.yaml: not UTF-8 text (invalid byte at offset 1); manifests are YAML or JSON in UTF-8")
    }
}
