import VigilJSON

extension ActionSpec {
    /// Decodes action number `index` of a list, reporting every problem
    /// (including templates naming unknown values or later outputs).
    init?(_ value: JSON, at path: String, index: Int, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: ActionSpec.fieldNames, at: path)
        let present = r.exactlyOne(of: ActionSpec.fieldNames, in: o, value: value, at: path)
        guard present.count == 1, let name = present.first, let body = o[name] else { return nil }
        let p = FieldReader.child(path, name)
        if name == "deleteNamespace" {
            if case .object(let e) = body, e.isEmpty {
                self = .deleteNamespace
                return
            }
            r.report(p, body, "must be an empty object ({}): deleteNamespace deletes the resource's namespace and takes no settings")
            return nil
        }
        if name == "scaleDown" {
            guard let s = ScaleDownAction(body, at: p, &r) else { return nil }
            self = .scaleDown(s)
            return
        }
        guard let m = r.object(body, at: p) else { return nil }
        func template(_ key: String, required hint: String? = nil, escaping: ActionTemplate.Escaping = .text) -> ActionTemplate? {
            guard let s = r.string(m, key, at: p, required: hint) else { return nil }
            let t = ActionTemplate(s, escaping: escaping)
            if let why = t.problem(actionIndex: index) { r.report(FieldReader.child(p, key), .string(s), why) }
            return t
        }
        func templates(_ key: String) -> [ActionTemplate] {
            guard let list = r.array(m, key, at: p) else { return [] }
            var out: [ActionTemplate] = []
            for (i, item) in list.enumerated() {
                let ip = FieldReader.item(FieldReader.child(p, key), i)
                guard case .string(let s) = item else {
                    r.wrongType(ip, item, expected: "a string")
                    continue
                }
                let t = ActionTemplate(s)
                if let why = t.problem(actionIndex: index) { r.report(ip, item, why) }
                out.append(t)
            }
            return out
        }
        func kindAndVersion() -> (String, String)? {
            let v = r.string(m, "apiVersion", at: p, required: "e.g. v1 or apps/v1")
            let k = r.string(m, "kind", at: p, required: "e.g. ConfigMap")
            guard let v, let k else { return nil }
            return (v, k)
        }
        let nameHint = "the object's name, a template such as \"{{labels.pod}}\""
        var found: ActionSpec?
        switch name {
        case "deletePod":
            r.rejectUnknown(m, known: ["name", "gracePeriodSeconds"], at: p)
            let grace = r.int(m, "gracePeriodSeconds", at: p, in: 0...Int64(Int32.max))
            if let n = template("name", required: nameHint) { found = .deletePod(DeletePod(name: n, gracePeriodSeconds: grace)) }
        case "delete":
            r.rejectUnknown(m, known: ["apiVersion", "kind", "name"], at: p)
            let kv = kindAndVersion()
            if let n = template("name", required: nameHint), let (v, k) = kv { found = .delete(ObjectRef(apiVersion: v, kind: k, name: n)) }
        case "restart":
            r.rejectUnknown(m, known: ["kind", "name"], at: p)
            let kind = r.enumeration(m, "kind", at: p, as: WorkloadKind.self, required: "Deployment, StatefulSet or DaemonSet")
            if let n = template("name", required: nameHint), let kind { found = .restart(Workload(kind: kind, name: n)) }
        case "scale":
            r.rejectUnknown(m, known: ["kind", "name", "replicas"], at: p)
            let kind = r.enumeration(m, "kind", at: p, as: WorkloadKind.self, required: "Deployment or StatefulSet")
            if kind == .daemonSet { r.report(FieldReader.child(p, "kind"), .string("DaemonSet"), "a DaemonSet has no replicas: scale a Deployment or StatefulSet") }
            let replicas = r.int(m, "replicas", at: p, in: 0...Int64(Int32.max), required: "the replica count to set, e.g. 0")
            if let n = template("name", required: nameHint), let kind, let replicas { found = .scale(Scale(kind: kind, name: n, replicas: replicas)) }
        case "patch":
            r.rejectUnknown(m, known: ["apiVersion", "kind", "name", "type", "patch"], at: p)
            let kv = kindAndVersion()
            let type = r.enumeration(m, "type", at: p, as: PatchType.self) ?? (m["type"] == nil ? .merge : nil)
            let n = template("name", required: nameHint)
            let body = template("patch", required: "the patch as YAML or JSON text (values from templates are JSON-escaped)", escaping: .json)
            if let n, let body, let type, let (v, k) = kv { found = .patch(Patch(apiVersion: v, kind: k, name: n, type: type, patch: body)) }
        case "resize":
            r.rejectUnknown(m, known: ["pod", "container", "memory", "cpu"], at: p)
            let pod = template("pod", required: "the pod, e.g. \"{{labels.pod}}\"")
            let container = template("container", required: "the container, e.g. \"{{labels.container}}\"")
            let memory = template("memory")
            let cpu = template("cpu")
            if memory == nil && cpu == nil { r.report(p, body, "set memory, cpu or both (quantities such as 768Mi or 500m)") }
            if let pod, let container, memory != nil || cpu != nil { found = .resize(Resize(pod: pod, container: container, memory: memory, cpu: cpu)) }
        case "debug":
            r.rejectUnknown(m, known: ["pod", "targetContainer", "image", "command", "args", "capture", "timeout"], at: p)
            let pod = template("pod", required: "the pod, e.g. \"{{labels.pod}}\"")
            let target = template("targetContainer")
            let image = r.string(m, "image", at: p, required: "the debug container's image, e.g. eclipse-temurin:21-jdk")
            let command = templates("command")
            let args = templates("args")
            let capture = r.bool(m, "capture", at: p) ?? false
            let timeout = waitTimeout(m, at: p, &r)
            if let pod, let image { found = .debug(Debug(pod: pod, targetContainer: target, image: image, command: command, args: args, capture: capture, timeout: timeout)) }
        case "job":
            r.rejectUnknown(m, known: ["template", "wait", "timeout", "capture"], at: p)
            let tmpl = r.object(m, "template", at: p, required: "a Job spec (the spec of a batch/v1 Job: template, backoffLimit, …)")
            if let tmpl, tmpl["template"] == nil {
                r.report(FieldReader.child(p, "template"), .object(tmpl), "must be a Job spec with a pod template: {template: {spec: {containers: [...], restartPolicy: Never}}}")
            }
            let wait = r.bool(m, "wait", at: p) ?? false
            let capture = r.bool(m, "capture", at: p) ?? false
            let timeout = waitTimeout(m, at: p, &r)
            if capture && !wait { r.report(FieldReader.child(p, "capture"), .bool(true), "capture needs wait: true (the log is read after the Job finishes)") }
            if let tmpl {
                let job = Job(template: .object(tmpl), wait: wait, timeout: timeout, capture: capture)
                for (field, t) in job.templateStrings {
                    if let why = t.problem(actionIndex: index) { r.report(FieldReader.child(p, field), .string(t.text), why) }
                }
                found = .job(job)
            }
        case "webhook":
            var rest = m
            let bodyValue = rest["body"]
            rest["body"] = nil
            var body: ActionTemplate?
            if let bodyValue {
                if case .string(let s) = bodyValue {
                    let t = ActionTemplate(s, escaping: .json)
                    if let why = t.problem(actionIndex: index) { r.report(FieldReader.child(p, "body"), bodyValue, why) }
                    body = t
                } else {
                    r.wrongType(FieldReader.child(p, "body"), bodyValue, expected: "a string (a JSON template, e.g. '{\"text\": \"{{labels.pod}} restarted\"}')")
                }
            }
            if let w = WebhookAction(.object(rest), at: p, &r) { found = .webhook(w, body: body) }
        case "event":
            r.rejectUnknown(m, known: ["type", "reason", "message"], at: p)
            let type = r.enumeration(m, "type", at: p, as: EventType.self) ?? (m["type"] == nil ? .normal : nil)
            let reason = r.string(m, "reason", at: p, required: "a CamelCase reason, e.g. MemoryHigh")
            if let reason, !(reason.first.map { $0.isASCII && $0.isUppercase } ?? false) || !reason.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) || reason.count > 128 {
                r.report(FieldReader.child(p, "reason"), .string(reason), "\(quoted(reason)) is not a valid reason: use CamelCase letters and digits, starting upper-case, e.g. MemoryHigh")
            }
            let message = template("message", required: "the Event's message, e.g. \"{{labels.pod}} uses {{value}} bytes\"")
            if let type, let reason, let message { found = .event(Event(type: type, reason: reason, message: message)) }
        default:
            break
        }
        guard r.count == before, let found else { return nil }
        self = found
    }
}

