import Testing
import VigilRuntime

/// A randomized, seeded model of a whole ring: members each running a
/// `ShardView`, a leader running `ShardMap.next(given:)`, and a network that
/// delays and reorders every message (watch events, read answers, acks).
/// Membership changes (join, crash, graceful leave, abrupt leave, lease loss
/// and renewal, lease expiry) happen between any two steps. After every step
/// no namespace may have two members allowed to work on it (`mayStart` or
/// in-flight work); after the changes stop and the cluster settles, every
/// namespace is startable by exactly one live member, its rendezvous owner.
@Suite("Shard hand-off: randomized cluster property")
struct ShardHandoffPropertyTests {
    static let sequences = 300
    static let stepsPerSequence = 600

    @Test("no two members ever work on one namespace; after settling each has exactly one owner")
    func randomizedHandoff() {
        var totals = ShardSimCluster.Totals()
        for seed in 1...UInt64(Self.sequences) {
            var sim = ShardSimCluster(seed: seed)
            guard sim.run(steps: Self.stepsPerSequence) else { return }
            totals.add(sim.totals)
        }
        print(
            "[shard-measure] property: \(Self.sequences) sequences x \(Self.stepsPerSequence) steps; \(totals.epochs) epochs published, \(totals.commits) commits, \(totals.workStarted) work items started, \(totals.drainsWaitingOnWork) drains that waited on in-flight work, \(totals.joins) joins, \(totals.crashes) crashes, \(totals.gracefulLeaves) graceful leaves, \(totals.abruptLeaves) abrupt leaves, \(totals.leaseLosses) lease losses, \(totals.expiries) expiries"
        )
        // Guards against a vacuous run (these seeds give 10,341 work items,
        // 789 commits and 396 drains that had to wait on in-flight work).
        #expect(totals.workStarted > 5_000)
        #expect(totals.commits > 400)
        #expect(totals.drainsWaitingOnWork > 200)
    }
}

/// SplitMix64: small, seedable, identical on every platform.
private struct ShardSimRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

private struct ShardSimCluster {
    struct Totals {
        var epochs = 0, commits = 0, drainsWaitingOnWork = 0, workStarted = 0
        var joins = 0, crashes = 0, gracefulLeaves = 0, abruptLeaves = 0, leaseLosses = 0, expiries = 0

        mutating func add(_ o: Totals) {
            epochs += o.epochs
            commits += o.commits
            drainsWaitingOnWork += o.drainsWaitingOnWork
            workStarted += o.workStarted
            joins += o.joins
            crashes += o.crashes
            gracefulLeaves += o.gracefulLeaves
            abruptLeaves += o.abruptLeaves
            leaseLosses += o.leaseLosses
            expiries += o.expiries
        }
    }

    /// One running replica process.
    struct Process {
        var view: ShardView
        var generation: Int
        var inFlight: Set<String> = []
        var pendingDrains: [(epoch: Int, keeping: ShardAssignment)] = []
        var leaseHeld = true
        var leaving = false
        /// How many steps this member's watch runs behind.
        var watchLag = 0
    }

    /// The member Lease as the leader sees it.
    struct LeaseRecord {
        var state: MemberLeaseStatus.State
        var ackEpoch: Int?
        var incarnation: Int
    }

    enum Message {
        case toMember(MemberID, generation: Int, ShardView.Event)
        case ack(MemberID, incarnation: Int, epoch: Int)
    }

    let seed: UInt64
    var rng: ShardSimRNG
    let namespaces = (0..<24).map { "ns-\($0)" }
    var processes: [MemberID: Process] = [:]
    var leases: [MemberID: LeaseRecord] = [:]
    var published = ShardMap.initial
    /// Messages in transit, each with the step from which it may arrive.
    var messages: [(due: Int, message: Message)] = []
    var counter = 0
    var step = 0
    var log: [String] = []
    var totals = Totals()

    /// How often (per thousand steps) membership changes; varies by seed
    /// from calm to stormy.
    let churnPerMille: Int
    /// Every third sequence is about partitions: membership changes are
    /// mostly lost, expired and re-acquired leases, and watches lag.
    let partitions: Bool

    init(seed: UInt64) {
        self.seed = seed
        rng = ShardSimRNG(state: seed)
        churnPerMille = [3, 8, 15, 30, 60][Int(seed % 5)]
        partitions = seed % 3 == 0
    }

    // MARK: Driving

    /// Runs `steps` random steps, then settles; false (after recording an
    /// issue) when a property failed.
    mutating func run(steps: Int) -> Bool {
        for _ in 0..<3 { join() }
        for i in 0..<steps {
            step = i
            randomStep()
            guard checkSafety() else { return false }
        }
        return settle()
    }

