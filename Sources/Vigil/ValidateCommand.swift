import ArgumentParser
import Foundation
import VigilAPI

/// `vigil validate -f FILE...`: checks resources offline with the same
/// validator the controller uses. Every problem is printed as
/// `FILE: document N (NamespacePolicy ns/name): field: message`; the exit
/// code is 1 when any is found (2 when a file cannot be read).
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check Vigil resources in YAML or JSON files, offline (exit 1 on problems).")

    @Option(name: [.customShort("f"), .long], parsing: .upToNextOption, help: "Files to check (YAML, several documents, or JSON; - for standard input).")
    var filename: [String] = []

    @Flag(help: "Allow NamespacePolicies that manage a namespace other than their own (the cluster's namespacePolicy.allowCrossNamespace).")
    var allowCrossNamespace = false

    @Option(help: "The namespace of documents without metadata.namespace.")
    var namespace = "default"

    func validate() throws {
        if filename.isEmpty { throw ValidationError("give at least one file with -f FILE") }
    }

    func run() throws {
        let validator = NamespacePolicyValidator(
            options: .init(allowCrossNamespace: allowCrossNamespace, defaultNamespace: namespace))
        var problems = 0
        var checked = 0
        var skipped: [String] = []
        for file in filename {
            let text: String
            do {
                text = try file == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : String(contentsOfFile: file, encoding: .utf8)
            } catch {
                FileHandle.standardError.write(Data("\(file): cannot be read: \(error.localizedDescription)\n".utf8))
                throw ExitCode(2)
            }
            let documents: [ResourceDocument]
            do {
                documents = try ManifestReader.documents(in: text, source: file == "-" ? "<stdin>" : file)
            } catch {
                print("\(error)")
                problems += 1
                continue
            }
            for document in documents {
                guard document.isNamespacePolicy else {
                    skipped.append(document.label)
                    continue
                }
                checked += 1
                let found = validator.problems(in: document.json)
                for line in document.messages(for: found) { print(line) }
                problems += found.count
            }
        }
        for s in skipped { print("\(s): skipped (not a Vigil resource)") }
        if problems > 0 {
            print("\(problems) problem\(problems == 1 ? "" : "s") in \(checked) resource\(checked == 1 ? "" : "s")")
            throw ExitCode(1)
        }
        print("\(checked) resource\(checked == 1 ? "" : "s") valid")
    }
}
