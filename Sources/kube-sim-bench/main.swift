import KubeSim
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// kube-sim benchmark: creates/s and list latency at scale, write-to-watch-event
// delay with many watchers, and the server's RSS. Prints JSON, then a summary.

struct Options {
    var kubeSim = ".build/release/kube-sim"
    var namespaces = 10_000
    var podsPerNamespace = 5
    var concurrency = 8
    var watchers = 100
    var watchWrites = 2_000
    var watchRate = 200.0
    var workloads = false
    var crd = "deploy/crds/vigil.dev_namespacepolicies.yaml"
    var crObjects = 1_000
    var crPatches = 5_000
    var crWatchers = 5
    var crSpec = #"{"policies":[{"name":"ttl","condition":{"ttl":"24h"},"action":{"deleteNamespace":{}}}]}"#

    init(_ args: [String]) {
        var i = 1
        func next() -> String {
            i += 1
            guard i < args.count else { fail("missing value for \(args[i - 1])") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--kube-sim": kubeSim = next()
            case "--namespaces": namespaces = Int(next()) ?? namespaces
            case "--pods-per-namespace": podsPerNamespace = Int(next()) ?? podsPerNamespace
            case "--concurrency": concurrency = Int(next()) ?? concurrency
            case "--watchers": watchers = Int(next()) ?? watchers
            case "--watch-writes": watchWrites = Int(next()) ?? watchWrites
            case "--watch-rate": watchRate = Double(next()) ?? watchRate
            case "--workloads": workloads = true
            case "--crd": crd = next()
            case "--cr-objects": crObjects = Int(next()) ?? crObjects
            case "--cr-patches": crPatches = Int(next()) ?? crPatches
            case "--cr-watchers": crWatchers = Int(next()) ?? crWatchers
            case "--cr-spec": crSpec = next()
            case "-h", "--help":
                print("usage: kube-sim-bench [--kube-sim PATH] [--namespaces N] [--pods-per-namespace N] [--concurrency N] [--watchers N] [--watch-writes N] [--watch-rate PER_S] [--workloads] [--crd FILE] [--cr-objects N] [--cr-patches N] [--cr-watchers N] [--cr-spec JSON]")
                exit(0)
            default: fail("unknown argument \(args[i])")
            }
            i += 1
        }
    }
}

/// The kube-sim this run started, killed by `fail` (it shares our stderr,
/// so a left-over server would keep a pipeline reading it open).
let simProcess = Atomic<Int32>(0)

func fail(_ message: String) -> Never {
    let sim = simProcess.load(ordering: .relaxed)
    if sim > 0 { kill(sim, SIGKILL) }
    let b = Array("kube-sim-bench: \(message)\n".utf8)
    _ = b.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// Nearest-rank percentile, rounded to 0.1.
func percentile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return 0 }
    let s = xs.sorted()
    let rank = max(1, Int((p / 100 * Double(s.count)).rounded(.up)))
    return round1(s[min(s.count, rank) - 1])
}

func round1(_ x: Double) -> Double { (x * 10).rounded() / 10 }

/// Starts kube-sim and reads its URL from the first line of stdout.
func startSim(_ opts: Options) throws -> (pid: pid_t, port: Int) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { fail("pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    var args = [opts.kubeSim, "--port", "0", "--log-level", "warning"]
    if !opts.workloads { args.append("--no-workloads") }
    var cargs = args.map { strdup($0) } + [nil]
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, opts.kubeSim, &actions, nil, &cargs, environ)
    guard rc == 0 else { fail("cannot start \(opts.kubeSim): \(String(cString: strerror(rc)))") }
    simProcess.store(pid, ordering: .relaxed)
    close(fds[1])
    var line: [UInt8] = []
    var c: UInt8 = 0
    while read(fds[0], &c, 1) == 1, c != 10 { line.append(c) }
    let url = String(decoding: line, as: UTF8.self)
    guard let port = url.split(separator: ":").last.flatMap({ Int($0) }) else { fail("kube-sim printed no URL (got '\(url)')") }
    return (pid, port)
}

