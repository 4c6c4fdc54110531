/// The log text of simulated containers: the `sim.vigil.dev/logs` annotation,
/// or a few startup lines; for ephemeral containers, the scripted output of
/// their command (a JVM thread dump for `jcmd … Thread.print` / `jstack`).
enum ContainerLogs {
    /// Output of one run of a regular container.
    static func regular(view: PodView, container: String, image: String, run: Int, startedAt: Double, finishedAt: Double?,
                        exit: (code: Int, reason: String)?) -> String {
        let a = view.annotations
        if let text = a.string("logs.\(container)") ?? a.string("logs") {
            return text.hasSuffix("\n") || text.isEmpty ? text : text + "\n"
        }
        let ts = Timestamp.formatMicro(startedAt)
        var lines: [String]
        if image.contains("nginx") {
            lines = [
                "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
                "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
                "/docker-entrypoint.sh: Configuration complete; ready for start up",
                "\(Timestamp.format(startedAt).replacingT().replacingDashes()) [notice] 1#1: nginx/1.27.3",
                "\(Timestamp.format(startedAt).replacingT().replacingDashes()) [notice] 1#1: start worker processes",
            ]
        } else {
            lines = [
                "\(ts) INFO  starting \(container) (image \(image))",
                "\(ts) INFO  pod \(view.namespace)/\(view.name), run \(run + 1)",
                "\(ts) INFO  ready",
            ]
        }
        if let exit, let finishedAt {
            let fts = Timestamp.formatMicro(finishedAt)
            switch exit.reason {
            case "OOMKilled": break  // killed: no last words
            default: lines.append(exit.code == 0 ? "\(fts) INFO  done, exiting" : "\(fts) ERROR exiting with code \(exit.code)")
            }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Output of an ephemeral container's command.
    static func ephemeral(view: PodView, command: [String], target: String?, now: Double, startedAt: Double, targetStartedAt: Double?) -> String {
        if let text = view.annotations.string("debug-output") {
            return text.hasSuffix("\n") || text.isEmpty ? text : text + "\n"
        }
        let joined = command.joined(separator: " ")
        let isJcmd = joined.contains("jcmd") && joined.contains("Thread.print")
        if isJcmd || joined.contains("jstack") {
            let target = target ?? view.containers.first?.name ?? "app"
            var dump = ThreadDump(container: target, pod: view.name, now: startedAt,
                                  uptimeSeconds: startedAt - (targetStartedAt ?? startedAt - 60))
            dump.viaJcmd = isJcmd
            dump.includeDeadlock = view.annotations.string("thread-dump-deadlock") == "true"
            return dump.text()
        }
        if command.isEmpty { return "" }
        return "\(joined)\n"
    }
}

extension String {
    /// `2025-01-02 …` → `2025/01/02 …` (nginx's log date format).
    func replacingDashes() -> String { String(map { $0 == "-" ? "/" : $0 }) }
}
