import Foundation
import Kube
import ProcessFixtures
import VigilHTTP
import VigilJSON

/// A kube-sim, a `Receiver` and a set of replica processes of the HA test
/// controller (`vigil-loadtest replica`), for the chaos test and the
/// failover benchmark. Replica slots are restarted under a new identity
/// (`r<slot>-g<generation>`), as a Deployment replaces a pod.
public actor HACluster {
    public struct Options: Sendable {
        /// The `vigil-loadtest` binary (it runs `replica`).
        public var binary: String
        /// Where replica logs go.
        public var runDirectory: String
        /// `fast` or `conservative` (leader and member lease timing).
        public var profile = "fast"
        /// Where the leases and the shard map live.
        public var leaseNamespace = "default"
        /// Controller workers per replica.
        public var workers = 4
        /// Extra `replica` arguments (`--ungated` for the negative control).
        public var replicaArguments: [String] = []
        /// Extra kube-sim arguments.
        public var simArguments: [String] = []

        public init(binary: String = HACluster.defaultBinary, runDirectory: String) {
            self.binary = binary
            self.runDirectory = runDirectory
        }
    }

    /// What a replica's `/shards` says.
    public struct ShardReport: Sendable, Hashable {
        public var member: String
        public var isLeader: Bool
        public var phase: String
        public var epoch: Int
        public var committedEpoch: Int
        public var owned: [String]
        public var activeCount: Int
        public var namespaceCount: Int
        /// The members of the adopted epoch.
        public var members: [String]
    }

    /// `$VIGIL_LOADTEST_BIN`, else `<package root>/.build/debug/vigil-loadtest`
    /// (which `swift build` makes).
    public static var defaultBinary: String {
        if let path = ProcessInfo.processInfo.environment["VIGIL_LOADTEST_BIN"], !path.isEmpty { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/vigil-loadtest").path
    }

    public let options: Options
    public let sim: KubeSimProcess
    public let client: KubeClient
    public let receiver: Receiver
    let http: HTTPClient
    var receiverTask: Task<Void, Never>?
    public private(set) var replicas: [String: ReplicaProcess] = [:]
    var generations: [Int: Int] = [:]
    var slots: [String: Int] = [:]

    init(options: Options, sim: KubeSimProcess, client: KubeClient, receiver: Receiver, http: HTTPClient) {
        self.options = options
        self.sim = sim
        self.client = client
        self.receiver = receiver
        self.http = http
    }

    /// Starts kube-sim and the receiver and installs the HATask CRD.
    public static func start(_ options: Options) async throws -> HACluster {
        guard FileManager.default.isExecutableFile(atPath: options.binary) else {
            throw HARunError(message: "the replica binary \(options.binary) does not exist; run `swift build` first")
        }
        try FileManager.default.createDirectory(atPath: options.runDirectory, withIntermediateDirectories: true)
        // Logs of an earlier run would be appended to: start clean.
        for f in (try? FileManager.default.contentsOfDirectory(atPath: options.runDirectory)) ?? [] where f.hasSuffix(".log") {
            try? FileManager.default.removeItem(atPath: options.runDirectory + "/" + f)
        }
        let sim = try await KubeSimProcess.start(arguments: ["--event-window", "100000"] + options.simArguments)
        let client = try KubeClient(server: sim.url, options: KubeClient.Options(qps: 0))
        let receiver = Receiver(port: try freeLoopbackPort())
        let cluster = HACluster(options: options, sim: sim, client: client, receiver: receiver, http: try HTTPClient())
        await cluster.startReceiver()
        try await cluster.installCRD()
        return cluster
    }

    func startReceiver() async {
        let receiver = receiver
        receiverTask = Task { try? await receiver.run() }
        for _ in 0..<200 {
            if let r = try? await http.execute(HTTPRequest(url: receiver.url + "/stats", timeout: .seconds(1))), r.status == 200 { return }
            try? await Task.sleep(for: .milliseconds(25))
        }
    }

    func installCRD() async throws {
        _ = try await client.send(.create(.customResourceDefinitions, namespace: nil, body: HATask.crd.serialized()))
        for _ in 0..<200 {
            if (try? await client.list(HATask.descriptor, namespace: "default", options: ListOptions(limit: 1))) != nil { return }
            try? await Task.sleep(for: .milliseconds(25))
        }
        throw HARunError(message: "the HATask CRD was not served within 5 s")
    }

    // MARK: Namespaces and tasks

    /// Creates `namespace` with one HATask.
    public func createTask(namespace: String, effects: Int, periodSeconds: Double, workMillis: Int, heartbeat: Bool = false) async throws {
        _ = try await client.create(.namespaces, Namespace(metadata: ObjectMeta(name: namespace)))
        let task = HATask.object(namespace: namespace, effects: effects, periodSeconds: periodSeconds, workMillis: workMillis, heartbeat: heartbeat)
        _ = try await client.send(.create(HATask.descriptor, namespace: namespace, body: task.serialized()))
    }

    public func deleteNamespace(_ namespace: String) async throws {
        try await client.delete(.namespaces, name: namespace)
    }

    /// Whether the task's ledger shows `effects` succeeded entries.
    public func taskCompleted(namespace: String, effects: Int) async -> Bool {
        guard let task = try? await client.get(HATask.descriptor, namespace: namespace, name: "task") else { return false }
        guard case .array(let entries)? = task.status?["effects"] else { return effects == 0 }
        return entries.filter { $0["phase"]?.stringValue == "Succeeded" }.count >= effects
    }

    // MARK: Replicas

    /// Starts the next generation of replica `slot`; returns its identity.
    @discardableResult
    public func startReplica(slot: Int) throws -> String {
        let generation = (generations[slot] ?? 0) + 1
        generations[slot] = generation
        let id = "r\(slot)-g\(generation)"
        let port = try freeLoopbackPort()
        let arguments = [
            "replica", "--server", sim.url, "--id", id, "--port", String(port), "--receiver", receiver.url, "--profile", options.profile,
            "--lease-namespace", options.leaseNamespace, "--workers", String(options.workers),
        ] + options.replicaArguments
        let process = try ReplicaProcess(
            executable: options.binary, arguments: arguments, id: id, port: port, logPath: "\(options.runDirectory)/\(id).log")
        replicas[id] = process
        slots[id] = slot
        return id
    }

    public func slot(of id: String) -> Int? { slots[id] }

    public var liveReplicas: [String] { replicas.filter { $0.value.isRunning }.map(\.key).sorted() }

    /// SIGKILL; returns the time (run clock) it was reaped.
    @discardableResult
    public func kill(_ id: String) async -> Double {
        await replicas[id]?.kill()
        let at = receiver.now()
        receiver.markStopped(id, at: at)
        replicas[id] = nil
        return at
    }

    /// SIGTERM and wait; returns (time sent, exited by itself).
    public func terminate(_ id: String, timeout: Double = 20) async -> (sentAt: Double, graceful: Bool) {
        let (sent, graceful, _) = await terminateWithStatus(id, timeout: timeout)
        return (sent, graceful)
    }

    /// SIGTERM and wait; returns (time sent, exited by itself, exit status).
    public func terminateWithStatus(_ id: String, timeout: Double = 20) async -> (sentAt: Double, graceful: Bool, status: Int32) {
        guard let p = replicas[id] else { return (receiver.now(), true, 0) }
        let sent = receiver.now()
        let (graceful, status) = await p.terminate(timeout: timeout)
        receiver.markStopped(id)
        replicas[id] = nil
        return (sent, graceful, status)
    }

    public func process(_ id: String) -> ReplicaProcess? { replicas[id] }

    /// Stops every replica (gracefully, bounded), the receiver and kube-sim.
    public func shutdown() async {
        for id in replicas.keys.sorted() { _ = await terminate(id, timeout: 15) }
        receiverTask?.cancel()
        // ChildProcess.stop() blocks until the process is reaped: not on the concurrency pool.
        let sim = sim
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                sim.stop()
                c.resume()
            }
        }
    }

    // MARK: Observing

    /// The leader lease's holder, if any.
    public func leader() async -> String? {
        guard let lease = try? await client.get(Lease.self, namespace: options.leaseNamespace, name: "vigil-leader") else { return nil }
        let holder = lease.spec?.holderIdentity ?? ""
        return holder.isEmpty ? nil : holder
    }

    /// A replica's `/shards`, nil when it does not answer.
    public func shards(_ id: String) async -> ShardReport? {
        guard let p = replicas[id],
            let r = try? await http.execute(HTTPRequest(url: "http://127.0.0.1:\(p.port)/shards", timeout: .seconds(2))), r.status == 200,
            let j = try? JSON.parse(r.body)
        else { return nil }
        let owned: [String]
        if case .array(let a)? = j["ownedNamespaces"] { owned = a.compactMap(\.stringValue) } else { owned = [] }
        let members: [String]
        if case .array(let a)? = j["members"] { members = a.compactMap(\.stringValue) } else { members = [] }
        if case .bool(let leader)? = j["isLeader"] {
            return ShardReport(
                member: j["member"]?.stringValue ?? id, isLeader: leader, phase: j["phase"]?.stringValue ?? "",
                epoch: Int(j["epoch"]?.intValue ?? 0), committedEpoch: Int(j["committedEpoch"]?.intValue ?? 0), owned: owned,
                activeCount: Int(j["activeCount"]?.intValue ?? 0), namespaceCount: Int(j["namespaceCount"]?.intValue ?? 0), members: members)
        }
        return nil
    }

    /// Waits until every live replica answers, all adopted one committed
    /// epoch whose members are exactly the live replicas, every replica sees at least `namespaces` namespaces and
    /// together they may work on all of them (each exactly once). Returns
    /// the reports.
    @discardableResult
    public func waitUntilStable(namespaces: Int, timeout: Double = 60) async throws -> [ShardReport] {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        var last = ""
        while ContinuousClock.now < deadline {
            let live = liveReplicas
            var reports: [ShardReport] = []
            for id in live { if let r = await shards(id) { reports.append(r) } }
            let epochs = Set(reports.map(\.epoch))
            let owned = reports.reduce(0) { $0 + $1.owned.count }
            let active = reports.reduce(0) { $0 + $1.activeCount }
            last = "replicas \(live), members \(Set(reports.map { $0.members.sorted() }).sorted { $0.description < $1.description }), answered \(reports.count), epochs \(epochs.sorted()), committed \(Set(reports.map(\.committedEpoch)).sorted()), owned \(owned), active \(active) of \(namespaces)"
            // Every namespace in the cluster counts (kube-system and the like too).
            let total = reports.map(\.namespaceCount).max() ?? 0
            if reports.count == live.count, !live.isEmpty, epochs.count == 1,
                reports.allSatisfy({ $0.committedEpoch == $0.epoch && $0.phase == "active" && $0.namespaceCount == total }),
                reports.allSatisfy({ Set($0.members) == Set(live) }),
                total >= namespaces, owned == total, active == total
            {
                return reports
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HARunError(message: "the ring did not settle within \(timeout) s: \(last)")
    }

    /// Polls until `begin` was seen on every namespace of `namespaces` from a
    /// replica other than `excluding` after `after`; returns the time of the
    /// last of those, or nil at the timeout.
    public func waitUntilWorked(_ namespaces: Set<String>, excluding: String, after: Double, timeout: Double) async -> Double? {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while ContinuousClock.now < deadline {
            let begins = receiver.firstBegins(of: namespaces, excluding: excluding, after: after)
            if begins.count == namespaces.count { return begins.values.max() ?? after }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}
