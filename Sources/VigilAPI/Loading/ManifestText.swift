/// One manifest file's text and the name messages give it.
public struct ManifestText: Sendable, Equatable {
    /// The path as found (`config/samples/a.yaml`), or `<stdin>`.
    public var source: String
    public var text: String

    public init(source: String, text: String) {
        self.source = source
        self.text = text
    }
}
