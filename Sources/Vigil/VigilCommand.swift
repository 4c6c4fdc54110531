import ArgumentParser
import Foundation

/// `vigil`: the runbook-automation controller (`run`), an offline checker
/// for its resources (`validate`), and `version`.
@main
struct VigilCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Vigil: runbook automation for Kubernetes, sharded and highly available.",
        version: VigilVersion.string,
        subcommands: [RunCommand.self, ValidateCommand.self, RestoreCommand.self, VersionCommand.self])
}

/// The version this binary reports (`vigil version`, `--version`, the
/// User-Agent of its API requests).
enum VigilVersion {
    static let string = "0.1.0"
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")
    @Flag(help: "Print JSON.") var json = false

    func run() {
        #if arch(x86_64)
        let arch = "amd64"
        #else
        let arch = "arm64"
        #endif
        if json {
            print(#"{"version":"\#(VigilVersion.string)","platform":"linux/\#(arch)"}"#)
        } else {
            print("vigil \(VigilVersion.string) (linux/\(arch))")
        }
    }
}
