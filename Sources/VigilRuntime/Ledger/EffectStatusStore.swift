import Kube

/// The two calls the effect ledger needs from the API server: read an
/// object's `status.effects`, and replace that list only if the object is
/// still at the version read. `KubeClient` implements it; tests can fake it.
public protocol EffectStatusStore: Sendable {
    /// The object's ledger. Throws `EffectLedgerError.objectNotFound` when
    /// the object does not exist.
    func readEffects(_ resource: ResourceDescriptor, namespace: String, name: String) async throws -> EffectLedgerSnapshot

    /// Writes `entries` as the object's whole `status.effects` (other status
    /// fields untouched) if its resourceVersion is still
    /// `observed.resourceVersion`; returns `.conflict` when it is not.
    func writeEffects(
        _ entries: [EffectEntry], _ resource: ResourceDescriptor, namespace: String, name: String, observed: EffectLedgerSnapshot
    ) async throws -> EffectStatusWrite
}

/// The answer to a conditional ledger write.
public enum EffectStatusWrite: Sendable, Hashable {
    /// Written; the ledger as the server now has it.
    case written(EffectLedgerSnapshot)
    /// Someone wrote the object since it was read: re-read and decide again.
    case conflict
}
