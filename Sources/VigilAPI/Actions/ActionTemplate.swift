import Mustache
import VigilJSON

/// A string in an action that may name values of the trigger instance in
/// Mustache tags: `{{labels.pod}}`, `{{namespace}}`, `{{value}}`,
/// `{{alert.name}}`, `{{alert.fingerprint}}`, `{{alert.startsAt}}`,
/// `{{annotations.summary}}`, `{{resource.name}}`, `{{outputs.0}}`.
///
/// Rendering is strict: a tag whose value does not exist (a label the alert
/// does not carry) is an error naming it, never an empty string — an action
/// must not delete the pod named "". Two escapings exist: `.text` inserts
/// values as they are (names, messages), `.json` escapes them for a JSON or
/// YAML double-quoted string (`patch` and webhook `body`), while `{{{x}}}`
/// always inserts the raw value.
public struct ActionTemplate: Sendable, Hashable, CustomStringConvertible {
    /// How values are escaped.
    public enum Escaping: String, Sendable, Hashable {
        case text = "TEXT"
        case json = "VIGIL_JSON_STRING"
    }

    /// The names a template may use, for messages.
    public static let vocabulary =
        "namespace, labels.<name>, annotations.<name>, value, alert.name, alert.fingerprint, alert.startsAt, resource.name, outputs.<index of an earlier action>"

    /// The template as written.
    public let text: String
    public let escaping: Escaping

    public init(_ text: String, escaping: Escaping = .text) {
        self.text = text
        self.escaping = escaping
    }

    public var description: String { text }

    /// True when the text has no tags (rendering returns it unchanged).
    public var isLiteral: Bool { !text.contains("{{") }

    /// The text rendered over `values`; throws `ActionTemplateError` naming
    /// every tag without a value.
    public func render(_ values: TemplateValues) throws(ActionTemplateError) -> String {
        if isLiteral { return text }
        let template = try parsed()
        let root = TemplateNode(path: "", values: values.tree, probe: false)
        let out = template.render(root)
        let missing = root.recorder.missing
        if !missing.isEmpty { throw .missing(template: text, names: missing) }
        return out
    }

    /// What is wrong with the template, for validation: a syntax error, a
    /// name outside the vocabulary, or an `outputs.N` that is not an earlier
    /// action (`actionIndex` is the template's own action). Nil when fine.
    public func problem(actionIndex: Int) -> String? {
        if isLiteral { return nil }
        let template: MustacheTemplate
        do { template = try parsed() } catch { return error.description }
        let root = TemplateNode(path: "", values: [:], probe: true)
        _ = template.render(root)
        for name in root.recorder.used {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            switch parts.first ?? "" {
            case "namespace", "value":
                if parts.count != 1 { return "{{\(name)}} is not a value: use {{\(parts[0])}}" }
            case "labels", "annotations":
                if parts.count != 2 || parts[1].isEmpty { return "{{\(name)}} must name one \(parts[0] == "labels" ? "label" : "annotation"): {{\(parts[0]).<name>}}" }
            case "alert":
                if parts.count != 2 || !["name", "fingerprint", "startsAt"].contains(parts[1]) {
                    return "{{\(name)}} is not known: use alert.name, alert.fingerprint or alert.startsAt"
                }
            case "resource":
                if parts.count != 2 || parts[1] != "name" { return "{{\(name)}} is not known: use {{resource.name}}" }
            case "outputs":
                guard parts.count == 2, let i = Int(parts[1]), i >= 0 else { return "{{\(name)}} must name an earlier action by its index: {{outputs.0}}" }
                if i >= actionIndex { return "{{\(name)}} names action \(i), which does not run before this one (action \(actionIndex)): only earlier actions' output can be used" }
            default:
                return "{{\(name)}} is not a known value: use \(Self.vocabulary)"
            }
        }
        return nil
    }

    func parsed() throws(ActionTemplateError) -> MustacheTemplate {
        Self.registerContentTypes
        do {
            return try MustacheTemplate(string: "{{% CONTENT_TYPE: \(escaping.rawValue)}}" + text)
        } catch {
            throw .syntax(template: text, message: "\(error)")
        }
    }

    /// Registers the JSON-string escaping once per process.
    static let registerContentTypes: Void = {
        MustacheContentTypes.register(JSONStringEscaping(), named: Escaping.json.rawValue)
    }()

    /// Every value name a template uses (`labels.pod`, `value`, `outputs.0`).
    public var names: [String] {
        guard !isLiteral, let template = try? parsed() else { return [] }
        let root = TemplateNode(path: "", values: [:], probe: true)
        _ = template.render(root)
        return Array(root.recorder.used)
    }

    /// The label names a template uses (`{{labels.pod}}` → `pod`): what a
    /// run acts on, so CounterMeasure counts targets by them.
    public var labelNames: [String] {
        names.compactMap { name in
            let parts = name.split(separator: ".", maxSplits: 1)
            return parts.count == 2 && parts[0] == "labels" ? String(parts[1]) : nil
        }
    }