func procStatus(_ pid: pid_t) -> (rssMiB: Double, cpuSeconds: Double) {
    var rss = 0.0
    if let f = fopen("/proc/\(pid)/status", "r") {
        var buf = [CChar](repeating: 0, count: 512)
        while fgets(&buf, 512, f) != nil {
            let line = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if line.hasPrefix("VmRSS:") {
                rss = Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
            }
        }
        fclose(f)
    }
    var cpu = 0.0
    if let f = fopen("/proc/\(pid)/stat", "r") {
        var buf = [CChar](repeating: 0, count: 1024)
        if fgets(&buf, 1024, f) != nil {
            let s = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if let close = s.lastIndex(of: ")") {
                let fields = s[s.index(after: close)...].split(separator: " ")
                if fields.count > 13, let u = Double(fields[11]), let sy = Double(fields[12]) {
                    cpu = (u + sy) / Double(sysconf(Int32(_SC_CLK_TCK)))
                }
            }
        }
        fclose(f)
    }
    return (rss, cpu)
}

/// Runs `total` requests spread over `concurrency` connections; returns the elapsed time and failures.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
    var current: Int { value.load(ordering: .relaxed) }
}

func runWorkers(port: Int, total: Int, concurrency: Int, _ make: @escaping @Sendable (Int) -> (HTTPMethod, String, [UInt8]?)) async throws -> (Duration, Int) {
    let counter = Counter()
    let failures = Counter()
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                let ch = try await HTTPConnection.open(host: "127.0.0.1", port: port)
                try await ch.executeThenClose { inbound, outbound in
                    var it = inbound.makeAsyncIterator()
                    while true {
                        let i = counter.next()
                        if i >= total { break }
                        let (m, p, b) = make(i)
                        try await HTTPConnection.send(
                            outbound, host: "127.0.0.1", method: m, path: p, body: b,
                            contentType: m == .PATCH ? "application/merge-patch+json" : "application/json")
                        let r = try await HTTPConnection.receive(&it)
                        if r.status >= 300 { _ = failures.next() }
                    }
                }
            }
        }
        try await group.waitForAll()
    }
    return (ContinuousClock.now - start, failures.current)
}

func podBody(_ ns: String, _ name: String) -> [UInt8] {
    let j: JSON = [
        "apiVersion": "v1", "kind": "Pod",
        "metadata": ["name": .string(name), "namespace": .string(ns), "labels": ["app": "bench", "tier": "web"]],
        "spec": ["containers": [[
            "name": "app", "image": "registry.example/app:1.2.3",
            "resources": ["requests": ["cpu": "100m", "memory": "128Mi"], "limits": ["memory": "256Mi"]],
            "env": [["name": "MODE", "value": "bench"]],
        ]]],
    ]
    return j.serialized()
}

let opts = Options(CommandLine.arguments)
let (pid, port) = try startSim(opts)
defer { kill(pid, SIGKILL) }
var results: JSON = ["namespaces": .int(Int64(opts.namespaces)), "pods": .int(Int64(opts.namespaces * opts.podsPerNamespace)),
    "concurrency": .int(Int64(opts.concurrency)), "watchers": .int(Int64(opts.watchers)), "workloads": .bool(opts.workloads)]
let baseline = procStatus(pid)

// 1. Namespaces.
let nsCount = opts.namespaces
let (nsTime, nsFail) = try await runWorkers(port: port, total: nsCount, concurrency: opts.concurrency) { i in
    (.POST, "/api/v1/namespaces", JSON.obj(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string("bench-\(i)")]]).serialized())
}
results["namespaceCreatesPerSecond"] = .double((Double(nsCount) / seconds(nsTime)).rounded())
results["namespaceCreateFailures"] = .int(Int64(nsFail))

// 2. Pods.
let podCount = nsCount * opts.podsPerNamespace
let per = opts.podsPerNamespace
let (podTime, podFail) = try await runWorkers(port: port, total: podCount, concurrency: opts.concurrency) { i in
    let ns = "bench-\(i / per)"
    return (.POST, "/api/v1/namespaces/\(ns)/pods", podBody(ns, "pod-\(i % per)"))
}
results["podCreatesPerSecond"] = .double((Double(podCount) / seconds(podTime)).rounded())
results["podCreateFailures"] = .int(Int64(podFail))
let loaded = procStatus(pid)
results["rssMiBAfterLoad"] = .double(loaded.rssMiB.rounded())
results["rssMiBEmpty"] = .double(baseline.rssMiB.rounded())

