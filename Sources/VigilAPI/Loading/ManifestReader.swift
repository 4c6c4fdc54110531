import VigilJSON
import VigilYAML
import Yams

/// Reads the resources in a manifest file's text, the way `kubectl apply -f`
/// does: YAML or JSON, several YAML documents separated by `---`, and
/// `kind: List` documents whose `items` are resources. Empty documents are
/// skipped (but counted, so document numbers match what a person counts).
/// Pure: the caller reads the file.
public enum ManifestReader {
    /// Every resource in `text`, in order. `source` names the file in
    /// positions and errors.
    public static func documents(in text: String, source: String) throws(ResourceFileError) -> [ResourceDocument] {
        var out: [ResourceDocument] = []
        var index = 0
        do {
            var sequence = try Yams.compose_all(yaml: text)
            while true {
                guard let node = sequence.next() else {
                    if let error = sequence.error { throw ResourceFileError(source: source, document: index + 1, message: message(error)) }
                    break
                }
                index += 1
                guard let json = JSON(yaml: node) else {
                    throw ResourceFileError(source: source, document: index, message: "nesting deeper than 512 levels")
                }
                try append(json, index: index, source: source, to: &out)
            }
        } catch let e as ResourceFileError {
            throw e
        } catch {
            throw ResourceFileError(source: source, document: index + 1, message: message(error))
        }
        return out
    }

    private static func append(_ json: JSON, index: Int, source: String, to out: inout [ResourceDocument]) throws(ResourceFileError) {
        switch json {
        case .null:
            return
        case .object(let o):
            if o.isEmpty { return }
            if o["kind"]?.stringValue == "List" || (o["kind"]?.stringValue?.hasSuffix("List") == true && o["items"] != nil) {
                guard case .array(let items) = o["items"] ?? .array([]) else {
                    throw ResourceFileError(source: source, document: index, message: "items: must be a list of resources, found \(FieldReader.typeDescription(o["items"]!))")
                }
                for (i, item) in items.enumerated() {
                    guard case .object = item else {
                        throw ResourceFileError(source: source, document: index, message: "items[\(i)]: must be an object (a resource), found \(FieldReader.typeDescription(item))")
                    }
                    out.append(ResourceDocument(source: source, index: index, item: i + 1, json: item))
                }
            } else {
                out.append(ResourceDocument(source: source, index: index, json: json))
            }
        default:
            throw ResourceFileError(source: source, document: index, message: "must be an object (a resource with apiVersion, kind and metadata), found \(FieldReader.typeDescription(json))")
        }
    }

    static func message(_ error: any Error) -> String {
        guard let error = error as? YamlError else { return "yaml: \(error)" }
        func at(_ problem: String, _ mark: Mark, _ context: YamlError.Context?) -> String {
            var m = "yaml: line \(mark.line), column \(mark.column): \(problem)"
            if let context { m += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            return m
        }
        switch error {
        case .scanner(let context, let problem, let mark, _): return at(problem, mark, context)
        case .parser(let context, let problem, let mark, _): return at(problem, mark, context)
        case .composer(let context, let problem, let mark, _): return at(problem, mark, context)
        case .reader(let problem, let offset, _, _): return "yaml: \(problem)" + (offset.map { " at byte \($0)" } ?? "")
        default: return "yaml: \(error)"
        }
    }
}
