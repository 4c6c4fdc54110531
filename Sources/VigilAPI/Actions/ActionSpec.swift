import VigilJSON

/// One runbook step, the vocabulary every resource kind shares (the action
/// engine in VigilControllers carries them out): exactly one of `deletePod`,
/// `delete`, `restart`, `scale`, `scaleDown`, `patch`, `resize`, `debug`,
/// `job`, `webhook`, `event`, `deleteNamespace`. Object names and texts are
/// `ActionTemplate`s over the trigger instance. Every object acted on is in
/// the namespace the trigger instance belongs to.
public enum ActionSpec: Sendable, Hashable {
    case deletePod(DeletePod)
    case delete(ObjectRef)
    case restart(Workload)
    case scale(Scale)
    case scaleDown(ScaleDownAction)
    case patch(Patch)
    case resize(Resize)
    case debug(Debug)
    case job(Job)
    case webhook(WebhookAction, body: ActionTemplate?)
    case event(Event)
    case deleteNamespace
    /// A MemoryScaler's step; never decoded from YAML (not in `fieldNames`).
    case raiseMemory(RaiseMemory)

    /// The member names, as the CRD and messages list them.
    public static let fieldNames = ["deletePod", "delete", "restart", "scale", "scaleDown", "patch", "resize", "debug", "job", "webhook", "event", "deleteNamespace"]

    public struct DeletePod: Sendable, Hashable {
        public var name: ActionTemplate
        public var gracePeriodSeconds: Int64?
        public init(name: ActionTemplate, gracePeriodSeconds: Int64? = nil) {
            self.name = name
            self.gracePeriodSeconds = gracePeriodSeconds
        }
    }

