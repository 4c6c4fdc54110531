import Foundation
import Logging
import VigilRuntime

/// Something worth an Event and a log line: a decision or an action's result.
public struct Announcement: Sendable, Equatable {
    public var warning: Bool
    public var reason: String
    public var message: String
    public init(warning: Bool = false, reason: String, message: String) {
        self.warning = warning
        self.reason = reason
        self.message = message
    }
}

extension EventRecorder {
    /// Records `a` as an Event on `subject` and logs it (one line per record,
    /// even for a message that quotes captured output).
    func announce(_ subject: Subject, _ a: Announcement, logger: Logger) async {
        let resource = "\(subject.namespace)/\(subject.name)"
        if let failure = await record(subject, type: a.warning ? "Warning" : "Normal", reason: a.reason, message: a.message) {
            logger.warning("could not record an Event for \(subject.kind) \(resource): \(failure)")
        }
        let line = a.message.replacingOccurrences(of: "\n", with: "\\n")
        if a.warning {
            logger.warning("\(a.reason): \(line)", metadata: ["resource": "\(resource)", "kind": "\(subject.kind)"])
        } else {
            logger.notice("\(a.reason): \(line)", metadata: ["resource": "\(resource)", "kind": "\(subject.kind)"])
        }
    }
}
