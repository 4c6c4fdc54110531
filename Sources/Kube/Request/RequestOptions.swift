/// Query options of list and watch (`metav1.ListOptions`).
public struct ListOptions: Sendable, Hashable {
    public var labelSelector: String?
    public var fieldSelector: String?
    public var limit: Int?
    public var continueToken: String?
    public var resourceVersion: String?
    /// `Exact` or `NotOlderThan`.
    public var resourceVersionMatch: String?
    public var timeoutSeconds: Int?
    public var allowWatchBookmarks: Bool = false
    public var sendInitialEvents: Bool?

    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil, continueToken: String? = nil,
        resourceVersion: String? = nil, resourceVersionMatch: String? = nil, timeoutSeconds: Int? = nil,
        allowWatchBookmarks: Bool = false, sendInitialEvents: Bool? = nil
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
        self.timeoutSeconds = timeoutSeconds
        self.allowWatchBookmarks = allowWatchBookmarks
        self.sendInitialEvents = sendInitialEvents
    }

    var queryItems: [(String, String)] {
        var q: [(String, String)] = []
        if let v = labelSelector, !v.isEmpty { q.append(("labelSelector", v)) }
        if let v = fieldSelector, !v.isEmpty { q.append(("fieldSelector", v)) }
        if let v = limit { q.append(("limit", String(v))) }
        if let v = continueToken, !v.isEmpty { q.append(("continue", v)) }
        if let v = resourceVersion { q.append(("resourceVersion", v)) }
        if let v = resourceVersionMatch { q.append(("resourceVersionMatch", v)) }
        if let v = timeoutSeconds { q.append(("timeoutSeconds", String(v))) }
        if allowWatchBookmarks { q.append(("allowWatchBookmarks", "true")) }
        if let v = sendInitialEvents { q.append(("sendInitialEvents", v ? "true" : "false")) }
        return q
    }
}

/// Options of a write: `dryRun=All`, `fieldManager`, `fieldValidation`.
public struct WriteOptions: Sendable, Hashable {
    public var dryRun: Bool
    public var fieldManager: String?
    /// `Strict`, `Warn` or `Ignore`.
    public var fieldValidation: String?

    public init(dryRun: Bool = false, fieldManager: String? = nil, fieldValidation: String? = nil) {
        self.dryRun = dryRun
        self.fieldManager = fieldManager
        self.fieldValidation = fieldValidation
    }

    var queryItems: [(String, String)] {
        var q: [(String, String)] = []
        if dryRun { q.append(("dryRun", "All")) }
        if let m = fieldManager { q.append(("fieldManager", m)) }
        if let v = fieldValidation { q.append(("fieldValidation", v)) }
        return q
    }
}

/// `metav1.DeleteOptions`, sent as the DELETE body.
public struct DeleteOptions: Sendable, Hashable {
    public var preconditionUID: String?
    public var preconditionResourceVersion: String?
    /// `Orphan`, `Background` or `Foreground`.
    public var propagationPolicy: String?
    public var gracePeriodSeconds: Int64?
    public var dryRun: Bool

    public init(preconditionUID: String? = nil, preconditionResourceVersion: String? = nil, propagationPolicy: String? = nil,
        gracePeriodSeconds: Int64? = nil, dryRun: Bool = false)
    {
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.propagationPolicy = propagationPolicy
        self.gracePeriodSeconds = gracePeriodSeconds
        self.dryRun = dryRun
    }
}

/// How a PATCH body is to be read.
public enum PatchType: Sendable, Hashable {
    /// RFC 7386 JSON merge patch.
    case merge
    /// RFC 6902 JSON patch (use a `test` op on `/metadata/resourceVersion` as a precondition).
    case json
    /// Strategic merge patch (built-in kinds only).
    case strategic
    /// Server-side apply as `fieldManager`; `force` takes over conflicting fields.
    case apply(fieldManager: String, force: Bool)

    public var contentType: String {
        switch self {
        case .merge: return "application/merge-patch+json"
        case .json: return "application/json-patch+json"
        case .strategic: return "application/strategic-merge-patch+json"
        case .apply: return "application/apply-patch+yaml"
        }
    }
}
