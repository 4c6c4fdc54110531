import Foundation
import VigilAPI
import VigilJSON
import VigilYAML
import Yams

/// An `ActionSpec` with every template rendered for one trigger instance:
/// what the executor carries out, with nothing left to decide. Rendering is
/// pure; it fails (and nothing runs) when a template names a value the
/// instance does not have, or renders to something unusable (an empty name,
/// a patch that is not YAML/JSON).
public enum RenderedAction: Sendable, Equatable {
    case deletePod(name: String, gracePeriodSeconds: Int64?)
    case delete(apiVersion: String, kind: String, name: String)
    case restart(kind: ActionSpec.WorkloadKind, name: String)
    case scale(kind: ActionSpec.WorkloadKind, name: String, replicas: Int64)
    case scaleDown(selectors: [ScaleDownAction.Target])
    case patch(apiVersion: String, kind: String, name: String, type: ActionSpec.PatchType, body: JSON)
    case resize(pod: String, container: String, memory: String?, cpu: String?)
    case debug(pod: String, targetContainer: String?, image: String, command: [String], args: [String], capture: Bool, timeout: Double)
    case job(template: JSON, wait: Bool, timeout: Double, capture: Bool)
    /// `body` nil: the caller's default payload (NamespacePolicy's, or the kind's own).
    case webhook(WebhookAction, body: [UInt8]?)
    case event(type: String, reason: String, message: String)
    /// The namespace of the context; `uid`, when given, is the delete's
    /// precondition (a namespace recreated under the name is left alone).
    case deleteNamespace(uid: String? = nil)
    case raiseMemory(ActionSpec.RaiseMemory)

