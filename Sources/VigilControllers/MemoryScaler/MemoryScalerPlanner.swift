import VigilAPI
import VigilJSON

/// Which way a `MemoryScaler`'s finding goes, pure: in place
/// (`pods/resize`), through the owning Deployment or StatefulSet's pod
/// template, not yet (a cooldown, a resize in flight, a rollout that has
/// not reached the pod), or not at all (reported: at the maximum, no limit,
/// refused).
///
/// `Auto` resizes in place unless that would restart the container (its
/// `resizePolicy` for memory is `RestartContainer`), change the pod's QoS
/// class (Kubernetes forbids it), or the cluster refused (the API, or the
/// kubelet's `PodResizePending` `Infeasible`, or `Deferred` for longer than
/// `deferredLimit`); then it goes through the owner, as VPA's
/// `InPlaceOrRecreate` falls back to a new pod. A step through the owner
/// never replaces a bare pod.
public enum MemoryScalerPlanner {
    /// How long `Auto` lets the kubelet defer a resize before going through the owner (VPA's figure).
    public static let deferredLimit = 300.0

    /// The owning workload of a pod, as the reconciler found it.
    public enum Owner: Sendable, Equatable {
        /// A Deployment (through the pod's ReplicaSet) or StatefulSet, with the
        /// memory limit its pod template gives the container (nil: none).
        case workload(target: ActionSpec.RaiseMemory.Target, name: String, uid: String, limit: Int64?)
        /// Why there is none to go through (a bare pod, a DaemonSet's, a lookup that failed).
        case none(String)
    }

    public enum Plan: Sendable, Equatable {
        case raise(ActionSpec.RaiseMemory, trigger: String)
        /// Not now; look again after `retryAfter` seconds (nil: when the pod changes).
        case wait(String, retryAfter: Double?)
        /// Nothing will be done; `reason` is the status phase and Event reason.
        case report(reason: String, message: String, warning: Bool)
    }

    /// What the planner knows besides the finding.
    public struct Context: Sendable {
        public var mode: MemoryScalerSpec.Mode
        public var cooldown: Double
        public var now: RFC3339Time
        /// When a step of `uid/container` was last started.
        public var lastStep: [String: RFC3339Time]
        /// The API refused the in-place step of this finding in this reconcile (its message).
        public var inPlaceRefused: String?

        public init(mode: MemoryScalerSpec.Mode, cooldown: Double, now: RFC3339Time, lastStep: [String: RFC3339Time], inPlaceRefused: String? = nil) {
            self.mode = mode
            self.cooldown = cooldown
            self.now = now
            self.lastStep = lastStep
            self.inPlaceRefused = inPlaceRefused
        }
    }

    /// Why `Auto` would go through the owner for this finding instead of in
    /// place; nil when in place is fine (or the finding is no step).
    public static func ownerReason(_ f: MemoryScalerEvaluator.Finding, _ c: Context) -> String? {
        switch f {
        case .step(let pod, let name, let from, let to, _):
            if let refused = c.inPlaceRefused { return "the cluster refused the in-place resize (\(refused))" }
            guard let container = pod.containers.first(where: { $0.name == name }) else { return nil }
            if container.restartsOnMemoryResize { return "its resizePolicy restarts container \(name) on a memory resize" }
            if let change = qosChange(pod, container: name, from: from, to: to) { return "in place would change the pod's QoS class \(change), which Kubernetes forbids" }
            return nil
        case .resizing(let pod, _, _, _, _):
            guard let pending = pod.resizePending else { return nil }
            if pending.reason == "Infeasible" { return "the kubelet found the in-place resize infeasible (\(pending.message))" }
            if pending.reason == "Deferred", let since = pending.since, c.now.secondsSinceEpoch - since.secondsSinceEpoch >= deferredLimit {
                return "the kubelet deferred the in-place resize for more than \(Int(deferredLimit / 60)) minutes (\(pending.message))"
            }
            return nil
        case .atMaximum, .noLimit:
            return nil
        }
    }

    /// Whether the plan needs the pod's owner (the reconciler looks it up only then).
    public static func needsOwner(_ f: MemoryScalerEvaluator.Finding, _ c: Context) -> Bool {
        switch f {
        case .step: c.mode == .owner || (c.mode == .auto && ownerReason(f, c) != nil)
        case .resizing: c.mode == .auto && ownerReason(f, c) != nil
        case .atMaximum, .noLimit: false
        }
    }