// 3. List latency.
func timedGets(_ paths: [String]) async throws -> [Double] {
    var out: [Double] = []
    let ch = try await HTTPConnection.open(host: "127.0.0.1", port: port)
    try await ch.executeThenClose { inbound, outbound in
        var it = inbound.makeAsyncIterator()
        for p in paths {
            let t0 = ContinuousClock.now
            try await HTTPConnection.send(outbound, host: "127.0.0.1", method: .GET, path: p)
            let r = try await HTTPConnection.receive(&it)
            if r.status != 200 { fail("GET \(p) -> \(r.status)") }
            out.append(seconds(ContinuousClock.now - t0) * 1000)
        }
    }
    return out
}
let fullList = try await timedGets(Array(repeating: "/api/v1/pods", count: 3))
results["listAllPodsMs"] = ["p50": .double(percentile(fullList, 50)), "max": .double(round1(fullList.max() ?? 0))]
let nsPaths = (0..<300).map { "/api/v1/namespaces/bench-\(($0 * 7919) % nsCount)/pods" }
let nsList = try await timedGets(nsPaths)
results["listNamespacePodsMs"] = ["p50": .double(percentile(nsList, 50)), "p99": .double(percentile(nsList, 99))]
var pageTimes: [Double] = []
do {
    var cont = ""
    let t0 = ContinuousClock.now
    let ch = try await HTTPConnection.open(host: "127.0.0.1", port: port)
    try await ch.executeThenClose { inbound, outbound in
        var it = inbound.makeAsyncIterator()
        repeat {
            let t1 = ContinuousClock.now
            try await HTTPConnection.send(outbound, host: "127.0.0.1", method: .GET, path: "/api/v1/pods?limit=500" + (cont.isEmpty ? "" : "&continue=\(cont)"))
            let r = try await HTTPConnection.receive(&it)
            pageTimes.append(seconds(ContinuousClock.now - t1) * 1000)
            cont = (try? JSON.parse(r.body))?[path: ["metadata", "continue"]]?.stringValue ?? ""
        } while !cont.isEmpty
    }
    results["paginatedListAllPodsMs"] = .double(round1(seconds(ContinuousClock.now - t0) * 1000))
    results["pageOf500Ms"] = ["p50": .double(percentile(pageTimes, 50)), "p99": .double(percentile(pageTimes, 99))]
}

// 4. Write → watch event delay with many watchers.

/// Reads one watch until `writes` events carrying `marker` followed by a
/// sequence number arrived; returns each event's delay (ms) since its write.
@Sendable func watchDelays(path: String, marker: [UInt8], writes: Int, sendTimes: borrowing Mutex<[Double]>, origin: ContinuousClock.Instant) async throws -> [Double] {
    let ch = try await HTTPConnection.open(host: "127.0.0.1", port: port)
    return try await ch.executeThenClose { inbound, outbound in
        try await HTTPConnection.send(outbound, host: "127.0.0.1", method: .GET, path: path)
        var buffer: [UInt8] = []
        var local: [Double] = []
        for try await part in inbound {
            guard case .body(let b) = part else { if case .end = part { break } else { continue } }
            buffer += b.readableBytesView
            while let nl = buffer.firstIndex(of: 10) {
                let now = seconds(ContinuousClock.now - origin)
                if let r = buffer[..<nl].firstRange(of: marker) {
                    var k = 0
                    var j = r.upperBound
                    while j < nl, buffer[j] >= 48, buffer[j] <= 57 {
                        k = k * 10 + Int(buffer[j] - 48)
                        j += 1
                    }
                    let sent = sendTimes.withLock { k < $0.count ? $0[k] : now }
                    local.append((now - sent) * 1000)
                }
                buffer.removeSubrange(...nl)
            }
            if local.count >= writes { break }
        }
        return local
    }
}

