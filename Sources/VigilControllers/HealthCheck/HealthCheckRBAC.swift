import Kube
import Synchronization
import VigilAPI
import VigilJSON
import VigilRuntime

/// The ServiceAccount and rights a Job check's pod runs with (`level`, as
/// active-monitor): `namespace` makes a ServiceAccount, Role and
/// RoleBinding in the check's namespace, owned by the HealthCheck (so
/// Kubernetes deletes them with it); `cluster` binds the ServiceAccount to
/// a ClusterRole through a ClusterRoleBinding, which a namespaced owner
/// cannot own, so the HealthCheck carries the finalizer
/// `vigil.dev/healthcheck-rbac` and Vigil deletes them when it goes.
/// The rules are `rbacRules`, or `HealthCheckSpec.defaultRules`.
final class HealthCheckRBAC: Sendable {
    static let finalizer = "vigil.dev/healthcheck-rbac"
    static let serviceAccounts = ResourceDescriptor(group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true)
    static let roles = ResourceDescriptor(group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", namespaced: true)
    static let roleBindings = ResourceDescriptor(group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings", namespaced: true)
    static let clusterRoles = ResourceDescriptor(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles", namespaced: false)
    static let clusterRoleBindings = ResourceDescriptor(
        group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings", namespaced: false)

    let client: KubeClient

    init(client: KubeClient) {
        self.client = client
    }

    /// What was last made sure of per HealthCheck UID (level and rules) and when, so a run does not
    /// repeat it; after `recheckInterval` it is made sure of again (an object deleted by hand comes back).
    let ensured = Mutex<[String: (wanted: JSON, at: Double)]>([:])
    static let recheckInterval = 600.0

    /// `vigil-hc-<name>`: the ServiceAccount, Role and RoleBinding of a namespace-level check.
    static func accountName(_ check: String) -> String { KubernetesNames.truncated("vigil-hc-" + check, limit: 63) }

    /// `vigil-hc-<namespace>-<name>`: the ClusterRole and ClusterRoleBinding of a cluster-level check.
    static func clusterName(namespace: String, check: String) -> String { KubernetesNames.truncated("vigil-hc-\(namespace)-\(check)", limit: 253) }

    /// Makes sure the ServiceAccount and its rights exist as the spec says; returns the ServiceAccount's name.
    /// `now` is the reconciler's clock (seconds).
    func ensure(_ hc: HealthCheck, uid: String, level: HealthCheckSpec.Level, now: Double) async throws -> String {
        let ns = hc.namespace ?? ""
        let account = Self.accountName(hc.name)
        let rules = JSON.array(hc.spec.rbacRules ?? HealthCheckSpec.defaultRules)
        let wanted: JSON = ["level": .string(level.rawValue), "rules": rules]
        if let last = ensured.withLock({ $0[uid] }), last.wanted == wanted, now - last.at < Self.recheckInterval { return account }
        let owner: JSON = [[
            "apiVersion": .string(HealthCheck.apiVersion), "kind": .string(HealthCheck.kind), "name": .string(hc.name), "uid": .string(uid),
            "blockOwnerDeletion": false, "controller": true,
        ]]
        let labels: JSON = ["app.kubernetes.io/managed-by": "vigil", "vigil.dev/healthcheck": .string(HealthCheckReconciler.labelValue(hc.name))]
        let check = "HealthCheck \(ns)/\(hc.name)"
        try await upsert(Self.serviceAccounts, namespace: ns, uid: uid, of: check, ["metadata": ["name": .string(account), "namespace": .string(ns), "labels": labels, "ownerReferences": owner]])
        let subject: JSON = [["kind": "ServiceAccount", "name": .string(account), "namespace": .string(ns)]]
        switch level {
        case .namespace:
            try await upsert(Self.roles, namespace: ns, uid: uid, of: check, ["metadata": ["name": .string(account), "namespace": .string(ns), "labels": labels, "ownerReferences": owner], "rules": rules])
            try await upsert(Self.roleBindings, namespace: ns, uid: uid, of: check, [
                "metadata": ["name": .string(account), "namespace": .string(ns), "labels": labels, "ownerReferences": owner],
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": .string(account)], "subjects": subject,
            ])
        case .cluster:
            try await addFinalizer(hc, uid: uid)
            let name = Self.clusterName(namespace: ns, check: hc.name)
            var clusterLabels = labels
            clusterLabels["vigil.dev/healthcheck-namespace"] = .string(ns)
            clusterLabels["vigil.dev/healthcheck-uid"] = .string(uid)
            try await upsert(Self.clusterRoles, namespace: nil, uid: uid, of: check, ["metadata": ["name": .string(name), "labels": clusterLabels], "rules": rules])
            try await upsert(Self.clusterRoleBindings, namespace: nil, uid: uid, of: check, [
                "metadata": ["name": .string(name), "labels": clusterLabels],
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(name)], "subjects": subject,
            ])
        }
        ensured.withLock { $0[uid] = (wanted, now) }
        return account
    }

    /// Creates `body`, or brings an existing one's rules, roleRef and subjects to it — only when it
    /// belongs to the check (`uid` in its ownerReferences, or in its `vigil.dev/healthcheck-uid` label
    /// for cluster objects): someone else's object of the same name is never taken over.
    func upsert(_ d: ResourceDescriptor, namespace: String?, uid: String, of check: String, _ body: JSON) async throws {
        var object = body
        object["apiVersion"] = .string(d.group.isEmpty ? d.version : "\(d.group)/\(d.version)")
        object["kind"] = .string(d.kind)
        let name = body[path: ["metadata", "name"]]?.stringValue ?? ""
        do {
            _ = try await client.send(.create(d, namespace: namespace, body: object.serialized()))
            return
        } catch {
            if !error.isAlreadyExists { throw ActionExecutor.classify(error, verb: "create", resource: d.plural, group: d.group, namespace: namespace, name: name) }
        }
        let existing: JSON
        do {
            existing = try JSON.parse(try await client.send(.get(d, namespace: namespace, name: name)).body)
        } catch let error as KubeError {
            throw ActionExecutor.classify(error, verb: "get", resource: d.plural, group: d.group, namespace: namespace, name: name)
        }
        let owned = (existing[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).contains { $0["uid"]?.stringValue == uid }
            || existing[path: ["metadata", "labels", "vigil.dev/healthcheck-uid"]]?.stringValue == uid
        guard owned else {
            throw PermanentEffectFailure(
                "\(d.kind) \(namespace.map { "\($0)/" } ?? "")\(name) already exists and does not belong to \(check): Vigil does not take it over; delete it, or rename the check")
        }
        var patch = JSONObject()
        for k in ["rules", "roleRef", "subjects"] { if let v = body[k] { patch[k] = v } }
        guard !patch.isEmpty else { return }
        do {
            _ = try await client.patch(d, namespace: namespace, name: name, type: .merge, body: JSON.object(patch).serialized())
        } catch {
            throw ActionExecutor.classify(error, verb: "patch", resource: d.plural, group: d.group, namespace: namespace, name: name)
        }
    }

    func addFinalizer(_ hc: HealthCheck, uid: String) async throws {
        var finalizers = hc.metadata["finalizers"]?.arrayValue ?? []
        if finalizers.contains(.string(Self.finalizer)) { return }
        finalizers.append(.string(Self.finalizer))
        let patch: JSON = ["metadata": ["uid": .string(uid), "finalizers": .array(finalizers)]]
        do {
            _ = try await client.patch(HealthCheckObject.descriptor, namespace: hc.namespace, name: hc.name, type: .merge, body: patch.serialized())
        } catch {
            throw ActionExecutor.classify(error, verb: "patch", resource: HealthCheck.plural, group: HealthCheck.group, namespace: hc.namespace, name: hc.name)
        }
    }

    /// A deleted cluster-level check: deletes its ClusterRoleBinding and ClusterRole, then lets it go.
    func finalize(_ object: HealthCheckObject, uid: String) async throws {
        ensured.withLock { _ = $0.removeValue(forKey: uid) }
        let finalizers = object.metadata.finalizers ?? []
        guard finalizers.contains(Self.finalizer), let ns = object.metadata.namespace, let name = object.metadata.name else { return }
        let cluster = Self.clusterName(namespace: ns, check: name)
        for d in [Self.clusterRoleBindings, Self.clusterRoles] {
            do {
                try await client.delete(d, name: cluster)
            } catch {
                if !error.isNotFound { throw error }
            }
        }
        let rest = finalizers.filter { $0 != Self.finalizer }
        let patch: JSON = [
            .obj(["op": "test", "path": "/metadata/resourceVersion", "value": .string(object.metadata.resourceVersion ?? "")]),
            .obj(["op": "replace", "path": "/metadata/finalizers", "value": .array(rest.map { .string($0) })]),
        ]
        do {
            _ = try await client.patch(HealthCheckObject.descriptor, namespace: ns, name: name, type: .json, body: patch.serialized())
        } catch {
            // Gone, or changed since it was read: the next reconcile looks again.
            if !(error.isNotFound || error.isConflict || error.statusCode == 422) { throw error }
        }
    }
}
