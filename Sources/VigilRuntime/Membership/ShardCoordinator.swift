import Synchronization

/// The leader's side of sharding (docs/architecture.md, "Sharding"): run it
/// only while this replica leads (e.g. as
/// `LeaderElector.run(whileLeading:)`'s work). Every retry period, and
/// exactly when a live member lease would expire, it
///
/// 1. lists the ring's member leases (quorum read) and judges them with a
///    `MemberLivenessTracker` on the local clock;
/// 2. reads the shard map (quorum GET) and computes `ShardMap.next(given:)`;
/// 3. if the map changes: first marks every lease it newly judged expired
///    (`vigil.dev/dead-in-epoch`, written with the resourceVersion it
///    judged, so a renewal that raced the judgement wins and the round is
///    abandoned), then writes ConfigMap `vigil-shardmap` (create, or JSON
///    patch testing the resourceVersion it read).
///
/// A conflict anywhere ends the round; the next round starts from fresh
/// reads. Nothing is written when nothing changed.
///
/// Run `observe()` on every replica, leader or not: it keeps the liveness
/// tracker current, so a replica that becomes the leader after the old one
/// died already knows how long each member lease has gone unrenewed (a fresh
/// tracker would wait a whole lease duration before judging the dead
/// leader's member lease expired, doubling the failover time).
public final class ShardCoordinator: Sendable {
    public let config: MembershipConfig
    let leases: any MemberLeaseStore
    let maps: any ShardMapStore
    let clock: any RuntimeClock

    struct State {
        var tracker: MemberLivenessTracker
        var lastPublished: ShardMap?
        var lastError: String?
        var mapWrites = 0
        var marks = 0
    }

    let state: Mutex<State>
    let wakeup = Wakeup()

    public init(config: MembershipConfig, leases: any MemberLeaseStore, maps: any ShardMapStore, clock: any RuntimeClock = SystemClock()) {
        state = Mutex(State(tracker: MemberLivenessTracker(defaultLeaseDuration: config.timing.leaseDuration)))
        self.config = config
        self.leases = leases
        self.maps = maps
        self.clock = clock
    }

    /// The map this coordinator last wrote, if any.
    public var lastPublished: ShardMap? { state.withLock { $0.lastPublished } }
    /// The last failed round, for diagnostics (nil after a good round).
    public var lastError: String? { state.withLock { $0.lastError } }
    /// How many times this coordinator wrote the shard map.
    public var mapWrites: Int { state.withLock { $0.mapWrites } }
    /// How many leases this coordinator marked dead.
    public var marks: Int { state.withLock { $0.marks } }

    /// Coordinates until the calling task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            var wait = config.timing.retryPeriod
            do {
                if let expiry = try await round() {
                    wait = min(wait, max(0.005, expiry - clock.now() + 0.001))
                }
                state.withLock { $0.lastError = nil }
            } catch {
                if Task.isCancelled { return }
                state.withLock { $0.lastError = "\(error)" }
            }
            await wakeup.wait(atMost: wait, on: clock)
        }
    }

    /// Starts the next round now instead of at the next retry period (a
    /// watch saw a member lease change). Harmless when not leading.
    public func poke() { wakeup.poke() }

    /// Keeps the liveness tracker current (a list of the member leases every
    /// retry period) until the calling task is cancelled. Run it on every
    /// replica; errors are retried at the next period.
    public func observe() async {
        while !Task.isCancelled {
            if let listed = try? await bounded({ [config, leases] in try await leases.listMemberLeases(namespace: config.namespace, ring: config.ring) }) {
                let now = clock.now()
                state.withLock { _ = $0.tracker.observe(listed, now: now) }
            }
            try? await clock.sleep(for: config.timing.retryPeriod)
        }
    }

    /// One round; returns when the earliest live lease would expire.
    func round() async throws -> Double? {
        let listed = try await bounded { [config, leases] in try await leases.listMemberLeases(namespace: config.namespace, ring: config.ring) }
        let now = clock.now()
        let (judgements, tracker) = state.withLock { s in (s.tracker.observe(listed, now: now), s.tracker) }
        let (map, rv) = try await bounded { [config, maps] in try await maps.readShardMap(namespace: config.namespace) }
        let next = map.next(given: judgements.map(\.status))
        if next != map {
            for j in judgements where j.needsMark {
                guard let basis = j.record.resourceVersion else { continue }
                var marked = j.record
                marked.deadInEpoch = next.epoch
                let mark = marked
                _ = try await bounded { [config, leases] in try await leases.updateMemberLease(namespace: config.namespace, mark, precondition: basis) }
                state.withLock { $0.marks += 1 }
            }
            _ = try await bounded { [config, maps] in try await maps.writeShardMap(namespace: config.namespace, next, precondition: rv) }
            state.withLock { s in
                s.lastPublished = next
                s.mapWrites += 1
            }
        }
        return tracker.nextExpiry(judgements)
    }

    func bounded<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await LeaderElector.bounded(config.timing.renewDeadline, clock, body)
    }
}
