/// A manifest file that cannot be read as resources: bad YAML, or a
/// document that is not an object. Says which document and where.
public struct ResourceFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as the user named it.
    public var source: String
    /// The document (counting from 1), when known.
    public var document: Int?
    /// What is wrong (`yaml: line 4, column 3: mapping values are not allowed in this context`).
    public var message: String

    public init(source: String, document: Int?, message: String) {
        self.source = source
        self.document = document
        self.message = message
    }

    public var description: String {
        "\(source)" + (document.map { ": document \($0)" } ?? "") + ": \(message)"
    }
}
