import ArgumentParser
import Foundation
import VigilAPI

/// `vigil validate -f FILE|DIR|- ...`: checks resources offline with the same
/// validator the controller uses. Files are found as `kubectl apply -f` finds
/// them (a directory's `.yaml`, `.yml` and `.json` files, its subdirectories
/// too with `-R`, `-` for standard input). Every problem is printed as
/// `FILE: document N (NamespacePolicy ns/name): field: message`. Exit code: 0
/// when everything is valid, 1 when a resource has problems, 2 when a path
/// cannot be read (every other path is still checked and reported).
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check Vigil resources in YAML or JSON files, offline (exit 1 on problems, 2 on unreadable files).")

    @Option(name: [.customShort("f"), .long], parsing: .upToNextOption,
            help: "Files or directories to check (YAML with several documents, or JSON; - for standard input).")
    var filename: [String] = []

    @Flag(name: [.customShort("R"), .long], help: "Read the subdirectories of the directories given with -f too.")
    var recursive = false

    @Flag(help: "Allow NamespacePolicies that manage a namespace other than their own (the cluster's namespacePolicy.allowCrossNamespace).")
    var allowCrossNamespace = false

    @Option(help: "The namespace of documents without metadata.namespace.")
    var namespace = "default"

    func validate() throws {
        if filename.isEmpty { throw ValidationError("give at least one file or directory with -f PATH (- for standard input)") }
    }

    func run() throws {
        let validator = NamespacePolicyValidator(
            options: .init(allowCrossNamespace: allowCrossNamespace, defaultNamespace: namespace))
        var problems = 0
        var checked = 0
        var unreadable = 0
        var skipped: [String] = []
        let inputs = ManifestFiles.read(filename, recursive: recursive) {
            Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        for input in inputs {
            let file: ManifestText
            switch input {
            case .success(let f): file = f
            case .failure(let error):
                FileHandle.standardError.write(Data("vigil validate: \(error)\n".utf8))
                unreadable += 1
                continue
            }
            let documents: [ResourceDocument]
            do {
                documents = try ManifestReader.documents(in: file.text, source: file.source)
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
        let resources = "\(checked) resource\(checked == 1 ? "" : "s")"
        if problems > 0 {
            print("\(problems) problem\(problems == 1 ? "" : "s") in \(resources)")
        } else {
            print("\(resources) valid")
        }
        if unreadable > 0 {
            FileHandle.standardError.write(Data("vigil validate: \(unreadable) path\(unreadable == 1 ? "" : "s") could not be read\n".utf8))
            throw ExitCode(2)
        }
        if problems > 0 { throw ExitCode(1) }
    }
}
