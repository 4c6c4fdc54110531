/// Splits one poll's answers among the subscribers of a source, by the `namespace` label.
/// Pure: the poller supplies the registrations, the answers and the owned-namespace rule.
///
/// - A series or alert whose namespace this replica does not own is dropped for namespaced
///   subscribers (`not_owned`).
/// - One without a `namespace` label goes only to subscribers without a namespace; when the
///   need has none, it is dropped (`no_namespace`). A scalar counts as one such series.
/// - A subscriber with a namespace gets exactly that namespace's series; one without gets every
///   namespace's, owned or not (it is a resource this replica owns, allowed by the cluster to act
///   across namespaces), plus the unlabelled ones.
///
/// Items are sorted by their labels so that an unchanged answer yields an equal view.
public struct PrometheusPartition: Sendable {
    /// The per-subscriber content and warnings.
    public var contents: [String: (content: PrometheusView.Content, warnings: [String])] = [:]
    /// For alerts subscribers with an `alertName`: the other namespaces where it is active.
    public var elsewhere: [String: [String]] = [:]
    /// Series and alerts dropped because their namespace is not owned.
    public var droppedNotOwned = 0
    /// Series and alerts dropped because they have no `namespace` label and no subscriber of
    /// their need takes unlabelled data.
    public var droppedNoNamespace = 0

    /// Partitions `outcome` for `registrations` (all of one source). Registrations whose need
    /// is not in `outcome` (registered while the poll ran) get no entry.
    public init(registrations: [PrometheusRegistration], outcome: PrometheusPollOutcome, owned: (String) -> Bool) {
        var byNeed: [PrometheusRegistration.Need: [PrometheusRegistration]] = [:]
        for r in registrations { byNeed[r.need, default: []].append(r) }
        for (need, subscribers) in byNeed {
            switch need {
            case .alerts:
                guard let result = outcome.alerts else { continue }
                switch result {
                case .failure(let e):
                    for s in subscribers { contents[s.id] = (.failed(e), []) }
                case .success(let alerts):
                    let lookup = split(alerts, subscribers: subscribers, namespace: \.namespace, owned: owned)
                    var namespacesByName: [String: Set<String>] = [:]
                    for a in alerts { namespacesByName[a.name, default: []].insert(a.namespace ?? "") }
                    for s in subscribers {
                        guard let name = s.alertName else {
                            contents[s.id] = (.alerts(lookup(s.namespace)), [])
                            continue
                        }
                        contents[s.id] = (.alerts(lookup(s.namespace).filter { $0.name == name }), [])
                        if let ns = s.namespace {
                            let other = (namespacesByName[name] ?? []).subtracting([ns]).sorted()
                            if !other.isEmpty { elsewhere[s.id] = other }
                        }
                    }
                }
            case .query(let expr):
                guard let result = outcome.queries[expr] else { continue }
                switch result {
                case .failure(let e):
                    for s in subscribers { contents[s.id] = (.failed(e), []) }
                case .success(let answer):
                    let warnings = answer.warnings + answer.infos
                    switch answer.value {
                    case .vector(let samples):
                        let lookup = split(samples, subscribers: subscribers, namespace: \.namespace, owned: owned)
                        for s in subscribers { contents[s.id] = (.samples(lookup(s.namespace)), warnings) }
                    case .scalar(let v):
                        if !subscribers.contains(where: { $0.namespace == nil }) { droppedNoNamespace += 1 }
                        for s in subscribers { contents[s.id] = (s.namespace == nil ? .scalar(v) : .samples([]), warnings) }
                    }
                }
            }
        }
    }

    /// Groups `items` by namespace (counting drops) and returns a lookup from a subscriber's
    /// namespace to its items.
    private mutating func split<Item: PrometheusLabelled>(
        _ items: [Item], subscribers: [PrometheusRegistration], namespace: KeyPath<Item, String?>, owned: (String) -> Bool
    ) -> (String?) -> [Item] {
        let takesUnlabelled = subscribers.contains { $0.namespace == nil }
        var byNamespace: [String: [Item]] = [:]
        var all: [Item] = []
        for item in items.sorted(by: { $0.sortKey < $1.sortKey }) {
            guard let ns = item[keyPath: namespace] else {
                if takesUnlabelled { all.append(item) } else { droppedNoNamespace += 1 }
                continue
            }
            if takesUnlabelled { all.append(item) }
            guard owned(ns) else {
                droppedNotOwned += 1
                continue
            }
            byNamespace[ns, default: []].append(item)
        }
        return { ns in ns.map { byNamespace[$0] ?? [] } ?? all }
    }
}

/// A series or alert, ordered by its labels.
protocol PrometheusLabelled {
    var labels: [String: String] { get }
}

extension PrometheusLabelled {
    var sortKey: String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)\u{1}\($0.value)" }.joined(separator: "\u{2}")
    }
}

extension PrometheusSample: PrometheusLabelled {}
extension PrometheusAlert: PrometheusLabelled {}
