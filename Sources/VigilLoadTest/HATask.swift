import Kube
import VigilJSON

/// The test resource of the HA runs: `HATask` (`test.vigil.dev/v1`), one per
/// namespace. `spec.effects` is how many effects to fire (one per reconcile,
/// each through the effect ledger, delivered to the receiver);
/// `spec.periodSeconds` is the pause between reconciles while effects remain
/// (and, with `spec.heartbeat`, forever: the failover benchmark's namespaces
/// are reconciled on every take-over and otherwise rarely);
/// `spec.workMillis` is how long each reconcile "works" between telling the
/// receiver it began and ended.
public enum HATask {
    public static let descriptor = ResourceDescriptor(group: "test.vigil.dev", version: "v1", kind: "HATask", plural: "hatasks", namespaced: true)

    /// The CRD that serves `hatasks` (with a status subresource for the ledger).
    public static let crd: JSON = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "hatasks.test.vigil.dev"],
        "spec": [
            "group": "test.vigil.dev", "scope": "Namespaced",
            "names": ["kind": "HATask", "plural": "hatasks", "singular": "hatask", "listKind": "HATaskList"],
            "versions": [
                [
                    "name": "v1", "served": true, "storage": true, "subresources": ["status": [:]],
                    "schema": [
                        "openAPIV3Schema": [
                            "type": "object",
                            "properties": [
                                "spec": [
                                    "type": "object",
                                    "properties": [
                                        "effects": ["type": "integer", "minimum": 0],
                                        "periodSeconds": ["type": "number"],
                                        "workMillis": ["type": "integer"],
                                        "heartbeat": ["type": "boolean"],
                                    ],
                                ],
                                "status": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                            ],
                        ]
                    ],
                ]
            ],
        ],
    ]

    /// One task object.
    public static func object(namespace: String, name: String = "task", effects: Int, periodSeconds: Double, workMillis: Int, heartbeat: Bool = false)
        -> JSON
    {
        [
            "apiVersion": "test.vigil.dev/v1", "kind": "HATask",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "spec": [
                "effects": .int(Int64(effects)), "periodSeconds": .double(periodSeconds), "workMillis": .int(Int64(workMillis)),
                "heartbeat": .bool(heartbeat),
            ],
        ]
    }

    /// The spec as the reconciler reads it (defaults for absent fields).
    public struct Spec: Sendable, Hashable {
        public var effects: Int
        public var periodSeconds: Double
        public var workMillis: Int
        public var heartbeat: Bool

        public init(_ spec: JSONValue?) {
            effects = Int(spec?["effects"]?.intValue ?? 0)
            switch spec?["periodSeconds"] {
            case .double(let d)?: periodSeconds = d
            case .int(let i)?: periodSeconds = Double(i)
            default: periodSeconds = 1
            }
            workMillis = Int(spec?["workMillis"]?.intValue ?? 0)
            if case .bool(let b)? = spec?["heartbeat"] { heartbeat = b } else { heartbeat = false }
        }
    }

    /// The trigger part of effect `index`'s key (stable across replicas).
    public static func trigger(namespace: String, name: String) -> String { "hatask/\(namespace)/\(name)" }
}
