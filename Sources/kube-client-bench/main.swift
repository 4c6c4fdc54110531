import Foundation
import Kube
import VigilHTTP

// Kubernetes client benchmark: GET requests/s over one keep-alive HTTP/1.1
// connection and watch events decoded per second, side by side with the
// official Python client doing the same work against the same kube-sim.
// Prints JSON, then a summary.

struct Options {
    var kubeSim = ".build/release/kube-sim"
    var python = "python3"
    var gets = 5000
    var events = 20000

    init(_ args: [String]) {
        var i = 1
        while i < args.count {
            let v = i + 1 < args.count ? args[i + 1] : ""
            switch args[i] {
            case "--kube-sim": kubeSim = v
            case "--python": python = v
            case "--gets": gets = Int(v) ?? gets
            case "--events": events = Int(v) ?? events
            default:
                FileHandle.standardError.write(Data("usage: kube-client-bench [--kube-sim PATH] [--python PATH] [--gets N] [--events N]\n".utf8))
                exit(2)
            }
            i += 2
        }
    }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
func round1(_ x: Double) -> Double { (x * 10).rounded() / 10 }

let opts = Options(CommandLine.arguments)
let sim = Process()
sim.executableURL = URL(fileURLWithPath: opts.kubeSim)
sim.arguments = ["--port", "0", "--no-workloads", "--log-level", "warning", "--event-window", "100000"]
let out = Pipe()
sim.standardOutput = out
try sim.run()
defer { kill(sim.processIdentifier, SIGKILL) }
var urlData = Data()
while !urlData.contains(UInt8(ascii: "\n")) {
    let chunk = out.fileHandleForReading.availableData
    if chunk.isEmpty { break }
    urlData.append(chunk)
}
let url = String(decoding: urlData, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
guard url.hasPrefix("http://") else {
    FileHandle.standardError.write(Data("kube-sim did not start (\(opts.kubeSim))\n".utf8))
    exit(1)
}

let client = try KubeClient(server: url, options: .init(qps: 0))
let ns = "bench"
_ = try await client.create(.namespaces, Namespace(metadata: ObjectMeta(name: ns)))
_ = try await client.create(.configMaps, namespace: ns, ConfigMap(metadata: ObjectMeta(name: "bench", namespace: ns), data: ["k": "v"]))
// Realistic pods for the watch: each ~1 KiB of JSON.
let podJSON = { (i: Int) in
    #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod-\#(i)","labels":{"app":"bench","tier":"web","idx":"\#(i)"},"annotations":{"note":"benchmark pod"}},"spec":{"containers":[{"name":"app","image":"registry.example/app:1.2.3","command":["/bin/app","--serve"],"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"memory":"256Mi"}},"env":[{"name":"MODE","value":"bench"}]}]}}"#
}
try await withThrowingTaskGroup(of: Void.self) { group in
    for w in 0..<8 {
        group.addTask {
            for i in stride(from: w, to: opts.events, by: 8) {
                _ = try await client.send(.create(.pods, namespace: ns, body: Array(podJSON(i).utf8)))
            }
        }
    }
    try await group.waitForAll()
}

// GETs, sequential on one connection.
_ = try await client.get(ConfigMap.self, namespace: ns, name: "bench")
var t0 = ContinuousClock.now
for _ in 0..<opts.gets { _ = try await client.get(ConfigMap.self, namespace: ns, name: "bench") }
let getsPerSecond = Double(opts.gets) / seconds(ContinuousClock.now - t0)

// Watch from resourceVersion 0 end to end: every pod as an ADDED event,
// decoded into `Pod` (bounded by how fast kube-sim sends).
t0 = ContinuousClock.now
var streamed = 0
for try await ev in client.watch(Pod.self, namespace: ns, options: ListOptions(resourceVersion: "0", timeoutSeconds: 120)) {
    if case .added = ev { streamed += 1 }
    if streamed >= opts.events { break }
}
let streamedPerSecond = Double(streamed) / seconds(ContinuousClock.now - t0)

// Decoding alone, on a recorded stream, so the server's speed is out of the
// comparison: the same bytes go to the Python client below.
let raw = try await client.http.stream(HTTPRequest(url: url + "/api/v1/namespaces/\(ns)/pods?watch=true&resourceVersion=0&timeoutSeconds=2"))
var recorded: [UInt8] = []
for try await chunk in raw.body { recorded += chunk }
let eventsFile = FileManager.default.temporaryDirectory.appendingPathComponent("kube-client-bench-\(getpid()).jsonl").path
_ = FileManager.default.createFile(atPath: eventsFile, contents: Data(recorded))
defer { try? FileManager.default.removeItem(atPath: eventsFile) }
var splitter = WatchLineSplitter()
let lines = try splitter.feed(recorded)
t0 = ContinuousClock.now
var decoded = 0
for line in lines {
    if case .added(let p) = try WatchEventDecoder.decode(line, as: Pod.self), p.metadata.name != nil { decoded += 1 }
}
let eventsPerSecond = Double(lines.count) / seconds(ContinuousClock.now - t0)

// The Python client, same server, same work.
let script = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("../../loadtest/bench_python_client.py").standardized.path
let py = Process()
py.executableURL = URL(fileURLWithPath: "/usr/bin/env")
py.arguments = [opts.python, FileManager.default.fileExists(atPath: script) ? script : "loadtest/bench_python_client.py", url, ns, String(opts.gets), eventsFile]
let pyOut = Pipe()
py.standardOutput = pyOut
try py.run()
let pyData = pyOut.fileHandleForReading.readDataToEndOfFile()
py.waitUntilExit()
let pyResult = (try? JSONSerialization.jsonObject(with: pyData)) as? [String: Any] ?? [:]
let pyGets = pyResult["getsPerSecond"] as? Double ?? 0
let pyEvents = pyResult["watchEventsDecodedPerSecond"] as? Double ?? 0

let result: [String: Any] = [
    "gets": opts.gets, "watchEvents": lines.count, "decodedWithName": decoded,
    "swift": ["getsPerSecond": round1(getsPerSecond), "watchEventsDecodedPerSecond": round1(eventsPerSecond),
        "watchEventsStreamedPerSecond": round1(streamedPerSecond)],
    "python": ["getsPerSecond": pyGets, "watchEventsDecodedPerSecond": pyEvents, "exitCode": Int(py.terminationStatus)],
    "ratio": ["gets": pyGets > 0 ? round1(getsPerSecond / pyGets) : 0, "watchDecoding": pyEvents > 0 ? round1(eventsPerSecond / pyEvents) : 0],
]
let json = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
print(String(decoding: json, as: UTF8.self))
print("""

    Kubernetes client benchmark (kube-sim on loopback, HTTP/1.1 keep-alive)
      GET requests/s       Vigil \(round1(getsPerSecond))   Python \(pyGets)   ratio \(pyGets > 0 ? String(round1(getsPerSecond / pyGets)) : "n/a")
      watch events decoded/s  Vigil \(round1(eventsPerSecond))   Python \(pyEvents)   ratio \(pyEvents > 0 ? String(round1(eventsPerSecond / pyEvents)) : "n/a")   (aim ≥ 10×)
      watch end to end     Vigil \(round1(streamedPerSecond)) events/s (bounded by kube-sim's sending)
    """)
