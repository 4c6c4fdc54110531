import Kube
import VigilJSON
import VigilRuntime

/// Keeps captured output in ConfigMaps owned by the resource that ran the
/// action (an ownerReference, so they go with it), named after the effect
/// key so a repeated attempt finds its own, and keeps the newest `keep` per
/// resource.
struct OutputStore: Sendable {
    /// Label on every output ConfigMap: the owning resource's UID.
    static let ownerLabel = "vigil.dev/output-of"
    /// Largest output stored (a ConfigMap holds at most 1 MiB in all).
    static let maxBytes = 900 * 1024

    let client: KubeClient
    let keep: Int

    /// `<resource>-out-<first 10 of the key>`, at most 253 characters.
    static func name(resource: String, key: EffectKey) -> String {
        let suffix = "-out-" + key.rawValue.prefix(10)
        return String(resource.prefix(253 - suffix.count)) + suffix
    }

    /// Stores `text`; an output already stored under the key is kept as it is.
    func save(_ text: String, action: String, source: String, owner: EventRecorder.Subject, key: EffectKey, dryRun: Bool) async throws -> CapturedOutput {
        let name = Self.name(resource: owner.name, key: key)
        var stored = text
        if text.utf8.count > Self.maxBytes {
            stored = String(decoding: Array(text.utf8.prefix(Self.maxBytes)), as: UTF8.self) + "\n… (truncated by Vigil: \(text.utf8.count) bytes in all)\n"
        }
        let cm: JSON = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": [
                "name": .string(name), "namespace": .string(owner.namespace),
                "labels": [.init(stringLiteral: Self.ownerLabel): .string(owner.uid), "app.kubernetes.io/managed-by": "vigil"],
                "annotations": ["vigil.dev/effect-key": .string(key.rawValue), "vigil.dev/action": .string(action), "vigil.dev/source": .string(source)],
                "ownerReferences": [[
                    "apiVersion": .string(owner.apiVersion), "kind": .string(owner.kind), "name": .string(owner.name), "uid": .string(owner.uid),
                    "blockOwnerDeletion": false, "controller": false,
                ]],
            ],
            "data": ["output": .string(stored)],
        ]
        do {
            _ = try await client.send(.create(.configMaps, namespace: owner.namespace, body: cm.serialized(), options: WriteOptions(dryRun: dryRun)))
        } catch {
            if !error.isAlreadyExists { throw ActionExecutor.classify(error, verb: "create", resource: "configmaps", namespace: owner.namespace, name: name) }
        }
        if !dryRun { await prune(owner) }
        return CapturedOutput(configMap: name, text: stored, fullBytes: text.utf8.count)
    }

    /// The stored output of `key`, if any.
    func load(owner: EventRecorder.Subject, key: EffectKey) async throws -> String? {
        let name = Self.name(resource: owner.name, key: key)
        do {
            let cm = try await client.get(ConfigMap.self, namespace: owner.namespace, name: name)
            return cm.data?["output"]
        } catch {
            if error.isNotFound { return nil }
            throw error
        }
    }

    /// Deletes all but the newest `keep` outputs of `owner` (best effort).
    func prune(_ owner: EventRecorder.Subject) async {
        guard let list = try? await client.listAll(ConfigMap.self, namespace: owner.namespace, options: ListOptions(labelSelector: "\(Self.ownerLabel)=\(owner.uid)")) else { return }
        let old = list.items.sorted { ($0.metadata.creationTimestamp ?? "", $0.metadata.name ?? "") > ($1.metadata.creationTimestamp ?? "", $1.metadata.name ?? "") }.dropFirst(keep)
        for cm in old {
            if let n = cm.metadata.name { _ = try? await client.delete(.configMaps, namespace: owner.namespace, name: n) }
        }
    }
}