    /// Any object by apiVersion, kind and name (`delete`).
    public struct ObjectRef: Sendable, Hashable {
        public var apiVersion: String
        public var kind: String
        public var name: ActionTemplate
        public init(apiVersion: String, kind: String, name: ActionTemplate) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.name = name
        }
    }

    public enum WorkloadKind: String, Sendable, Hashable, CaseIterable {
        case deployment = "Deployment"
        case statefulSet = "StatefulSet"
        case daemonSet = "DaemonSet"
    }

    /// `restart`: a rollout restart, as `kubectl rollout restart` does it.
    public struct Workload: Sendable, Hashable {
        public var kind: WorkloadKind
        public var name: ActionTemplate
        public init(kind: WorkloadKind, name: ActionTemplate) {
            self.kind = kind
            self.name = name
        }
    }

    /// `scale`: set replicas, remembering the previous count for `vigil restore`.
    public struct Scale: Sendable, Hashable {
        public var kind: WorkloadKind
        public var name: ActionTemplate
        public var replicas: Int64
        public init(kind: WorkloadKind, name: ActionTemplate, replicas: Int64) {
            self.kind = kind
            self.name = name
            self.replicas = replicas
        }
    }

    public enum PatchType: String, Sendable, Hashable, CaseIterable {
        case merge, json, strategic
    }

    public struct Patch: Sendable, Hashable {
        public var apiVersion: String
        public var kind: String
        public var name: ActionTemplate
        public var type: PatchType
        /// YAML or JSON text, rendered with JSON-string escaping.
        public var patch: ActionTemplate
        public init(apiVersion: String, kind: String, name: ActionTemplate, type: PatchType, patch: ActionTemplate) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.name = name
            self.type = type
            self.patch = patch
        }
    }

    /// `resize`: new resources for one container, in place (`pods/resize`).
    public struct Resize: Sendable, Hashable {
        public var pod: ActionTemplate
        public var container: ActionTemplate
        /// A quantity (`768Mi`) set as both request and limit; nil leaves memory alone.
        public var memory: ActionTemplate?
        public var cpu: ActionTemplate?
        public init(pod: ActionTemplate, container: ActionTemplate, memory: ActionTemplate? = nil, cpu: ActionTemplate? = nil) {
            self.pod = pod
            self.container = container
            self.memory = memory
            self.cpu = cpu
        }
    }

    /// The longest a `debug` or `job` may be waited for.
    public static let maxWait = GoDuration(milliseconds: 3_600_000, text: "1h")
    /// The default wait: 2m.
    public static let defaultWait = GoDuration(milliseconds: 120_000, text: "2m")

    /// `debug`: an ephemeral container in a running pod.
    public struct Debug: Sendable, Hashable {
        public var pod: ActionTemplate
        public var targetContainer: ActionTemplate?
        public var image: String
        public var command: [ActionTemplate]
        public var args: [ActionTemplate]
        /// Wait for it to finish and keep its log.
        public var capture: Bool
        public var timeout: GoDuration?
        public init(pod: ActionTemplate, targetContainer: ActionTemplate?, image: String, command: [ActionTemplate], args: [ActionTemplate], capture: Bool, timeout: GoDuration?) {
            self.pod = pod
            self.targetContainer = targetContainer
            self.image = image
            self.command = command
            self.args = args
            self.capture = capture
            self.timeout = timeout
        }
        public var effectiveTimeout: GoDuration { timeout ?? ActionSpec.defaultWait }
    }

    /// `job`: create a Job from `template` (a Job spec), optionally wait for it and keep its log.
    public struct Job: Sendable, Hashable {
        public var template: JSON
        public var wait: Bool
        public var timeout: GoDuration?
        public var capture: Bool
        public init(template: JSON, wait: Bool, timeout: GoDuration?, capture: Bool) {
            self.template = template
            self.wait = wait
            self.timeout = timeout
            self.capture = capture
        }
        public var effectiveTimeout: GoDuration { timeout ?? ActionSpec.defaultWait }

        /// Every string in the Job spec with its path (`template.spec.containers[0].args[1]`):
        /// each is a template, so a Job can receive `{{labels.pod}}`.
        public var templateStrings: [(field: String, template: ActionTemplate)] {
            var out: [(String, ActionTemplate)] = []
            func walk(_ v: JSON, _ path: String) {
                switch v {
                case .string(let s): out.append((path, ActionTemplate(s)))
                case .array(let a): for (i, x) in a.enumerated() { walk(x, "\(path)[\(i)]") }
                case .object(let o): for (k, x) in o { walk(x, "\(path).\(k)") }
                default: break
                }
            }
            walk(template, "template")
            return out
        }

        /// The Job spec with every string rendered over `values`.
        public func rendered(_ values: TemplateValues) throws(ActionTemplateError) -> JSON {
            func walk(_ v: JSON) throws(ActionTemplateError) -> JSON {
                switch v {
                case .string(let s): return .string(try ActionTemplate(s).render(values))
                case .array(let a):
                    var out: [JSON] = []
                    for x in a { out.append(try walk(x)) }
                    return .array(out)
                case .object(let o):
                    var out = JSONObject()
                    for (k, x) in o { out[k] = try walk(x) }
                    return .object(out)
                default: return v
                }
            }
            return try walk(template)
        }

        public static func == (a: Job, b: Job) -> Bool {
            a.template == b.template && a.wait == b.wait && a.timeout == b.timeout && a.capture == b.capture
        }
        public func hash(into h: inout Hasher) {
            h.combine(template.serialized())
            h.combine(wait)
            h.combine(timeout)
            h.combine(capture)
        }
    }

    public enum EventType: String, Sendable, Hashable, CaseIterable {
        case normal = "Normal"
        case warning = "Warning"
    }

    /// `event`: a Kubernetes Event on the resource.
    public struct Event: Sendable, Hashable {
        public var type: EventType
        public var reason: String
        public var message: ActionTemplate
        public init(type: EventType, reason: String, message: ActionTemplate) {
            self.type = type
            self.reason = reason
            self.message = message
        }
    }

    /// The member name (`deletePod`).
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

    /// The `action` of the action's ledger entry: `<type>:<index>`, or what
    /// `RaiseMemory.ledgerAction` says.
    public func ledgerAction(_ index: Int) -> String {
        if case .raiseMemory(let r) = self { return r.ledgerAction }
        return "\(type):\(index)"
    }

    /// Whether the action's output can be captured (`debug` and `job` with `capture: true`).
    public var captures: Bool {
        switch self {
        case .debug(let d): d.capture
        case .job(let j): j.capture
        default: false
        }
    }

    /// Every template in the action, for validation.
    public var templates: [(field: String, template: ActionTemplate)] {
        switch self {
        case .deletePod(let d): [("name", d.name)]
        case .delete(let o): [("name", o.name)]
        case .restart(let w): [("name", w.name)]
        case .scale(let s): [("name", s.name)]
        case .scaleDown, .deleteNamespace, .raiseMemory: []
        case .job(let j): j.templateStrings
        case .patch(let p): [("name", p.name), ("patch", p.patch)]
        case .resize(let r): [("pod", r.pod), ("container", r.container)] + (r.memory.map { [("memory", $0)] } ?? []) + (r.cpu.map { [("cpu", $0)] } ?? [])
        case .debug(let d):
            [("pod", d.pod)] + (d.targetContainer.map { [("targetContainer", $0)] } ?? [])
                + d.command.enumerated().map { ("command[\($0.offset)]", $0.element) } + d.args.enumerated().map { ("args[\($0.offset)]", $0.element) }
        case .webhook(_, let body): body.map { [("body", $0)] } ?? []
        case .event(let e): [("message", e.message)]
        }
    }

    /// The action as stored: an object with exactly one member.
    public var json: JSON {
        func t(_ x: ActionTemplate) -> JSON { .string(x.text) }
        var m = JSONObject()
        switch self {
        case .deletePod(let d):
            m["name"] = t(d.name)
            if let g = d.gracePeriodSeconds { m["gracePeriodSeconds"] = .int(g) }
        case .delete(let o):
            m["apiVersion"] = .string(o.apiVersion)
            m["kind"] = .string(o.kind)
            m["name"] = t(o.name)
        case .restart(let w):
            m["kind"] = .string(w.kind.rawValue)
            m["name"] = t(w.name)
        case .scale(let s):
            m["kind"] = .string(s.kind.rawValue)
            m["name"] = t(s.name)
            m["replicas"] = .int(s.replicas)
        case .scaleDown(let s):
            return .obj(["scaleDown": s.json])
        case .patch(let p):
            m["apiVersion"] = .string(p.apiVersion)
            m["kind"] = .string(p.kind)
            m["name"] = t(p.name)
            m["type"] = .string(p.type.rawValue)
            m["patch"] = t(p.patch)
        case .resize(let r):
            m["pod"] = t(r.pod)
            m["container"] = t(r.container)
            if let x = r.memory { m["memory"] = t(x) }
            if let x = r.cpu { m["cpu"] = t(x) }
        case .debug(let d):
            m["pod"] = t(d.pod)
            if let x = d.targetContainer { m["targetContainer"] = t(x) }
            m["image"] = .string(d.image)
            if !d.command.isEmpty { m["command"] = .array(d.command.map(t)) }
            if !d.args.isEmpty { m["args"] = .array(d.args.map(t)) }
            if d.capture { m["capture"] = .bool(true) }
            if let x = d.timeout { m["timeout"] = .string(x.text) }
        case .job(let j):
            m["template"] = j.template
            if j.wait { m["wait"] = .bool(true) }
            if let x = j.timeout { m["timeout"] = .string(x.text) }
            if j.capture { m["capture"] = .bool(true) }
        case .webhook(let w, let body):
            guard case .object(var o) = w.json else { return .null }
            if let body { o["body"] = t(body) }
            m = o
        case .event(let e):
            m["type"] = .string(e.type.rawValue)
            m["reason"] = .string(e.reason)
            m["message"] = t(e.message)
        case .deleteNamespace:
            break
        case .raiseMemory(let r):
            m["target"] = .string(r.target.rawValue)
            m["name"] = .string(r.name)
            m["uid"] = .string(r.uid)
            m["container"] = .string(r.container)
            m["fromLimit"] = .int(r.fromLimit)
            m["toLimit"] = .int(r.toLimit)
        }
        var o = JSONObject()
        o[type] = .object(m)
        return .object(o)
    }
}