    mutating func randomStep() {
        if Int.random(in: 0..<1000, using: &rng) < churnPerMille {
            // Keep two to six replicas running most of the time.
            let running = processes.count
            var roll = running < 2 ? 0 : running >= 6 ? Int.random(in: 2..<8, using: &rng) : Int.random(in: 0..<8, using: &rng)
            if partitions && running >= 2 && Int.random(in: 0..<4, using: &rng) > 0 { roll = [3, 6, 7].randomElement(using: &rng)! }
            switch roll {
            case 0, 1: join()
            case 2: crashRandom()
            case 3: expireRandom()
            case 4: gracefulLeaveRandom()
            case 5: abruptLeaveRandom()
            case 6: loseLeaseRandom()
            default: renewLeaseRandom()
            }
        } else {
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<34: deliverRandomMessage()
            case 34..<64: startRandomWork()
            case 64..<66: finishRandomWork()
            case 66..<80: completeRandomDrain()
            case 80..<93: leaderStep()
            case 93..<95: relistRandom()
            case 95..<96: changeWatchLagRandom()
            case 96..<98: expireRandom()  // time passes: dead or fenced members' leases run out
            default: renewLeaseRandom()  // a fenced member reaches the API server again
            }
        }
        exitHandedOffLeavers()
    }

    // MARK: Member side

    mutating func deliver(_ id: MemberID, _ event: ShardView.Event) {
        guard var p = processes[id] else { return }
        let actions = p.view.step(event)
        processes[id] = p
        note("\(id) <- \(event) => \(actions)")
        for action in actions { perform(action, for: id) }
    }

    mutating func perform(_ action: ShardView.Action, for id: MemberID) {
        guard var p = processes[id] else { return }
        switch action {
        case .stopAll:
            p.inFlight.removeAll()
            p.pendingDrains.removeAll()
        case .readShardMap(let token):
            // The quorum read is served now; its answer travels like any message.
            send(.toMember(id, generation: p.generation, .shardMapRead(published, token: token)))
        case .drain(let epoch, let keeping):
            p.pendingDrains.append((epoch, keeping))
            if p.inFlight.contains(where: { !keeping.owns($0) }) { totals.drainsWaitingOnWork += 1 }
        case .ack(let epoch):
            if !p.leaseHeld { fail("\(id) acked \(epoch) without holding its lease") }
            send(.ack(id, incarnation: leases[id]?.incarnation ?? -1, epoch: epoch))
        }
        processes[id] = p
    }

    mutating func deliverRandomMessage() {
        // Each message that is due arrives now with even odds, in random order.
        var arriving: [Message] = []
        var staying: [(due: Int, message: Message)] = []
        for m in messages {
            if m.due <= step && Bool.random(using: &rng) { arriving.append(m.message) } else { staying.append(m) }
        }
        messages = staying
        arriving.shuffle(using: &rng)
        for m in arriving {
            deliver(m)
            guard checkSafety() else { return }
        }
    }

    mutating func deliver(_ message: Message) {
        switch message {
        case .toMember(let id, let generation, let event):
            guard processes[id]?.generation == generation else { return }
            deliver(id, event)
        case .ack(let id, let incarnation, let epoch):
            guard var lease = leases[id], lease.incarnation == incarnation, lease.state != .expired else { return }
            lease.ackEpoch = max(lease.ackEpoch ?? Int.min, epoch)
            leases[id] = lease
            note("leader sees \(id) ack \(epoch)")
        }
    }

    mutating func startRandomWork() {
        guard let id = randomProcess(where: { _ in true }) else { return }
        let ns = namespaces.randomElement(using: &rng)!
        if startable(id).contains(ns) {
            #expect(processes[id]!.view.mayStart(ns))
            processes[id]!.inFlight.insert(ns)
            totals.workStarted += 1
            note("\(id) starts \(ns)")
        }
    }

    mutating func finishRandomWork() {
        guard let id = randomProcess(where: { !$0.inFlight.isEmpty }) else { return }
        let ns = processes[id]!.inFlight.sorted().randomElement(using: &rng)!
        processes[id]!.inFlight.remove(ns)
    }

    /// The runner finishes a requested drain: in-flight work the assignment
    /// does not keep completes, then the machine hears about it.
    mutating func completeRandomDrain() {
        guard let id = randomProcess(where: { !$0.pendingDrains.isEmpty }) else { return }
        var p = processes[id]!
        let i = Int.random(in: 0..<p.pendingDrains.count, using: &rng)
        let drain = p.pendingDrains[i]
        p.pendingDrains.removeFirst(i + 1)
        p.inFlight = p.inFlight.filter { drain.keeping.owns($0) }
        processes[id] = p
        deliver(id, .inFlightDrained(epoch: drain.epoch))
    }

    /// The watch re-lists (or a lagging watch catches up).
    mutating func relistRandom() {
        guard let id = randomProcess(where: { _ in true }) else { return }
        send(.toMember(id, generation: processes[id]!.generation, .shardMap(published)), lag: processes[id]!.watchLag)
    }

    /// A member's watch starts lagging (or catches up).
    mutating func changeWatchLagRandom() {
        guard let id = randomProcess(where: { _ in true }) else { return }
        processes[id]!.watchLag = Int.random(in: 0..<3, using: &rng) > 0 ? 0 : Int.random(in: 10...100, using: &rng)
    }

    // MARK: Leader side

    mutating func leaderStep() {
        let statuses = leases.map { MemberLeaseStatus(id: $0.key, ackEpoch: $0.value.ackEpoch, state: $0.value.state) }
        let next = published.next(given: statuses)
        guard next != published else { return }
        if next.epoch != published.epoch { totals.epochs += 1 }
        if next.isCommitted { totals.commits += 1 }
        published = next
        note("leader publishes \(next)")
        // (Sorted: Dictionary order differs between runs, and the RNG must not.)
        for (id, p) in processes.sorted(by: { $0.key < $1.key }) where Int.random(in: 0..<30, using: &rng) > 0 {
            // Sometimes a watch skips an event (re-list after a gap); relists catch up.
            send(.toMember(id, generation: p.generation, .shardMap(next)), lag: p.watchLag)
        }
        leases = leases.filter { $0.value.state != .expired }
    }

    // MARK: Membership changes

    mutating func join() {
        counter += 1
        // Sometimes a restarted pod comes back under the name of one that is gone.
        let gone = leases.keys.filter { processes[$0] == nil }.sorted()
        let id: MemberID = (!gone.isEmpty && Bool.random(using: &rng)) ? gone.randomElement(using: &rng)! : MemberID("m\(counter)")
        guard processes[id] == nil else { return }
        leases[id] = LeaseRecord(state: .live, ackEpoch: nil, incarnation: counter)
        processes[id] = Process(view: ShardView(member: id), generation: counter)
        totals.joins += 1
        note("\(id) joins")
        deliver(id, .memberLeaseRenewed)
    }

    mutating func crashRandom() {
        guard let id = randomProcess(where: { _ in true }) else { return }
        processes[id] = nil
        totals.crashes += 1
        note("\(id) crashes")
    }

    /// The leader judges a lease expired. Only possible once the member has
    /// stopped (crashed) or fenced itself: it fences at its renew deadline,
    /// before its lease duration runs out.
    mutating func expireRandom() {
        let candidates = leases.keys.filter { id in
            guard let p = processes[id] else { return true }
            return !p.leaseHeld
        }.sorted()
        guard let id = candidates.randomElement(using: &rng) else { return }
        leases[id]!.state = .expired
        totals.expiries += 1
        note("leader judges \(id) expired")
    }

    mutating func gracefulLeaveRandom() {
        guard let id = randomProcess(where: { $0.leaseHeld && !$0.leaving }) else { return }
        processes[id]!.leaving = true
        leases[id]?.state = .leaving
        totals.gracefulLeaves += 1
        note("\(id) starts leaving")
    }

    /// A leaving member that acked an epoch without itself releases its
    /// lease and exits.
    mutating func exitHandedOffLeavers() {
        for (id, p) in processes.sorted(by: { $0.key < $1.key }) where p.leaving && p.leaseHeld && p.view.hasHandedOffEverything {
            if !p.inFlight.isEmpty {
                Issue.record("seed \(seed) step \(step): \(id) handed off everything but still has \(p.inFlight)")
            }
            processes[id] = nil
            leases[id] = nil
            note("\(id) exits after handing off")
        }
    }

    /// Stop all work, release the lease, exit (no hand-off).
    mutating func abruptLeaveRandom() {
        guard let id = randomProcess(where: { _ in true }) else { return }
        deliver(id, .memberLeaseLost)
        processes[id] = nil
        leases[id] = nil
        totals.abruptLeaves += 1
        note("\(id) leaves abruptly")
    }

    mutating func loseLeaseRandom() {
        guard let id = randomProcess(where: { $0.leaseHeld }) else { return }
        processes[id]!.leaseHeld = false
        totals.leaseLosses += 1
        note("\(id) cannot renew its lease")
        deliver(id, .memberLeaseLost)
    }

    mutating func renewLeaseRandom() {
        guard let id = randomProcess(where: { !$0.leaseHeld }) else { return }
        renew(id)
    }

    mutating func renew(_ id: MemberID) {
        processes[id]!.leaseHeld = true
        if leases[id] == nil || leases[id]!.state == .expired {
            // The leader took the lease away: acquire it anew (ack reset).
            counter += 1
            leases[id] = LeaseRecord(state: processes[id]!.leaving ? .leaving : .live, ackEpoch: nil, incarnation: counter)
            note("\(id) re-acquires its lease")
        } else {
            note("\(id) renews its lease in time")
        }
        deliver(id, .memberLeaseRenewed)
    }

    // MARK: Properties

    /// `mayStart` answers per view state (recomputed only when a view changes).
    var startableCache: [MemberID: (view: ShardView, namespaces: Set<String>)] = [:]

    mutating func startable(_ id: MemberID) -> Set<String> {
        let view = processes[id]!.view
        if let cached = startableCache[id], cached.view == view { return cached.namespaces }
        let set = Set(namespaces.filter { view.mayStart($0) })
        startableCache[id] = (view, set)
        return set
    }

    mutating func checkSafety() -> Bool {
        var startableBy: [MemberID: Set<String>] = [:]
        for id in processes.keys { startableBy[id] = startable(id) }
        for ns in namespaces {
            var workers: [MemberID] = []
            for (id, p) in processes where p.inFlight.contains(ns) || startableBy[id]!.contains(ns) {
                workers.append(id)
            }
            if workers.count > 1 {
                fail("\(workers.sorted()) may all work on \(ns)")
                return false
            }
        }
        return true
    }

    /// No more changes: lost leases renew, dead members expire, messages and
    /// drains flow, watches re-list, until nothing moves.
    mutating func settle() -> Bool {
        step = -1
        for id in processes.keys.sorted() where !processes[id]!.leaseHeld { renew(id) }
        for id in leases.keys.sorted() where processes[id] == nil { leases[id]!.state = .expired }
        if !processes.values.contains(where: { !$0.leaving }) { join() }
        var rounds = 0
        while true {
            rounds += 1
            if rounds > 200 {
                fail("did not settle; published \(published)")
                return false
            }
            let before = published
            while !messages.isEmpty {
                let i = Int.random(in: 0..<messages.count, using: &rng)
                deliver(messages.remove(at: i).message)
                guard checkSafety() else { return false }
            }
            for id in processes.keys.sorted() {
                while processes[id] != nil && !processes[id]!.pendingDrains.isEmpty {
                    completeRandomDrain(of: id)
                    guard checkSafety() else { return false }
                }
            }
            leaderStep()
            exitHandedOffLeavers()
            guard checkSafety() else { return false }
            let behind = processes.filter { $0.value.view.map != published }.sorted { $0.key < $1.key }
            for (id, p) in behind { send(.toMember(id, generation: p.generation, .shardMap(published))) }
            if before == published && behind.isEmpty && messages.isEmpty && processes.values.allSatisfy({ $0.pendingDrains.isEmpty }) {
                break
            }
        }
        let liveIDs = processes.filter { !$0.value.leaving }.map(\.key).sorted()
        guard published.isCommitted, published.members == liveIDs else {
            fail("settled on \(published) with live members \(liveIDs)")
            return false
        }
        for ns in namespaces {
            let starters = processes.filter { $0.value.view.mayStart(ns) }.map(\.key)
            let owner = published.owner(of: ns)
            if starters.count != 1 || starters.first != owner || !(processes[owner!]?.view.owns(ns) ?? false) {
                fail("after settling \(ns) is startable by \(starters), owner \(String(describing: owner))")
                return false
            }
        }
        return true
    }

    mutating func completeRandomDrain(of id: MemberID) {
        var p = processes[id]!
        let drain = p.pendingDrains.removeFirst()
        p.inFlight = p.inFlight.filter { drain.keeping.owns($0) }
        processes[id] = p
        deliver(id, .inFlightDrained(epoch: drain.epoch))
    }

    // MARK: Helpers

    /// Puts a message in transit with a long-tailed delay (most arrive within
    /// a few steps, some after dozens, a few after up to 150), plus the
    /// receiver's watch lag for watch events.
    mutating func send(_ message: Message, lag: Int = 0) {
        let roll = Int.random(in: 0..<100, using: &rng)
        let delay =
            roll < 80
            ? Int.random(in: 0...3, using: &rng) : roll < 97 ? Int.random(in: 4...30, using: &rng) : Int.random(in: 30...150, using: &rng)
        messages.append((step + lag + delay, message))
    }

    mutating func randomProcess(where predicate: (Process) -> Bool) -> MemberID? {
        processes.filter { predicate($0.value) }.keys.sorted().randomElement(using: &rng)
    }

    mutating func note(_ line: String) {
        log.append("[\(step)] \(line)")
        if log.count > 60 { log.removeFirst(log.count - 60) }
    }

    func fail(_ what: String) {
        Issue.record("seed \(seed) step \(step): \(what)\nlast events:\n\(log.joined(separator: "\n"))")
    }
}