    /// Renders `spec` over `values`.
    public static func render(_ spec: ActionSpec, _ values: TemplateValues) throws(ActionRenderError) -> RenderedAction {
        func r(_ t: ActionTemplate, _ field: String, nonEmpty: Bool = true) throws(ActionRenderError) -> String {
            let s: String
            do { s = try t.render(values) } catch { throw ActionRenderError(field: field, message: error.description) }
            if nonEmpty && s.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ActionRenderError(field: field, message: "template \(quoted(t.text)) rendered to an empty string; nothing was run")
            }
            return s
        }
        switch spec {
        case .deletePod(let d): return .deletePod(name: try r(d.name, "name"), gracePeriodSeconds: d.gracePeriodSeconds)
        case .delete(let o): return .delete(apiVersion: o.apiVersion, kind: o.kind, name: try r(o.name, "name"))
        case .restart(let w): return .restart(kind: w.kind, name: try r(w.name, "name"))
        case .scale(let s): return .scale(kind: s.kind, name: try r(s.name, "name"), replicas: s.replicas)
        case .scaleDown(let s): return .scaleDown(selectors: s.selectors)
        case .patch(let p):
            let name = try r(p.name, "name")
            let text = try r(p.patch, "patch")
            let body: JSON
            do {
                guard let node = try Yams.compose(yaml: text), let j = JSON(yaml: node) else { throw ActionRenderError(field: "patch", message: "the rendered patch is empty") }
                body = j
            } catch let e as ActionRenderError {
                throw e
            } catch {
                throw ActionRenderError(field: "patch", message: "the rendered patch is not YAML or JSON (\(error)): \(text.prefix(200))")
            }
            switch (p.type, body) {
            case (.json, .array): break
            case (.json, _): throw ActionRenderError(field: "patch", message: "a json patch must be a list of operations ([{op: replace, path: /spec/replicas, value: 2}])")
            case (_, .object): break
            default: throw ActionRenderError(field: "patch", message: "a \(p.type.rawValue) patch must be an object")
            }
            return .patch(apiVersion: p.apiVersion, kind: p.kind, name: name, type: p.type, body: body)
        case .resize(let z):
            return .resize(
                pod: try r(z.pod, "pod"), container: try r(z.container, "container"), memory: try z.memory.map { t throws(ActionRenderError) in try r(t, "memory") },
                cpu: try z.cpu.map { t throws(ActionRenderError) in try r(t, "cpu") })
        case .debug(let d):
            var command: [String] = []
            for (i, t) in d.command.enumerated() { command.append(try r(t, "command[\(i)]", nonEmpty: false)) }
            var args: [String] = []
            for (i, t) in d.args.enumerated() { args.append(try r(t, "args[\(i)]", nonEmpty: false)) }
            return .debug(
                pod: try r(d.pod, "pod"), targetContainer: try d.targetContainer.map { t throws(ActionRenderError) in try r(t, "targetContainer") }, image: d.image,
                command: command, args: args, capture: d.capture, timeout: d.effectiveTimeout.seconds)
        case .job(let j):
            let template: JSON
            do { template = try j.rendered(values) } catch { throw ActionRenderError(field: "template", message: error.description) }
            return .job(template: template, wait: j.wait, timeout: j.effectiveTimeout.seconds, capture: j.capture)
        case .webhook(let w, let body):
            guard let body else { return .webhook(w, body: nil) }
            let text = try r(body, "body")
            return .webhook(w, body: Array(text.utf8))
        case .event(let e): return .event(type: e.type.rawValue, reason: e.reason, message: try r(e.message, "message"))
        case .deleteNamespace: return .deleteNamespace()
        case .raiseMemory(let r): return .raiseMemory(r)
        }
    }

    /// The action's name as a spec spells it (`deletePod`, `webhook`,
    /// `raiseMemory`, …): the `action` label of `vigil_actions_total`.
    public var type: String {
        switch self {
        case .deletePod: "deletePod"
        case .delete: "delete"
        case .restart: "restart"
        case .scale: "scale"
        case .scaleDown: "scaleDown"
        case .patch: "patch"
        case .resize: "resize"
        case .debug: "debug"
        case .job: "job"
        case .webhook: "webhook"
        case .event: "event"
        case .deleteNamespace: "deleteNamespace"
        case .raiseMemory: "raiseMemory"
        }
    }

    /// What it acts on, for messages and status (`pod web-1`, `Deployment api`).
    public func target(namespace: String) -> String {
        switch self {
        case .deletePod(let n, _): "pod \(namespace)/\(n)"
        case .delete(_, let k, let n), .patch(_, let k, let n, _, _): "\(k) \(namespace)/\(n)"
        case .restart(let k, let n), .scale(let k, let n, _): "\(k.rawValue) \(namespace)/\(n)"
        case .scaleDown: "workloads of namespace \(namespace)"
        case .resize(let p, let c, _, _): "container \(c) of pod \(namespace)/\(p)"
        case .debug(let p, let c, _, _, _, _, _): "pod \(namespace)/\(p)" + (c.map { " (container \($0))" } ?? "")
        case .job: "a Job in \(namespace)"
        case .webhook(let w, _): w.url
        case .event: "an Event"
        case .deleteNamespace: "namespace \(namespace)"
        case .raiseMemory(let r): "container \(r.container) of \(r.target == .pod ? "pod" : r.target.rawValue) \(namespace)/\(r.name)"
        }
    }

    /// For people, without a subject: `delete pod shop/web-1`.
    public func summary(namespace: String) -> String {
        switch self {
        case .deletePod: "delete \(target(namespace: namespace))"
        case .delete: "delete \(target(namespace: namespace))"
        case .restart: "restart \(target(namespace: namespace))"
        case .scale(_, _, let n): "scale \(target(namespace: namespace)) to \(n)"
        case .scaleDown(let selectors):
            "scale \(selectors.map { "\($0.kind.rawValue)s matching \($0.labels?.description ?? "<everything>")" }.joined(separator: " and ")) in namespace \(namespace) to 0 replicas"
        case .patch(_, _, _, let t, _): "\(t.rawValue)-patch \(target(namespace: namespace))"
        case .resize(_, _, let m, let c): "resize \(target(namespace: namespace)) to" + (m.map { " memory \($0)" } ?? "") + (c.map { " cpu \($0)" } ?? "")
        case .debug(_, _, let image, let command, let args, _, _): "debug \(target(namespace: namespace)) with \(image): \((command + args).joined(separator: " "))"
        case .job: "run \(target(namespace: namespace))"
        case .webhook(let w, _): "send a webhook to \(w.url)"
        case .event(let t, let reason, _): "record a \(t) Event \(reason)"
        case .deleteNamespace: "delete namespace \(namespace)"
        case .raiseMemory(let r):
            "raise the memory limit of \(target(namespace: namespace)) from \(MemoryStep.quantity(bytes: r.fromLimit)) to \(MemoryStep.quantity(bytes: r.toLimit))"
                + (r.target == .pod ? " in place" : "")
        }
    }
}

/// A template that could not be rendered into a usable action.
public struct ActionRenderError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { "\(field): \(message)" }
}

