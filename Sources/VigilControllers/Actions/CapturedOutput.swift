/// The output an action captured (a thread dump, a Job's log): the full
/// text is kept in a ConfigMap owned by the resource; status and Events
/// carry this summary.
public struct CapturedOutput: Sendable, Equatable {
    /// The ConfigMap holding the full text (key `output`).
    public var configMap: String
    /// Size of the full output in bytes (before any truncation).
    public var bytes: Int
    /// The first lines, for status and Events.
    public var head: String
    /// The full text (for `{{outputs.N}}` in later actions); not stored in status.
    public var text: String

    /// `fullBytes`: the size before truncation (the stored text's size when nil).
    /// `bytes` larger than the stored text's size means the output was cut to fit a ConfigMap.
    public init(configMap: String, text: String, fullBytes: Int? = nil, headLines: Int = 5) {
        self.configMap = configMap
        self.bytes = fullBytes ?? text.utf8.count
        self.text = text
        self.head = text.split(separator: "\n", maxSplits: headLines, omittingEmptySubsequences: false).prefix(headLines).joined(separator: "\n")
    }
}