    public static func plan(_ f: MemoryScalerEvaluator.Finding, _ c: Context, owner: Owner?) -> Plan {
        switch f {
        case .noLimit(let pod, let name):
            return .report(reason: "NoLimit", message: "container \(name) of pod \(pod.name) has no memory limit: there is nothing to multiply, so it is not touched", warning: false)
        case .atMaximum(let pod, let name, let limit, let trigger):
            return .report(
                reason: "AtMaximum",
                message: "container \(name) of pod \(pod.name) is at \(MemoryStep.quantity(bytes: limit)), maxMemory or more: \(trigger.description); no further step",
                warning: true)
        case .resizing(let pod, let name, let requested, let applied, _):
            let what = "the in-place resize of container \(name) of pod \(pod.name) to \(MemoryStep.quantity(bytes: requested)) (applied: \(MemoryStep.quantity(bytes: applied)))"
            if let why = c.mode == .auto ? ownerReason(f, c) : nil {
                return throughOwner(pod, name, podLimit: applied, to: requested, trigger: "\(what) did not happen", why: why, c, owner)
            }
            if let pending = pod.resizePending {
                if pending.reason == "Infeasible" {
                    return .report(reason: "Infeasible", message: "\(what) is infeasible: \(pending.message)", warning: true)
                }
                let left = pending.since.map { $0.secondsSinceEpoch + deferredLimit - c.now.secondsSinceEpoch } ?? deferredLimit
                return .wait("\(what) is deferred by the kubelet: \(pending.message)", retryAfter: c.mode == .auto ? max(1, left) : nil)
            }
            return .wait("\(what) is in progress", retryAfter: nil)
        case .step(let pod, let name, let from, let to, let trigger):
            switch c.mode {
            case .owner:
                return throughOwner(pod, name, podLimit: from, to: to, trigger: trigger.description, why: nil, c, owner)
            case .auto:
                if let why = ownerReason(f, c) {
                    return throughOwner(pod, name, podLimit: from, to: to, trigger: trigger.description, why: why, c, owner)
                }
            case .inPlace:
                if let refused = c.inPlaceRefused {
                    return .report(reason: "Refused", message: "the in-place resize of container \(name) of pod \(pod.name) was refused: \(refused)", warning: true)
                }
                if let change = qosChange(pod, container: name, from: from, to: to) {
                    return .report(
                        reason: "Refused",
                        message: "not resizing container \(name) of pod \(pod.name) in place: it would change the pod's QoS class \(change), which Kubernetes forbids; mode Owner or Auto goes through the owner",
                        warning: true)
                }
            }
            if let wait = cooling(uid: pod.uid, container: name, what: "pod \(pod.name)", c) { return wait }
            let seen = pod.containers.firstIndex { $0.name == name }.flatMap { i in
                pod.containers[i].limitText.map { ActionSpec.RaiseMemory.Seen(index: i, limitText: $0, requestText: pod.containers[i].requestText) }
            }
            return .raise(.init(target: .pod, name: pod.name, uid: pod.uid, container: name, fromLimit: from, toLimit: to, seen: seen), trigger: trigger.description)
        }
    }

    /// A step through the owner's pod template: from the template's limit
    /// to `to`. A pod whose limit is below the template's is from before
    /// the last step and waits for the rollout to replace it.
    static func throughOwner(
        _ pod: ScaledPod, _ name: String, podLimit: Int64, to: Int64, trigger: String, why: String?, _ c: Context, _ owner: Owner?
    ) -> Plan {
        let because = why.map { " (in place is not used: \($0))" } ?? ""
        switch owner {
        case nil:
            return .wait("looking up the owner of pod \(pod.name)", retryAfter: 5)
        case .none(let reason)?:
            return .report(
                reason: "NoOwner",
                message: "container \(name) of pod \(pod.name) needs more memory (\(trigger)) but cannot get it through an owner: \(reason)\(because); a bare pod is never replaced",
                warning: true)
        case .workload(let target, let wname, let uid, let limit)?:
            guard let templateLimit = limit, templateLimit > 0 else {
                return .report(
                    reason: "NoLimit",
                    message: "the pod template of \(target.rawValue) \(wname) has no memory limit for container \(name): there is nothing to multiply\(because)", warning: true)
            }
            if podLimit < templateLimit {
                return .wait(
                    "pod \(pod.name) has \(MemoryStep.quantity(bytes: podLimit)), from before \(target.rawValue) \(wname)'s template was raised to \(MemoryStep.quantity(bytes: templateLimit)): waiting for the rollout to replace it",
                    retryAfter: nil)
            }
            if to <= templateLimit {
                return .wait("\(target.rawValue) \(wname)'s template already gives container \(name) \(MemoryStep.quantity(bytes: templateLimit))", retryAfter: nil)
            }
            if let wait = cooling(uid: uid, container: name, what: "\(target.rawValue) \(wname)", c) { return wait }
            return .raise(.init(target: target, name: wname, uid: uid, container: name, fromLimit: templateLimit, toLimit: to), trigger: trigger + because)
        }
    }

    static func cooling(uid: String, container: String, what: String, _ c: Context) -> Plan? {
        guard c.cooldown > 0, let last = c.lastStep["\(uid)/\(container)"] else { return nil }
        let left = last.secondsSinceEpoch + c.cooldown - c.now.secondsSinceEpoch
        guard left > 0 else { return nil }
        return .wait("\(what) was stepped at \(last.text): cooling down until \(RFC3339Time(secondsSinceEpoch: last.secondsSinceEpoch + c.cooldown).text)", retryAfter: left)
    }

    // MARK: QoS

    /// `Burstable → Guaranteed` when the step would change the pod's QoS class; nil when it keeps it.
    public static func qosChange(_ pod: ScaledPod, container: String, from: Int64, to: Int64) -> String? {
        var after = pod.containers
        if let i = after.firstIndex(where: { $0.name == container }) {
            after[i].limit = to
            after[i].request = after[i].request.map { MemoryStep.request(current: $0, fromLimit: from, toLimit: to) }
        }
        let before = qosClass(pod.containers)
        let now = qosClass(after)
        return before == now ? nil : "\(before) → \(now)"
    }

    /// The QoS class of containers, as Kubernetes computes it from requests and limits.
    public static func qosClass(_ containers: [ScaledPod.Container]) -> String {
        var any = false
        var guaranteed = true
        for c in containers {
            let cpuLimit = c.cpuLimit.flatMap(Quantity.parse)
            let cpuRequest = c.cpuRequest.flatMap(Quantity.parse) ?? cpuLimit
            let memRequest = c.request ?? c.limit
            if cpuLimit != nil || cpuRequest != nil || c.limit != nil || memRequest != nil { any = true }
            if cpuLimit == nil || c.limit == nil || cpuRequest != cpuLimit || memRequest != c.limit { guaranteed = false }
        }
        if !any { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