    /// The output indexes a template uses (`{{outputs.1}}` → 1), so the
    /// engine knows which earlier outputs to load.
    public var outputIndexes: [Int] {
        names.compactMap { name in
            let parts = name.split(separator: ".")
            return parts.count == 2 && parts[0] == "outputs" ? Int(parts[1]) : nil
        }
    }
}

/// Why a template could not be rendered.
public enum ActionTemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Tags whose value does not exist for this trigger instance.
    case missing(template: String, names: [String])
    case syntax(template: String, message: String)

    public var description: String {
        switch self {
        case .missing(let t, let names):
            let tags = names.map { "{{\($0)}}" }.joined(separator: ", ")
            return "template \(quoted(t)) names \(tags), which this trigger instance does not have; nothing was run"
        case .syntax(let t, let message):
            return "template \(quoted(t)) is not valid Mustache: \(message)"
        }
    }
}

/// The values a template renders over (`{{labels.pod}}` reads `labels["pod"]`).
public struct TemplateValues: Sendable, Hashable {
    public var namespace: String
    public var labels: [String: String]
    public var annotations: [String: String]
    /// The sample or alert value, as Prometheus prints it; nil when there is none.
    public var value: String?
    public var alertName: String?
    public var alertFingerprint: String?
    public var alertStartsAt: String?
    public var resourceName: String
    /// Captured output of earlier actions, by index.
    public var outputs: [Int: String]

    public init(
        namespace: String, labels: [String: String] = [:], annotations: [String: String] = [:], value: String? = nil,
        alertName: String? = nil, alertFingerprint: String? = nil, alertStartsAt: String? = nil, resourceName: String,
        outputs: [Int: String] = [:]
    ) {
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
        self.value = value
        self.alertName = alertName
        self.alertFingerprint = alertFingerprint
        self.alertStartsAt = alertStartsAt
        self.resourceName = resourceName
        self.outputs = outputs
    }

    var tree: [String: TemplateTree] {
        var t: [String: TemplateTree] = [
            "namespace": .leaf(namespace),
            "labels": .node(labels.mapValues { .leaf($0) }),
            "annotations": .node(annotations.mapValues { .leaf($0) }),
            "resource": .node(["name": .leaf(resourceName)]),
            "outputs": .node(Dictionary(uniqueKeysWithValues: outputs.map { (String($0.key), TemplateTree.leaf($0.value)) })),
        ]
        if let value { t["value"] = .leaf(value) }
        var alert: [String: TemplateTree] = [:]
        if let alertName { alert["name"] = .leaf(alertName) }
        if let alertFingerprint { alert["fingerprint"] = .leaf(alertFingerprint) }
        if let alertStartsAt { alert["startsAt"] = .leaf(alertStartsAt) }
        t["alert"] = .node(alert)
        return t
    }
}

indirect enum TemplateTree: Sendable, Hashable {
    case leaf(String)
    case node([String: TemplateTree])
}

/// A level of the values as Mustache sees it. Every lookup is recorded: a
/// miss (rendering) or a use (probing, where every name exists).
final class TemplateNode: MustacheParent, CustomStringConvertible {
    final class Recorder {
        var missing: [String] = []
        var used: [String] = []
    }

    let path: String
    let values: [String: TemplateTree]
    let probe: Bool
    let recorder: Recorder

    init(path: String, values: [String: TemplateTree], probe: Bool, recorder: Recorder = Recorder()) {
        self.path = path
        self.values = values
        self.probe = probe
        self.recorder = recorder
    }

    func child(named name: String) -> Any? {
        let full = path.isEmpty ? name : "\(path).\(name)"
        if probe {
            // Depth is capped so a misspelt path ends; names are checked after rendering.
            if let i = recorder.used.firstIndex(where: { full.hasPrefix($0 + ".") }) { recorder.used.remove(at: i) }
            recorder.used.append(full)
            return full.split(separator: ".").count >= 3 ? "x" : TemplateNode(path: full, values: [:], probe: true, recorder: recorder)
        }
        switch values[name] {
        case .leaf(let s)?: return s
        case .node(let n)?: return TemplateNode(path: full, values: n, probe: false, recorder: recorder)
        case nil:
            recorder.missing.append(full)
            return nil
        }
    }

    /// A level rendered as a value (`{{labels}}`) is a mistake; in probing it stands for a used name.
    var description: String { probe ? "x" : "" }
}

/// Escapes values for the inside of a JSON (or YAML double-quoted) string.
struct JSONStringEscaping: MustacheContentType {
    func escapeText(_ text: String) -> String {
        let quoted = String(decoding: JSON.string(text).serialized(), as: UTF8.self)
        return String(quoted.dropFirst().dropLast())
    }
}
