/// Defaulting: the values an omitted field stands for, filled in. The API
/// server applies the same defaults from the CRD schema on every write,
/// except `spec.namespace`, which a schema cannot default to the object's
/// own namespace; this fills that in too. Pure: no clock, no I/O.
extension NamespacePolicy {
    /// A copy with every defaulted field set: `deactivated` and `dryRun`
    /// false, `namespace` the resource's own (when it has one),
    /// `podsSucceeded` `initialDelay` 60s / `period` 10s / `minSucceeded` 1,
    /// webhook `timeout` 10s / `maxAttempts` 5, `secretRef.key` `signing-key`.
    /// Applying it twice changes nothing more.
    public func defaulted() -> NamespacePolicy {
        var copy = self
        copy.spec = spec.defaulted(ownNamespace: namespace)
        return copy
    }
}

extension NamespacePolicySpec {
    /// A copy with every defaulted field set; `spec.namespace` becomes
    /// `ownNamespace` when it is unset and `ownNamespace` is known.
    public func defaulted(ownNamespace: String?) -> NamespacePolicySpec {
        var copy = self
        copy.deactivated = deactivated ?? false
        copy.dryRun = dryRun ?? false
        copy.namespace = namespace ?? ownNamespace
        copy.policies = policies.map { $0.defaulted() }
        return copy
    }
}

extension NamespacePolicyRule {
    /// A copy whose condition and action have their defaults set.
    public func defaulted() -> NamespacePolicyRule {
        var copy = self
        if case .podsSucceeded(var p) = condition {
            p.initialDelay = p.initialDelay ?? PodsSucceededCondition.defaultInitialDelay
            p.period = p.period ?? PodsSucceededCondition.defaultPeriod
            p.minSucceeded = p.minSucceeded ?? PodsSucceededCondition.defaultMinSucceeded
            copy.condition = .podsSucceeded(p)
        }
        if case .webhook(var w) = action {
            w.timeout = w.timeout ?? WebhookAction.defaultTimeout
            w.maxAttempts = w.maxAttempts ?? WebhookAction.defaultMaxAttempts
            if var ref = w.secretRef {
                ref.key = ref.key ?? WebhookAction.SecretKeyReference.defaultKey
                w.secretRef = ref
            }
            copy.action = .webhook(w)
        }
        return copy
    }
}