/// The collection's resourceVersion now (watches start there).
func currentResourceVersion(_ listPath: String) async throws -> String {
    let ch = try await HTTPConnection.open(host: "127.0.0.1", port: port)
    return try await ch.executeThenClose { inbound, outbound in
        var it = inbound.makeAsyncIterator()
        try await HTTPConnection.send(outbound, host: "127.0.0.1", method: .GET, path: listPath)
        let r = try await HTTPConnection.receive(&it)
        return (try? JSON.parse(r.body))?[path: ["metadata", "resourceVersion"]]?.stringValue ?? "0"
    }
}

let writes = opts.watchWrites
let sendTimes = Mutex([Double](repeating: 0, count: writes))
let origin = ContinuousClock.now
let delays = Mutex([Double]())
let rvNow = try await currentResourceVersion("/api/v1/namespaces/default/pods?limit=1")
let expected = writes * opts.watchers
try await withThrowingTaskGroup(of: Void.self) { group in
    for _ in 0..<opts.watchers {
        group.addTask {
            let local = try await watchDelays(
                path: "/api/v1/pods?watch=1&resourceVersion=\(rvNow)&timeoutSeconds=120", marker: Array("\"seq\":\"".utf8), writes: writes,
                sendTimes: sendTimes, origin: origin)
            delays.withLock { $0 += local }
        }
    }
    try await Task.sleep(for: .milliseconds(500))  // let every watcher connect
    group.addTask {
        let ch = try await HTTPConnection.open(host: "127.0.0.1", port: port)
        try await ch.executeThenClose { inbound, outbound in
            var it = inbound.makeAsyncIterator()
            let interval = 1.0 / opts.watchRate
            for k in 0..<writes {
                let due = Double(k) * interval + 0.5
                let now = seconds(ContinuousClock.now - origin)
                if due > now { try await Task.sleep(for: .milliseconds(Int64((due - now) * 1000))) }
                let ns = "bench-\((k * 31) % nsCount)"
                sendTimes.withLock { $0[k] = seconds(ContinuousClock.now - origin) }
                try await HTTPConnection.send(outbound, host: "127.0.0.1", method: .PATCH, path: "/api/v1/namespaces/\(ns)/pods/pod-0",
                    body: Array("{\"metadata\":{\"labels\":{\"seq\":\"\(k)\"}}}".utf8), contentType: "application/merge-patch+json")
                let r = try await HTTPConnection.receive(&it)
                if r.status != 200 { fail("PATCH -> \(r.status): \(String(decoding: r.body, as: UTF8.self))") }
            }
        }
    }
    try await group.waitForAll()
}
let d = delays.withLock { $0 }
results["watchEventsExpected"] = .int(Int64(expected))
results["watchEventsReceived"] = .int(Int64(d.count))
results["watchDelayMs"] = ["p50": .double(percentile(d, 50)), "p99": .double(percentile(d, 99)), "max": .double(round1(d.max() ?? 0))]
results["watchWritesPerSecond"] = .double(opts.watchRate)

// 5. Custom resources: status merge patches as fast as the connections
// send them (what a controller's status writes cost the server: schema
// validation, defaulting, merge, serialisation, fan-out to its watchers),
// with `crWatchers` watches of the resource open.
let crdBody: [UInt8]
do {
    guard let f = fopen(opts.crd, "r") else { fail("cannot read the CRD \(opts.crd) (run from the repository root or pass --crd)") }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = fread(&chunk, 1, chunk.count, f)
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    fclose(f)
    crdBody = bytes
}
// The CRD is YAML; kube-sim converts it and answers with JSON.
let crdResponse = try await {
    let ch = try await HTTPConnection.open(host: "127.0.0.1", port: port)
    return try await ch.executeThenClose { inbound, outbound in
        var it = inbound.makeAsyncIterator()
        try await HTTPConnection.send(outbound, host: "127.0.0.1", method: .POST, path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            body: crdBody, contentType: "application/yaml")
        return try await HTTPConnection.receive(&it)
    }
}()
if crdResponse.status >= 300 { fail("creating the CRD -> \(crdResponse.status): \(String(decoding: crdResponse.body, as: UTF8.self))") }
let crdDoc = try? JSON.parse(crdResponse.body)
guard let crGroup = crdDoc?[path: ["spec", "group"]]?.stringValue, let crPlural = crdDoc?[path: ["spec", "names", "plural"]]?.stringValue,
    let crKind = crdDoc?[path: ["spec", "names", "kind"]]?.stringValue,
    case .array(let crVersions)? = crdDoc?[path: ["spec", "versions"]], let crVersion = crVersions.first?["name"]?.stringValue
