import Foundation
import Kube
import Metrics
import VigilJSON

/// Writes core/v1 Events about a resource (`kubectl describe` and
/// `kubectl get events` show them). Failures are returned to the caller to
/// log, never thrown into a reconcile: an Event is a report, not an effect.
/// A recorder with a `spamFilter` (the controllers' own reports) drops the
/// Events past its per-object-and-reason rate and counts them in
/// `vigil_events_suppressed_total{reason}`; the action engine's recorder has
/// none, since an `event` action is an effect that must be written.
public struct EventRecorder: Sendable {
    let client: KubeClient
    /// `reportingInstance` and `source.host`: the replica.
    let instance: String
    let spamFilter: EventSpamFilter?

    public init(client: KubeClient, instance: String, spamFilter: EventSpamFilter? = nil) {
        self.client = client
        self.instance = instance
        self.spamFilter = spamFilter
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
        if let spamFilter, !spamFilter.allow(uid: subject.uid, reason: reason, now: now) {
            Counter(label: "vigil_events_suppressed_total", dimensions: [("reason", reason)]).increment()
            return nil
        }
        let micros = Int64((now.timeIntervalSince1970 * 1_000_000).rounded(.down))
        // metav1.Time has whole seconds; eventTime is a RFC3339Time.
        let time = RFC3339.text(microseconds: micros - micros % 1_000_000, alwaysFraction: false)
        let micro = RFC3339.text(microseconds: micros, alwaysFraction: true)
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": [
                "name": .string(Self.eventName(for: subject.name, suffix: "\(String(UInt64(now.timeIntervalSince1970 * 1e9), radix: 16))\(String(UInt32.random(in: 0...UInt32.max), radix: 16))")),
                "namespace": .string(subject.namespace),
            ],
            "involvedObject": [
                "apiVersion": .string(subject.apiVersion), "kind": .string(subject.kind), "namespace": .string(subject.namespace),
                "name": .string(subject.name), "uid": .string(subject.uid),
            ],
            "type": .string(type), "reason": .string(reason), "message": .string(Self.truncated(message, maxBytes: Self.messageLimit)),
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

    /// `<name>.<suffix>`, with `name` shortened so the whole stays a valid
    /// object name (a DNS-1123 subdomain of at most 253 characters): the API
    /// server refuses an Event with a longer name, and a resource's name may
    /// already be 253 characters long.
    static func eventName(for name: String, suffix: String) -> String {
        var prefix = Substring(name.prefix(max(0, 253 - 1 - suffix.count)))
        while let last = prefix.last, !(last.isASCII && (last.isLetter || last.isNumber)) { prefix = prefix.dropLast() }
        return prefix.isEmpty ? suffix : "\(prefix).\(suffix)"
    }

    /// The longest Event message the API server accepts, in UTF-8 bytes
    /// (Kubernetes' `NoteLengthLimit`; a longer one is refused with 422).
    static let messageLimit = 1024

    /// `text` cut to at most `maxBytes` UTF-8 bytes, on a character boundary.
    static func truncated(_ text: String, maxBytes: Int) -> String {
        if text.utf8.count <= maxBytes { return text }
        var bytes = 0
        var end = text.startIndex
        for i in text.indices {
            let next = text.index(after: i)
            let size = text.utf8.distance(from: i, to: next)
            if bytes + size > maxBytes { break }
            bytes += size
            end = next
        }
        return String(text[..<end])
    }
}
