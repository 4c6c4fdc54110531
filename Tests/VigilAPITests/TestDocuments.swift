import Foundation
import VigilAPI
import VigilJSON

/// Helpers shared by the suites: YAML documents in, problems out, and the
/// repository's own files (samples, CRD).
enum TestDocuments {
    /// The first resource in `yaml`.
    static func json(_ yaml: String) throws -> JSON {
        let docs = try ManifestReader.documents(in: yaml, source: "test.yaml")
        guard let first = docs.first else { throw TestFailure("no document in \(yaml)") }
        return first.json
    }

    /// The problems the validator finds in `yaml`, as `field: message` lines.
    static func problems(_ yaml: String, _ options: NamespacePolicyValidator.Options = .init()) throws -> [String] {
        NamespacePolicyValidator(options: options).problems(in: try json(yaml)).map(\.description)
    }

    /// A policy document with `policies` (YAML list items, indented by 4) and extra `spec` lines.
    static func policy(_ policies: String, spec: String = "", namespace: String = "demo", name: String = "ttl-policy") -> String {
        """
        apiVersion: vigil.dev/v1alpha1
        kind: NamespacePolicy
        metadata:
          name: \(name)
          namespace: \(namespace)
        spec:
        \(spec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
          policies:
        \(policies)
        """
    }

    /// One policy named `p` with the given condition and action (flow-style YAML).
    static func single(condition: String, action: String = "{deleteNamespace: {}}", spec: String = "") -> String {
        policy("""
                - name: p
                  condition: \(condition)
                  action: \(action)
            """, spec: spec)
    }

    /// The repository root (three levels above this file).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ relativePath: String) throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// The YAML files in a repository folder, sorted by name.
    static func yamlFiles(in relativePath: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent(relativePath).path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
            .map { relativePath + "/" + $0 }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
