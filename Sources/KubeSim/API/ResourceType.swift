/// Everything the simulator needs to know to serve one kind of resource:
/// where it lives in the URL space, how discovery describes it, and which
/// storage semantics apply (status split, generation, scale, …).
public struct ResourceType: Sendable, Hashable {
    public var group: String
    public var version: String
    public var kind: String
    public var plural: String
    public var singular: String
    public var shortNames: [String]
    public var namespaced: Bool
    public var subresources: [String]
    public var categories: [String]
    /// Bump `metadata.generation` when anything but metadata/status changes.
    public var tracksGeneration: Bool
    /// Verbs announced in discovery.
    public var verbs: [String]
    /// `DELETE` returns the object instead of a Success Status (pods, namespaces,
    /// custom resources do this in kube-apiserver).
    public var returnsDeletedObject: Bool
    /// PUT of an object that does not exist creates it.
    public var allowCreateOnUpdate: Bool
    /// True for kinds served from a CustomResourceDefinition.
    public var isCustom: Bool

    public init(
        group: String, version: String, kind: String, plural: String, singular: String? = nil,
        shortNames: [String] = [], namespaced: Bool, subresources: [String] = [], categories: [String] = [],
        tracksGeneration: Bool = false, verbs: [String] = ResourceType.allVerbs, returnsDeletedObject: Bool = false,
        allowCreateOnUpdate: Bool = false, isCustom: Bool = false
    ) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular ?? kind.lowercased()
        self.shortNames = shortNames
        self.namespaced = namespaced
        self.subresources = subresources
        self.categories = categories
        self.tracksGeneration = tracksGeneration
        self.verbs = verbs
        self.returnsDeletedObject = returnsDeletedObject
        self.allowCreateOnUpdate = allowCreateOnUpdate
        self.isCustom = isCustom
    }

    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    /// `v1` or `apps/v1`.
    public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// Same as `groupVersion`: what goes in an object's `apiVersion`.
    public var apiVersion: String { groupVersion }
    /// `pods` or `deployments.apps`, as error messages name a resource.
    public var groupResource: String { group.isEmpty ? plural : "\(plural).\(group)" }
    /// Storage key: one table per group + plural (versions share storage).
    public var storageKey: String { group.isEmpty ? plural : "\(group)/\(plural)" }
    public var listKind: String { kind + "List" }
    public var hasStatus: Bool { subresources.contains("status") }
    /// URL prefix of the group version: `/api/v1` or `/apis/apps/v1`.
    public var urlPrefix: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// The path of a collection or an object.
    public func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var p = urlPrefix
        if namespaced, let namespace { p += "/namespaces/\(namespace)" }
        p += "/\(plural)"
        if let name { p += "/\(name)" }
        if let subresource { p += "/\(subresource)" }
        return p
    }
}
