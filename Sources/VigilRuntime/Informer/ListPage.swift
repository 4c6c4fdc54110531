/// One page of a list, as a `ListWatcher` returns it.
public struct ListPage<Object: Sendable>: Sendable {
    public var items: [Object]
    /// The collection's resourceVersion at the time of the list.
    public var resourceVersion: String
    /// The token of the next page; nil or empty on the last page.
    public var continueToken: String?

    public init(items: [Object], resourceVersion: String, continueToken: String? = nil) {
        self.items = items
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
    }
}
