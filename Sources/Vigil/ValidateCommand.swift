import ArgumentParser
import Foundation
import VigilAPI
import VigilHost

/// `vigil validate -f FILE|DIR|- ...`: checks resources offline with the same
/// validator the controller uses. Files are found as `kubectl apply -f` finds
/// them (a directory's `.yaml`, `.yml` and `.json` files, its subdirectories
/// too with `-R`, `-` for standard input). Every problem is printed as
/// `FILE: document N (Kind ns/name): field: message` (NamespacePolicy,
/// CounterMeasure, HealthCheck and MemoryScaler; with `--config`, a
/// CounterMeasure's source must be configured). Exit code: 0
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

    @Option(help: "A vigil.yaml: CounterMeasures must name one of its prometheus.sources (unchecked without it).")
    var config: String?

    func validate() throws {
        if filename.isEmpty { throw ValidationError("give at least one file or directory with -f PATH (- for standard input)") }
    }

    func run() throws {
        let validator = NamespacePolicyValidator(
            options: .init(allowCrossNamespace: allowCrossNamespace, defaultNamespace: namespace))
        var sources: Set<String>?
        var allowClusterLevel: Bool?
        if let config {
            var c = VigilConfiguration()
            do {
                try c.apply(yaml: try String(contentsOfFile: config, encoding: .utf8), source: config)
            } catch {
                FileHandle.standardError.write(Data("vigil validate: --config \(config): \(error)\n".utf8))
                throw ExitCode(2)
            }
            sources = c.prometheusSourceNames
            allowClusterLevel = c.healthCheck.allowClusterLevel
        }
        let measures = CounterMeasureValidator(options: .init(sources: sources))
        let checks = HealthCheckValidator(options: .init(sources: sources, allowClusterLevel: allowClusterLevel))
        let scalers = MemoryScalerValidator()
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
                let found: [ValidationProblem]
                switch document.kind {
                case NamespacePolicy.kind: found = validator.problems(in: document.asServed)
                case CounterMeasure.kind: found = measures.problems(in: document.asServed)
                case HealthCheck.kind: found = checks.problems(in: document.asServed)
                case MemoryScaler.kind: found = scalers.problems(in: document.asServed)
                default:
                    skipped.append(document.label)
                    continue
                }
                checked += 1
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
