import Foundation
import Kube
import VigilJSON

/// Writes core/v1 Events about a resource (`kubectl describe` and
/// `kubectl get events` show them). Failures are returned to the caller to
/// log, never thrown into a reconcile: an Event is a report, not an effect.
public struct EventRecorder: Sendable {
    let client: KubeClient
    /// `reportingInstance` and `source.host`: the replica.
    let instance: String

    public init(client: KubeClient, instance: String) {
        self.client = client
        self.instance = instance
    }

    /// The object an Event is about.
    public struct Subject: Sendable {
        public var apiVersion: String
        public var kind: String
        public var namespace: String
        public var name: String
        public var uid: String
        public init(apiVersion: String, kind: String, namespace: String, name: String, uid: String) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.namespace = namespace
            self.name = name
            self.uid = uid
        }
    }

    /// Records one Event; returns the error text if the API refused it.
    @discardableResult
    public func record(_ subject: Subject, type: String, reason: String, message: String, now: Date = Date()) async -> String? {
        let time = Self.timestamp(now)
        let micro = Self.microTimestamp(now)
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": [
                "name": .string("\(subject.name).\(String(UInt64(now.timeIntervalSince1970 * 1e9), radix: 16))\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"),
                "namespace": .string(subject.namespace),
            ],
            "involvedObject": [
                "apiVersion": .string(subject.apiVersion), "kind": .string(subject.kind), "namespace": .string(subject.namespace),
                "name": .string(subject.name), "uid": .string(subject.uid),
            ],
            "type": .string(type), "reason": .string(reason), "message": .string(String(message.prefix(1024))),
            "source": ["component": "vigil", "host": .string(instance)],
            "reportingComponent": "vigil.dev/controller", "reportingInstance": .string(instance),
            "firstTimestamp": .string(time), "lastTimestamp": .string(time), "eventTime": .string(micro), "count": 1, "action": .string(reason),
        ]
        do {
            _ = try await client.send(.create(.events, namespace: subject.namespace, body: event.serialized()))
            return nil
        } catch {
            return "\(error)"
        }
    }

    static func timestamp(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }

    static func microTimestamp(_ d: Date) -> String {
        let seconds = d.timeIntervalSince1970
        let whole = floor(seconds)
        let micros = Int((seconds - whole) * 1_000_000)
        let base = timestamp(Date(timeIntervalSince1970: whole)).dropLast()  // drop "Z"
        return base + "." + String(format: "%06d", micros) + "Z"
    }
}
