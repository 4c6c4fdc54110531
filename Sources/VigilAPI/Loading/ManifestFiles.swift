#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

/// Reads the files named by `-f` the way `kubectl apply -f` does: a file is
/// read whatever its name; a directory gives its `.yaml`, `.yml` and `.json`
/// files in name order (and, with `recursive`, those of its subdirectories);
/// `-` is standard input. Every failure says what is wrong in words (not
/// found, a directory with nothing to read, permission denied, not UTF-8),
/// and one unreadable path never hides the others.
public enum ManifestFiles {
    /// The endings a directory's files must have to be read (kubectl's).
    public static let extensions = ["json", "yaml", "yml"]

    /// One `-f` argument's files, in order: each read, or why not.
    /// `standardInput` is called at most once, for `-`.
    public static func read(
        _ paths: [String], recursive: Bool, standardInput: () -> [UInt8]
    ) -> [Result<ManifestText, ManifestFileError>] {
        var out: [Result<ManifestText, ManifestFileError>] = []
        var stdinRead = false
        for path in paths {
            if path == "-" {
                if stdinRead {
                    out.append(.failure(ManifestFileError(path: "-", problem: .standardInputTwice)))
                    continue
                }
                stdinRead = true
                out.append(text(standardInput(), source: "<stdin>"))
                continue
            }
            switch kind(of: path) {
            case .failure(let e):
                out.append(.failure(e))
            case .success(.directory):
                let files = manifestFiles(in: path, recursive: recursive)
                switch files {
                case .failure(let e): out.append(.failure(e))
                case .success(let list) where list.isEmpty:
                    out.append(.failure(ManifestFileError(path: path, problem: .emptyDirectory(recursive: recursive))))
                case .success(let list):
                    out.append(contentsOf: list.map(readFile))
                }
            case .success(.file):
                out.append(readFile(path))
            }
        }
        return out
    }

    /// The text of `bytes`, or `notUTF8` naming the first bad byte's offset.
    public static func text(_ bytes: [UInt8], source: String) -> Result<ManifestText, ManifestFileError> {
        if let bad = firstInvalidUTF8Offset(bytes) {
            return .failure(ManifestFileError(path: source, problem: .notUTF8(offset: bad)))
        }
        return .success(ManifestText(source: source, text: String(decoding: bytes, as: UTF8.self)))
    }

    /// The offset of the first byte that does not begin or continue a valid
    /// UTF-8 sequence; nil when all of it is valid.
    public static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// The words for an `errno` from opening or reading `path`.
    public static func problem(errno code: Int32) -> ManifestFileError.Problem {
        switch code {
        case ENOENT, ENOTDIR: return .notFound
        case EACCES, EPERM: return .permissionDenied
        default: return .other(String(cString: strerror(code)))
        }
    }

    enum Kind { case file, directory }

    static func kind(of path: String) -> Result<Kind, ManifestFileError> {
        var st = stat()
        guard stat(path, &st) == 0 else {
            return .failure(ManifestFileError(path: path, problem: problem(errno: errno)))
        }
        return .success((st.st_mode & S_IFMT) == S_IFDIR ? .directory : .file)
    }

    /// The manifest files below `directory` in name order; subdirectories
    /// are entered where they fall in that order, and only when `recursive`
    /// (the order of Go's filepath.Walk, which `kubectl apply -R` uses).
    static func manifestFiles(in directory: String, recursive: Bool) -> Result<[String], ManifestFileError> {
        guard let dir = opendir(directory) else {
            return .failure(ManifestFileError(path: directory, problem: problem(errno: errno)))
        }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        var out: [String] = []
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        for name in names.sorted() {
            let path = base + name
            switch kind(of: path) {
            case .failure(let e): return .failure(e)
            case .success(.directory):
                guard recursive else { continue }
                switch manifestFiles(in: path, recursive: true) {
                case .failure(let e): return .failure(e)
                case .success(let sub): out.append(contentsOf: sub)
                }
            case .success(.file):
                if let dot = name.lastIndex(of: "."), extensions.contains(String(name[name.index(after: dot)...])) { out.append(path) }
            }
        }
        return .success(out)
    }

    static func readFile(_ path: String) -> Result<ManifestText, ManifestFileError> {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .failure(ManifestFileError(path: path, problem: problem(errno: errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(ManifestFileError(path: path, problem: problem(errno: errno)))
            }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return text(bytes, source: path)
    }
}
