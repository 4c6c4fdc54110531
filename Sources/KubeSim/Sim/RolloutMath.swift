/// The arithmetic of a Deployment's rolling update, after
/// kube-controller-manager's `deployment/util`: resolving maxSurge and
/// maxUnavailable, and how far the new ReplicaSet may scale up and the old
/// ones down.
enum RolloutMath {
    /// An int-or-percent against `total`; percentages round up for surge,
    /// down for unavailability.
    static func resolve(_ v: JSON?, total: Int, roundUp: Bool, default d: Int) -> Int {
        guard let v else { return d }
        if let i = v.intValue { return Int(i) }
        guard let s = v.stringValue else { return d }
        if s.hasSuffix("%"), let p = Double(s.dropLast()) {
            let x = p * Double(total) / 100
            return Int(roundUp ? x.rounded(.up) : x.rounded(.down))
        }
        return Int(s) ?? d
    }

    /// (maxSurge, maxUnavailable); never both zero.
    static func surgeAndUnavailable(_ strategy: JSON?, replicas: Int) -> (surge: Int, unavailable: Int) {
        let ru = strategy?["rollingUpdate"]
        var surge = resolve(ru?["maxSurge"], total: replicas, roundUp: true, default: Int((Double(replicas) * 0.25).rounded(.up)))
        var unavailable = resolve(ru?["maxUnavailable"], total: replicas, roundUp: false, default: replicas / 4)
        surge = max(0, surge)
        unavailable = max(0, min(unavailable, replicas))
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (surge, unavailable)
    }

    /// Replicas the new ReplicaSet should have (`NewRSNewReplicas`).
    static func newReplicas(desired: Int, surge: Int, currentTotal: Int, newCurrent: Int) -> Int {
        if newCurrent >= desired { return desired }
        let maxTotal = desired + surge
        if currentTotal >= maxTotal { return newCurrent }
        let scaleUp = min(maxTotal - currentTotal, desired - newCurrent)
        return newCurrent + scaleUp
    }

    /// One old ReplicaSet as the scale-down needs it.
    struct Old: Sendable, Equatable {
        var name: String
        var replicas: Int
        var available: Int
    }

    /// New replica counts of the old ReplicaSets (oldest first), following
    /// `reconcileOldReplicaSets`: first remove unhealthy replicas, then
    /// scale down available ones while keeping `desired - maxUnavailable`
    /// pods available.
    static func scaleDownOld(_ olds: [Old], desired: Int, unavailable: Int, newReplicas: Int, newAvailable: Int) -> [Int] {
        var counts = olds.map(\.replicas)
        let allPods = counts.reduce(0, +) + newReplicas
        let minAvailable = desired - unavailable
        let newUnavailable = newReplicas - newAvailable
        var maxScaledDown = allPods - minAvailable - newUnavailable
        if maxScaledDown <= 0 { return counts }
        // Unhealthy replicas first.
        for i in olds.indices where maxScaledDown > 0 {
            let unhealthy = counts[i] - olds[i].available
            guard unhealthy > 0 else { continue }
            let d = min(maxScaledDown, unhealthy)
            counts[i] -= d
            maxScaledDown -= d
        }
        // Then available ones, keeping minAvailable.
        let availableTotal = zip(olds, counts).map { min($0.available, $1) }.reduce(0, +) + newAvailable
        var canRemove = availableTotal - minAvailable
        for i in olds.indices where canRemove > 0 && counts[i] > 0 {
            let d = min(counts[i], canRemove)
            counts[i] -= d
            canRemove -= d
        }
        return counts
    }
}
