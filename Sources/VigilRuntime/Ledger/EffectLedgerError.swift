/// Why the effect ledger could not be read or written.
public enum EffectLedgerError: Error, Sendable, CustomStringConvertible, Equatable {
    /// An entry of `status.effects` is not an effect record.
    case invalidEntry(index: Int, field: String, detail: String)
    /// `status.effects` is there but is not a list.
    case notAList(found: String)
    /// The object the ledger lives on does not exist (any more).
    case objectNotFound(resource: String, namespace: String, name: String)
    /// Every write lost to a concurrent writer, `attempts` times in a row.
    case tooManyConflicts(key: EffectKey, attempts: Int)
    /// The API server's answer could not be read.
    case unreadableResponse(detail: String)

    public var description: String {
        switch self {
        case .invalidEntry(let index, let field, let detail):
            return field.isEmpty
                ? "status.effects[\(index)]: \(detail)"
                : "status.effects[\(index)].\(field): \(detail)"
        case .notAList(let found):
            return "status.effects must be a list of effect records, found \(found); remove or fix the field"
        case .objectNotFound(let resource, let namespace, let name):
            return "\(resource) \(namespace)/\(name) not found: the effect ledger lives in its status"
        case .tooManyConflicts(let key, let attempts):
            return "effect \(key): lost \(attempts) status writes in a row to concurrent writers; will be decided again on the next reconcile"
        case .unreadableResponse(let detail):
            return "cannot read the API server's answer: \(detail)"
        }
    }
}
