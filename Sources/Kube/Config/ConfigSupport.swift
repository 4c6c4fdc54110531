import VigilJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard base64 as Go's `encoding/base64.StdEncoding` reads it: decoding
/// reports the offset of a bad byte (kubeconfig errors name it); encoding is
/// VigilJSON's `Base64`.
enum ConfigBase64 {
    static func encode(_ bytes: [UInt8]) -> String { Base64.encode(bytes) }

    /// Decodes; CR/LF are skipped (as Go does). On failure returns the offset
    /// of the offending input byte, like Go's `CorruptInputError`.
    /// Missing trailing padding is tolerated.
    static func decode(_ text: String) -> Result<[UInt8], DecodeError> {
        struct Sextets { var values: [UInt8] = []; var offsets: [Int] = [] }
        var s = Sextets()
        var padding = 0
        var paddingStart = -1
        for (offset, byte) in text.utf8.enumerated() {
            if byte == 0x0A || byte == 0x0D { continue }
            if byte == UInt8(ascii: "=") {
                if paddingStart < 0 { paddingStart = offset }
                padding += 1
                continue
            }
            if padding > 0 { return .failure(DecodeError(offset: offset)) }
            let v: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            default: return .failure(DecodeError(offset: offset))
            }
            s.values.append(v)
            s.offsets.append(offset)
        }
        let count = s.values.count
        let tail = count % 4
        if tail == 1 {
            return .failure(DecodeError(offset: s.offsets[count - 1]))
        }
        if padding > 0 {
            let expected = tail == 0 ? 0 : 4 - tail
            if padding > expected { return .failure(DecodeError(offset: paddingStart + expected)) }
        }
        var out: [UInt8] = []
        out.reserveCapacity(count * 3 / 4)
        var i = 0
        while i + 4 <= count {
            let n = UInt32(s.values[i]) << 18 | UInt32(s.values[i + 1]) << 12 | UInt32(s.values[i + 2]) << 6 | UInt32(s.values[i + 3])
            out += [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
            i += 4
        }
        if tail == 2 {
            let n = UInt32(s.values[i]) << 18 | UInt32(s.values[i + 1]) << 12
            out.append(UInt8(n >> 16 & 0xFF))
        } else if tail == 3 {
            let n = UInt32(s.values[i]) << 18 | UInt32(s.values[i + 1]) << 12 | UInt32(s.values[i + 2]) << 6
            out += [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF)]
        }
        return .success(out)
    }

    struct DecodeError: Error {
        var offset: Int
        var message: String { "illegal base64 data at input byte \(offset)" }
    }
}

/// Small POSIX file helpers (no Foundation).
enum ConfigFiles {
    struct Stamp: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var mtimeSeconds: Int64
        var mtimeNanoseconds: Int64
    }

    enum ReadError: Error {
        case notFound
        case other(String)

        var message: String {
            switch self {
            case .notFound: return "no such file or directory"
            case .other(let m): return m
            }
        }
    }

    static func errnoMessage(_ code: Int32) -> String {
        if let c = strerror(code) { return String(cString: c).lowercased() }
        return "errno \(code)"
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    static func stamp(_ path: String) -> Stamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if canImport(Darwin)
        let sec = Int64(st.st_mtimespec.tv_sec), nsec = Int64(st.st_mtimespec.tv_nsec)
        #else
        let sec = Int64(st.st_mtim.tv_sec), nsec = Int64(st.st_mtim.tv_nsec)
        #endif
        return Stamp(
            device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
            mtimeSeconds: sec, mtimeNanoseconds: nsec)
    }

    static func readFile(_ path: String) -> Result<[UInt8], ReadError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            return .failure(e == ENOENT ? .notFound : .other(errnoMessage(e)))
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                return .failure(.other(errnoMessage(e)))
            }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return .success(out)
    }

    static func isAbsolute(_ path: String) -> Bool { path.hasPrefix("/") }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Joins and lexically cleans (like Go's `filepath.Join`).
    static func join(_ base: String, _ relative: String) -> String {
        clean(base + "/" + relative)
    }

    static func clean(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !absolute {
                    parts.append(part)
                }
                continue
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func absolute(_ path: String) -> String {
        isAbsolute(path) ? clean(path) : join(currentDirectory(), path)
    }
}

/// The process environment as a dictionary (the default `environment` argument).
@usableFromInline
func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    #if canImport(Darwin)
    guard var pointer = _NSGetEnviron()?.pointee else { return result }
    #else
    guard var pointer = environ as UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? else { return result }
    #endif
    while let entry = pointer.pointee {
        let s = String(cString: entry)
        if let eq = s.firstIndex(of: "=") {
            let key = String(s[..<eq])
            if result[key] == nil { result[key] = String(s[s.index(after: eq)...]) }
        }
        pointer += 1
    }
    return result
}

extension String {
    var trimmedForConfig: String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}"]
        var s = Substring(self)
        while let f = s.first, ws.contains(f) { s.removeFirst() }
        while let l = s.last, ws.contains(l) { s.removeLast() }
        return String(s)
    }
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