func waitTimeout(_ m: JSONObject, at p: String, _ r: inout FieldReader) -> GoDuration? {
    guard let t = r.duration(m, "timeout", at: p) else { return nil }
    if t.milliseconds <= 0 || t > ActionSpec.maxWait {
        r.report(FieldReader.child(p, "timeout"), .string(t.text), "\(quoted(t.text)) is out of range: must be greater than zero and at most \(ActionSpec.maxWait.text)")
        return nil
    }
    return t
}

extension ActionSpec {
    /// Decodes the list of actions at `o[key]` (required, 1…`max` of them),
    /// reporting each action's problems, `{{outputs.N}}` naming an action that
    /// captures nothing, and templates naming values this resource never has
    /// (`unavailable`: a name prefix such as `alert.` and why it is missing).
    /// Returns the actions that decoded.
    static func readList(
        _ o: JSONObject, _ key: String, at path: String, max: Int, example: String, unavailable: [(prefix: String, why: String)],
        _ r: inout FieldReader
    ) -> [ActionSpec] {
        var decoded: [(index: Int, action: ActionSpec)] = []
        let ap = FieldReader.child(path, key)
        guard let list = r.array(o, key, at: path, required: "the actions to run in order, e.g. \(example)") else { return [] }
        if list.isEmpty { r.report(ap, .array([]), "at least one action is required") }
        if list.count > max { r.report(ap, nil, "\(list.count) actions given, at most \(max) are allowed") }
        for (i, item) in list.enumerated() {
            if let a = ActionSpec(item, at: FieldReader.item(ap, i), index: i, &r) { decoded.append((i, a)) }
        }
        for (i, a) in decoded {
            for (field, t) in a.templates {
                let fp = FieldReader.child(FieldReader.child(FieldReader.item(ap, i), a.type), field)
                for (prefix, why) in unavailable where t.names.contains(where: { $0.hasPrefix(prefix) || $0 == prefix }) {
                    r.report(fp, .string(t.text), why)
                }
                for n in t.outputIndexes where n < i {
                    if let earlier = decoded.first(where: { $0.index == n })?.action, !earlier.captures {
                        r.report(fp, .string(t.text),
                            "{{outputs.\(n)}} names action \(n) (\(earlier.type)), which captures no output: only debug and job with capture: true have one")
                    }
                }
            }
        }
        return decoded.map(\.action)
    }
}