else { fail("the CRD \(opts.crd) names no group, plural, kind or version") }
try await Task.sleep(for: .milliseconds(300))  // the CRD becomes Established
let crObjects = min(opts.crObjects, nsCount)
guard let crSpec = try? JSON.parse(Array(opts.crSpec.utf8)) else { fail("--cr-spec is not JSON: \(opts.crSpec)") }
let crPath = "/apis/\(crGroup)/\(crVersion)"
let (crCreateTime, crCreateFailures) = try await runWorkers(port: port, total: crObjects, concurrency: opts.concurrency) { i in
    let body: JSON = ["apiVersion": .string("\(crGroup)/\(crVersion)"), "kind": .string(crKind),
        "metadata": ["name": "p", "namespace": .string("bench-\(i)")], "spec": crSpec]
    return (.POST, "\(crPath)/namespaces/bench-\(i)/\(crPlural)", body.serialized())
}
if crCreateFailures > 0 { fail("\(crCreateFailures) of \(crObjects) custom resources could not be created (pass a --cr-spec the CRD accepts)") }
results["customResourceCreatesPerSecond"] = .double((Double(crObjects) / seconds(crCreateTime)).rounded())
let crWrites = opts.crPatches
let crSendTimes = Mutex([Double](repeating: 0, count: crWrites))
let crOrigin = ContinuousClock.now
let crRV = try await currentResourceVersion("\(crPath)/\(crPlural)?limit=1")
let crDelays = Mutex([Double]())
var crPatchTime = Duration.zero
var crPatchFailures = 0
var crCPU = 0.0
try await withThrowingTaskGroup(of: Void.self) { group in
    for _ in 0..<opts.crWatchers {
        group.addTask {
            let local = try await watchDelays(
                path: "\(crPath)/\(crPlural)?watch=1&resourceVersion=\(crRV)&timeoutSeconds=120", marker: Array("\"observedGeneration\":".utf8),
                writes: crWrites, sendTimes: crSendTimes, origin: crOrigin)
            crDelays.withLock { $0 += local }
        }
    }
    try await Task.sleep(for: .milliseconds(500))  // let every watcher connect
    let before = procStatus(pid)
    (crPatchTime, crPatchFailures) = try await runWorkers(port: port, total: crWrites, concurrency: opts.concurrency) { k in
        let ns = "bench-\(k % crObjects)"
        crSendTimes.withLock { $0[k] = seconds(ContinuousClock.now - crOrigin) }
        let body: JSON = ["status": [
            "observedGeneration": .int(Int64(k)),
            "conditions": [["type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z", "reason": "Armed",
                "message": .string("patch \(k)")]],
        ]]
        return (.PATCH, "\(crPath)/namespaces/\(ns)/\(crPlural)/p/status", body.serialized())
    }
    try await group.waitForAll()
    crCPU = procStatus(pid).cpuSeconds - before.cpuSeconds
}
if crPatchFailures > 0 { fail("\(crPatchFailures) of \(crWrites) status patches failed") }
let crd2 = crDelays.withLock { $0 }
results["customResourceStatusPatchesPerSecond"] = .double((Double(crWrites) / seconds(crPatchTime)).rounded())
results["customResourceStatusPatchFailures"] = .int(Int64(crPatchFailures))
results["customResourceServerCpuMsPerPatch"] = .double((crCPU * 1000 / Double(max(1, crWrites)) * 100).rounded() / 100)
results["customResourceWatchers"] = .int(Int64(opts.crWatchers))
results["customResourceWatchEventsExpected"] = .int(Int64(crWrites * opts.crWatchers))
results["customResourceWatchEventsReceived"] = .int(Int64(crd2.count))
results["customResourceWatchEventsPerSecond"] = .double((Double(crd2.count) / seconds(crPatchTime)).rounded())
results["customResourceWatchDelayMs"] = ["p50": .double(percentile(crd2, 50)), "p99": .double(percentile(crd2, 99))]

