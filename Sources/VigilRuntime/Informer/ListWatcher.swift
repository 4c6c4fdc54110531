import Kube

/// The two calls an informer needs from the API: one list page and a watch.
/// `KubeListWatcher` is the real one; tests substitute scripted ones.
public protocol ListWatcher<Object>: Sendable {
    associatedtype Object: Sendable
    /// One page of the collection (`limit`, `continue` set by the reflector).
    func list(_ options: ListOptions) async throws -> ListPage<Object>
    /// A watch from `options.resourceVersion`. The stream ends on a normal
    /// close and throws `KubeError.gone` for a too-old resourceVersion.
    func watch(_ options: ListOptions) -> AsyncThrowingStream<WatchEvent<Object>, any Error>
    /// Names the collection in metrics and errors (`configmaps`, `widgets.example.com`).
    var resourceName: String { get }
}

/// Lists and watches one collection through `KubeClient`, optionally one
/// namespace and selectors.
public struct KubeListWatcher<Object: Codable & Sendable>: ListWatcher {
    public let client: KubeClient
    public let descriptor: ResourceDescriptor
    public let namespace: String?
    public let labelSelector: String?
    public let fieldSelector: String?

    public init(client: KubeClient, descriptor: ResourceDescriptor, namespace: String? = nil, labelSelector: String? = nil,
        fieldSelector: String? = nil)
    {
        self.client = client
        self.descriptor = descriptor
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
    }

    public var resourceName: String { descriptor.group.isEmpty ? descriptor.plural : "\(descriptor.plural).\(descriptor.group)" }

    func withSelectors(_ options: ListOptions) -> ListOptions {
        var o = options
        o.labelSelector = labelSelector
        o.fieldSelector = fieldSelector
        return o
    }

    public func list(_ options: ListOptions) async throws -> ListPage<Object> {
        let resp = try await client.send(.list(descriptor, namespace: namespace, options: withSelectors(options)))
        let list = try KubeJSON.decode(ObjectList<Object>.self, from: resp.body)
        return ListPage(items: list.items, resourceVersion: list.metadata.resourceVersion ?? "", continueToken: list.metadata.continue)
    }

    public func watch(_ options: ListOptions) -> AsyncThrowingStream<WatchEvent<Object>, any Error> {
        // A watch that sends nothing (not even a bookmark) for well past its
        // own timeout is a dead connection.
        let idle = Duration.seconds((options.timeoutSeconds ?? 600) + 60)
        return client.watch(Object.self, descriptor, namespace: namespace, options: withSelectors(options), idleTimeout: idle)
    }
}
