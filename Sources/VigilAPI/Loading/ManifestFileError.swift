/// A path given with `-f` that cannot be read as manifests.
public struct ManifestFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in words.
    public enum Problem: Sendable, Equatable {
        case notFound
        case permissionDenied
        case notUTF8(offset: Int)
        case emptyDirectory(recursive: Bool)
        case standardInputTwice
        case other(String)
    }

    /// The path as the user named it (or as found in a directory).
    public var path: String
    public var problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .notFound: return "\(path): not found"
        case .permissionDenied: return "\(path): permission denied"
        case .notUTF8(let offset): return "\(path): not UTF-8 text (invalid byte at offset \(offset)); manifests are YAML or JSON in UTF-8"
        case .emptyDirectory(let recursive):
            return "\(path): a directory with no .yaml, .yml or .json files" + (recursive ? "" : " (add -R to read its subdirectories)")
        case .standardInputTwice: return "-: standard input can be named only once"
        case .other(let message): return "\(path): \(message)"
        }
    }
}