// 6. Namespace deletion with content: what a burst of expiring namespaces
// costs the server (the namespace, its pods and its custom resource go;
// each delete is a write to the tables every watch reads from).
let nsDeletes = min(crObjects, nsCount)
let deleteCPUBefore = procStatus(pid).cpuSeconds
let (nsDeleteTime, nsDeleteFailures) = try await runWorkers(port: port, total: nsDeletes, concurrency: opts.concurrency) { i in
    (.DELETE, "/api/v1/namespaces/bench-\(i)", nil)
}
if nsDeleteFailures > 0 { fail("\(nsDeleteFailures) of \(nsDeletes) namespace deletes failed") }
let deleteCPU = procStatus(pid).cpuSeconds - deleteCPUBefore
results["namespaceDeletesPerSecond"] = .double((Double(nsDeletes) / seconds(nsDeleteTime)).rounded())
results["namespaceDeleteServerCpuMs"] = .double((deleteCPU * 1000 / Double(max(1, nsDeletes)) * 100).rounded() / 100)
results["namespaceDeleteObjectsEach"] = .int(Int64(opts.podsPerNamespace + 1))

let final = procStatus(pid)
results["rssMiBFinal"] = .double(final.rssMiB.rounded())
results["serverCpuSeconds"] = .double((final.cpuSeconds * 10).rounded() / 10)

print(results.prettyPrinted())
func f(_ v: JSON?) -> String { v.map { $0.serializedString } ?? "?" }
print("""

    kube-sim benchmark (\(opts.namespaces) namespaces, \(podCount) pods, \(opts.concurrency) connections, workloads \(opts.workloads ? "on" : "off"))
      namespace creates/s      \(f(results["namespaceCreatesPerSecond"]))   (aim ≥ 2000)
      pod creates/s            \(f(results["podCreatesPerSecond"]))   (aim ≥ 2000)
      list all pods            p50 \(f(results[path: ["listAllPodsMs", "p50"]])) ms
      list one namespace       p50 \(f(results[path: ["listNamespacePodsMs", "p50"]])) ms, p99 \(f(results[path: ["listNamespacePodsMs", "p99"]])) ms
      paginated full list      \(f(results["paginatedListAllPodsMs"])) ms (pages of 500)
      write → watch event      p50 \(f(results[path: ["watchDelayMs", "p50"]])) ms, p99 \(f(results[path: ["watchDelayMs", "p99"]])) ms with \(opts.watchers) watchers at \(Int(opts.watchRate)) writes/s   (aim p99 < 50)
      events received          \(f(results["watchEventsReceived"])) of \(expected)
      CR status patches/s      \(f(results["customResourceStatusPatchesPerSecond"])) (\(opts.concurrency) connections), \(f(results["customResourceServerCpuMsPerPatch"])) ms of server CPU each   (aim < 1)
      CR watch events          \(f(results["customResourceWatchEventsReceived"])) of \(f(results["customResourceWatchEventsExpected"])), \(f(results["customResourceWatchEventsPerSecond"]))/s to \(opts.crWatchers) watchers, delay p50 \(f(results[path: ["customResourceWatchDelayMs", "p50"]])) ms, p99 \(f(results[path: ["customResourceWatchDelayMs", "p99"]])) ms
      namespace deletes/s      \(f(results["namespaceDeletesPerSecond"])) (each with \(f(results["namespaceDeleteObjectsEach"])) objects), \(f(results["namespaceDeleteServerCpuMs"])) ms of server CPU each
      RSS                      \(f(results["rssMiBAfterLoad"])) MiB loaded, \(f(results["rssMiBFinal"])) MiB at the end   (aim < 1024)
    """)
