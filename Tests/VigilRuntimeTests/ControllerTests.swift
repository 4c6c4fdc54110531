import Kube
import MetricsTestKit
import Synchronization
import Testing

@testable import VigilRuntime

// MARK: Fakes

/// An event source tests drive by hand: it writes its store and calls the
/// handlers, as an informer would.
final class ControllerFakeSource: ControllerEventSource {
    let store = ObjectStore<ConfigMap>()
    private let handlers = Mutex<[InformerHandler<ConfigMap>]>([])

    func addHandler(_ handler: InformerHandler<ConfigMap>) {
        handlers.withLock { $0.append(handler) }
    }

    /// A full list: the store synced.
    func sync(_ items: [ConfigMap]) { deliver(store.replace(with: items)) }

    func added(_ o: ConfigMap) { apply(.added(o)) }
    func modified(_ o: ConfigMap) { apply(.modified(o)) }
    func deleted(_ o: ConfigMap) { apply(.deleted(o)) }

    private func apply(_ event: WatchEvent<ConfigMap>) {
        if let change = store.apply(event) { deliver([change]) }
    }

    private func deliver(_ changes: [StoreChange<ConfigMap>]) {
        let handlers = handlers.withLock { $0 }
        for change in changes { for h in handlers { h.deliver(change) } }
    }

    static func cm(_ ns: String, _ name: String, rv: Int = 1) -> ConfigMap {
        var meta = ObjectMeta(name: name, namespace: ns)
        meta.resourceVersion = "\(rv)"
        return ConfigMap(metadata: meta, data: ["v": "\(rv)"])
    }
}

/// A one-shot latch reconcilers wait on.
final class ControllerGate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s in
                if s.open { return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { s in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    var waiting: Int { state.withLock { $0.waiters.count } }
}

/// A reconciler that records every call (key, clock time, failures so far,
/// the resourceVersion it read) and answers with `behavior`.
final class ControllerRecordingReconciler: Reconciler {
    typealias Object = ConfigMap

    struct Call: Sendable {
        let key: ObjectKey
        let at: Double
        let failures: Int
        /// The resourceVersion the store held, nil if the object was gone.
        let resourceVersion: String?
    }

    let clock: any RuntimeClock
    let behavior: @Sendable (_ key: ObjectKey, _ call: Int) async throws -> ReconcileOutcome
    private let state = Mutex<(calls: [Call], active: Set<ObjectKey>, overlaps: Int, concurrent: Int, maxConcurrent: Int)>(
        ([], [], 0, 0, 0))

    init(
        clock: any RuntimeClock,
        behavior: @escaping @Sendable (_ key: ObjectKey, _ call: Int) async throws -> ReconcileOutcome = { _, _ in .done }
    ) {
        self.clock = clock
        self.behavior = behavior
    }

    func reconcile(_ key: ObjectKey, context: ReconcileContext<ConfigMap>) async throws -> ReconcileOutcome {
        let rv = context.store.get(key)?.metadata.resourceVersion
        let n = state.withLock { s in
            if !s.active.insert(key).inserted { s.overlaps += 1 }
            s.concurrent += 1
            s.maxConcurrent = max(s.maxConcurrent, s.concurrent)
            s.calls.append(Call(key: key, at: clock.now(), failures: context.failures, resourceVersion: rv))
            return s.calls.count(where: { $0.key == key })
        }
        defer {
            state.withLock { s in
                s.active.remove(key)
                s.concurrent -= 1
            }
        }
        return try await behavior(key, n)
    }

    var calls: [Call] { state.withLock { $0.calls } }
    func calls(_ key: String) -> [Call] { calls.filter { $0.key.description == key } }
    var overlaps: Int { state.withLock { $0.overlaps } }
    var maxConcurrent: Int { state.withLock { $0.maxConcurrent } }
}

/// A flag tasks set and tests read.
final class ControllerFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

struct ControllerTestError: Error, CustomStringConvertible {
    var description: String { "injected failure" }
}

/// Polls `condition` (real time) until it holds or `seconds` pass.
/// (20 s: the whole suite runs in parallel with the multi-process HA tests on small CI machines.)
func controllerEventually(_ seconds: Double = 20, _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
}

/// Lets other tasks run for a little real time (to show something does *not* happen).
func controllerSettle(_ milliseconds: Int = 30) async {
    try? await Task.sleep(for: .milliseconds(milliseconds))
}

// MARK: Tests

/// The controller loop against a hand-driven event source and a recording
/// reconciler; timers run on a `ManualClock`.
@Suite struct ControllerTests {
    typealias Fake = ControllerFakeSource

    static func make(
        _ source: Fake, _ reconciler: ControllerRecordingReconciler, clock: ManualClock, workers: Int = 1,
        ownership: Controller<ConfigMap>.Ownership? = nil, metrics: TestMetrics = TestMetrics()
    ) -> Controller<ConfigMap> {
        Controller(
            name: "configmaps", source: source, reconciler: reconciler, workers: workers, shard: "m1",
            ownership: ownership, clock: clock, metricsFactory: metrics)
    }

    @Test func reconcilesEveryKeyAfterAddUpdateAndDelete() async throws {
        let clock = ManualClock()
        let source = Fake()
        let rec = ControllerRecordingReconciler(clock: clock)
        let controller = Self.make(source, rec, clock: clock, workers: 2)
        source.sync([Fake.cm("a", "x"), Fake.cm("a", "y"), Fake.cm("b", "z")])
        let run = Task { try await controller.run() }
        defer { run.cancel() }

        #expect(await controllerEventually { rec.calls.count == 3 })
        #expect(Set(rec.calls.map(\.key.description)) == ["a/x", "a/y", "b/z"])

        source.modified(Fake.cm("a", "x", rv: 2))
        #expect(await controllerEventually { rec.calls("a/x").count == 2 })
        #expect(rec.calls("a/x").last?.resourceVersion == "2", "the reconciler reads the present state")

        source.added(Fake.cm("c", "new", rv: 3))
        #expect(await controllerEventually { rec.calls("c/new").count == 1 })

        source.deleted(Fake.cm("b", "z"))
        #expect(await controllerEventually { rec.calls("b/z").count == 2 })
        #expect(rec.calls("b/z").last?.resourceVersion == nil, "a delete reconciles a key whose object is gone")

        await controllerSettle()
        #expect(rec.calls.count == 6)
        #expect(controller.statistics.done == 6)
        #expect(rec.overlaps == 0)
    }

    @Test func manyEventsForOneKeyCollapseIntoItsLatestState() async throws {
        let clock = ManualClock()
        let source = Fake()
        let gate = ControllerGate()
        let rec = ControllerRecordingReconciler(clock: clock) { key, call in
            if call == 1 { await gate.wait() }
            return .done
        }
        let controller = Self.make(source, rec, clock: clock)
        source.sync([Fake.cm("a", "x")])
        let run = Task { try await controller.run() }
        defer { run.cancel() }
        #expect(await controllerEventually { gate.waiting == 1 })
        for rv in 2...50 { source.modified(Fake.cm("a", "x", rv: rv)) }
        gate.open()
        #expect(await controllerEventually { rec.calls.count == 2 })
        await controllerSettle()
        #expect(rec.calls.count == 2, "49 updates while processing: one more reconcile")
        #expect(rec.calls.last?.resourceVersion == "50")
    }

    @Test func neverReconcilesOneKeyOnTwoWorkersAtOnce() async throws {
        let clock = ManualClock()
        let source = Fake()
        let rec = ControllerRecordingReconciler(clock: clock) { _, _ in
            for _ in 0..<Int.random(in: 0...20) { await Task.yield() }
            if Bool.random() { try? await Task.sleep(for: .microseconds(200)) }
            return .done
        }
        let controller = Self.make(source, rec, clock: clock, workers: 8)
        let keys = 24
        source.sync((0..<keys).map { Fake.cm("ns\($0 % 4)", "k\($0)") })
        let run = Task { try await controller.run() }
        defer { run.cancel() }

        // Three writers of events at once, as informers on several kinds would be.
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<3 {
                group.addTask {
                    for round in 0..<200 {
                        let i = (round * 7 + writer) % keys
                        source.modified(Fake.cm("ns\(i % 4)", "k\(i)", rv: 10 + round * 3 + writer))
                        if round % 10 == 0 { await Task.yield() }
                    }
                }
            }
        }
        let finals = Dictionary(uniqueKeysWithValues: source.store.list().map { ("\($0.metadata.namespace!)/\($0.metadata.name!)", $0.metadata.resourceVersion) })
        #expect(await controllerEventually(10) {
            finals.allSatisfy { key, rv in rec.calls(key).last?.resourceVersion == rv }
        }, "every key's last reconcile saw its last state")
        #expect(rec.overlaps == 0, "a key was reconciled by two workers at once")
        #expect(rec.maxConcurrent > 1, "the 8 workers did run concurrently (max \(rec.maxConcurrent))")
        #expect(rec.calls.count < keys + 600, "events collapsed: \(rec.calls.count) reconciles for 600 events")
    }

    @Test func requeueAfterFiresOnTheClock() async throws {
        let clock = ManualClock()
        let source = Fake()
        let rec = ControllerRecordingReconciler(clock: clock) { _, call in call == 1 ? .requeue(after: 30) : .done }
        let metrics = TestMetrics()
        let controller = Self.make(source, rec, clock: clock, metrics: metrics)
        source.sync([Fake.cm("a", "x")])
        let run = Task { try await controller.run() }
        defer { run.cancel() }

        #expect(await controllerEventually { rec.calls.count == 1 && clock.sleeperCount == 1 })
        clock.advance(by: 29.9)
        await controllerSettle()
        #expect(rec.calls.count == 1, "not before its time")
        clock.advance(by: 0.1)
        #expect(await controllerEventually { rec.calls.count == 2 })
        #expect(abs(rec.calls[1].at - 30) < 1e-9)
        await controllerSettle()
        #expect(rec.calls.count == 2, "`.done` waits for a change")
        #expect(controller.statistics.requeued == 1 && controller.statistics.done == 1)
        let dims = [("controller", "configmaps"), ("shard", "m1")]
        #expect(try metrics.expectCounter("controller_reconcile_total", dims + [("outcome", "requeue")]).totalValue == 1)
        #expect(try metrics.expectCounter("controller_reconcile_total", dims + [("outcome", "done")]).totalValue == 1)
        #expect(try metrics.expectTimer("controller_reconcile_duration_seconds", dims).values.count == 2)
    }

    @Test func errorsBackOffOnTheClockAndSuccessForgets() async throws {
        let clock = ManualClock()
        let source = Fake()
        // Fails three times, succeeds, then (after an event) fails once more.
        let rec = ControllerRecordingReconciler(clock: clock) { _, call in
            if call <= 3 || call == 5 { throw ControllerTestError() }
            return .done
        }
        let metrics = TestMetrics()
        let controller = Self.make(source, rec, clock: clock, metrics: metrics)
        source.sync([Fake.cm("a", "x")])
        let run = Task { try await controller.run() }
        defer { run.cancel() }

        var expectedAt = 0.0
        #expect(await controllerEventually { rec.calls.count == 1 })
        for (n, delay) in [0.005, 0.010, 0.020].enumerated() {
            #expect(await controllerEventually { clock.sleeperCount == 1 })
            clock.advance(by: delay * 0.9)
            await controllerSettle(10)
            #expect(rec.calls.count == n + 1, "retry \(n + 1) not before \(delay) s")
            clock.advance(by: delay * 0.1)
            expectedAt += delay
            #expect(await controllerEventually { rec.calls.count == n + 2 })
            #expect(abs(rec.calls[n + 1].at - expectedAt) < 1e-9, "retry \(n + 1) after \(delay) s")
            #expect(rec.calls[n + 1].failures == n + 1)
        }
        #expect(await controllerEventually { controller.statistics.done == 1 })
        #expect(controller.queue.numRequeues(ObjectKey(namespace: "a", name: "x")) == 0, "success forgets the failures")

        source.modified(Fake.cm("a", "x", rv: 2))
        #expect(await controllerEventually { rec.calls.count == 5 && clock.sleeperCount == 1 })
        #expect(rec.calls[4].failures == 0)
        clock.advance(by: 0.005)
        #expect(await controllerEventually { rec.calls.count == 6 }, "the backoff started again at 5 ms")
        #expect(controller.statistics.errors == 4)
        #expect(controller.statistics.lastError == "configmaps a/x: injected failure")
        let dims = [("controller", "configmaps"), ("shard", "m1")]
        #expect(try metrics.expectCounter("controller_reconcile_errors_total", dims).totalValue == 4)
        #expect(try metrics.expectCounter("controller_reconcile_total", dims + [("outcome", "error")]).totalValue == 4)
    }

    @Test func doesNotReconcileBeforeTheStoreSynced() async throws {
        let clock = ManualClock()
        let source = Fake()
        let rec = ControllerRecordingReconciler(clock: clock)
        let controller = Self.make(source, rec, clock: clock, workers: 4)
        let run = Task { try await controller.run() }
        defer { run.cancel() }
        source.added(Fake.cm("a", "early"))  // a watch event before any list
        await controllerSettle(50)
        #expect(rec.calls.isEmpty)
        #expect(!controller.isRunning)

        source.sync([Fake.cm("a", "early"), Fake.cm("a", "listed")])
        #expect(await controllerEventually { rec.calls.count == 2 })
        #expect(Set(rec.calls.map(\.key.description)) == ["a/early", "a/listed"])
        #expect(controller.isRunning)
    }

    @Test func queuesTheWholeStoreWhenMadeAfterTheInformerSynced() async throws {
        let clock = ManualClock()
        let source = Fake()
        source.sync([Fake.cm("a", "x"), Fake.cm("b", "y")])  // before the controller registered
        let rec = ControllerRecordingReconciler(clock: clock)
        let controller = Self.make(source, rec, clock: clock)
        let run = Task { try await controller.run() }
        defer { run.cancel() }
        #expect(await controllerEventually { rec.calls.count == 2 })
    }

    @Test func ownershipDropsUnownedKeysAndEnqueueOwnedPicksThemUp() async throws {
        let clock = ManualClock()
        let source = Fake()
        let gate = ControllerGate()
        let rec = ControllerRecordingReconciler(clock: clock) { key, call in
            if key.name == "blocker" && call == 1 { await gate.wait() }
            return .done
        }
        let metrics = TestMetrics()
        let controller = Self.make(source, rec, clock: clock, ownership: { $0 == "a" }, metrics: metrics)
        source.sync([Fake.cm("a", "blocker"), Fake.cm("b", "y"), Fake.cm("b", "z")])
        let run = Task { try await controller.run() }
        defer { run.cancel() }

        #expect(await controllerEventually { gate.waiting == 1 })
        source.modified(Fake.cm("b", "y", rv: 2))  // unowned: not even queued
        #expect(controller.queue.count == 0)

        // Owned when queued, not owned any more when a worker takes it: dropped.
        controller.setOwnership { _ in true }
        source.modified(Fake.cm("b", "z", rv: 2))
        #expect(controller.queue.count == 1)
        controller.setOwnership { $0 == "a" }
        gate.open()
        #expect(await controllerEventually { controller.statistics.dropped == 1 })
        #expect(await controllerEventually { controller.queue.processingCount == 0 })
        #expect(rec.calls.map(\.key.description) == ["a/blocker"])
        #expect(controller.queue.numRequeues(ObjectKey("b/z")) == 0)
        let dims = [("controller", "configmaps"), ("shard", "m1"), ("outcome", "dropped")]
        #expect(try metrics.expectCounter("controller_reconcile_total", dims).totalValue == 1)

        // Ownership grows: the store's keys of the gained namespace are queued.
        controller.setOwnership { $0 == "a" || $0 == "b" }
        controller.enqueueOwned(namespaces: ["b", "c"])
        #expect(await controllerEventually { rec.calls.count == 3 })
        #expect(Set(rec.calls.map(\.key.description)) == ["a/blocker", "b/y", "b/z"])
        #expect(rec.calls("b/y").last?.resourceVersion == "2")
    }

    @Test func drainWaitsForTheInFlightReconcileOfMatchingNamespaces() async throws {
        let clock = ManualClock()
        let source = Fake()
        let gate = ControllerGate()
        let rec = ControllerRecordingReconciler(clock: clock) { key, _ in
            if key.namespace == "a" { await gate.wait() }
            return .done
        }
        let controller = Self.make(source, rec, clock: clock, workers: 2)
        source.sync([Fake.cm("a", "x"), Fake.cm("b", "y")])
        let run = Task { try await controller.run() }
        defer { run.cancel() }

        #expect(await controllerEventually { gate.waiting == 1 && rec.calls.count == 2 })
        #expect(controller.inFlight(namespace: "a") == 1)
        // b's reconcile returned; the worker counts it finished just after.
        #expect(await controllerEventually { controller.inFlight(namespace: "b") == 0 })
        await controller.drain(where: { $0 == "b" })  // nothing of b in flight: returns at once

        controller.setOwnership { $0 != "a" }  // hand "a" off: narrow first, then drain
        let drained = ControllerFlag()
        let drain = Task {
            await controller.drain(where: { $0 == "a" })
            drained.set()
        }
        await controllerSettle()
        #expect(!drained.isSet, "a reconcile of a is still running")
        source.modified(Fake.cm("a", "x", rv: 2))  // not owned: no new reconcile starts
        gate.open()
        await drain.value
        #expect(controller.inFlight(namespace: "a") == 0)
        await controllerSettle()
        #expect(rec.calls("a/x").count == 1)
    }

    @Test func cancelledDrainReturns() async throws {
        let clock = ManualClock()
        let source = Fake()
        let gate = ControllerGate()
        let rec = ControllerRecordingReconciler(clock: clock) { _, _ in
            await gate.wait()
            return .done
        }
        let controller = Self.make(source, rec, clock: clock)
        source.sync([Fake.cm("a", "x")])
        let run = Task { try await controller.run() }
        defer { run.cancel() }
        #expect(await controllerEventually { gate.waiting == 1 })
        let drain = Task { await controller.drain(where: { _ in true }) }
        await controllerSettle(10)
        drain.cancel()
        await drain.value
        gate.open()
    }

    @Test func stopWithDrainWaitsForInFlightReconcilesAndStartsNoMore() async throws {
        let clock = ManualClock()
        let source = Fake()
        let gate = ControllerGate()
        let rec = ControllerRecordingReconciler(clock: clock) { key, _ in
            if key.name == "slow" {
                await gate.wait()
                clock.advance(by: 2)  // the reconcile "took" 2 s
            }
            return .done
        }
        let controller = Self.make(source, rec, clock: clock)
        source.sync([Fake.cm("a", "slow")])
        let run = Task { try await controller.run() }
        #expect(await controllerEventually { gate.waiting == 1 })
        source.added(Fake.cm("a", "queued"))
        #expect(controller.queue.count == 1)

        let stopped = ControllerFlag()
        let stop = Task { () -> Double in
            let took = await controller.stop(drain: true)
            stopped.set()
            return took
        }
        await controllerSettle()
        #expect(!stopped.isSet, "stop(drain:) waits for the reconcile in flight")
        gate.open()
        let took = await stop.value
        #expect(took == 2)
        try await run.value
        #expect(rec.calls.map(\.key.description) == ["a/slow"], "no reconcile starts once stopping")
        #expect(controller.statistics.done == 1, "the in-flight reconcile finished")
        #expect(!controller.isRunning)
        source.added(Fake.cm("a", "late"))
        #expect(controller.queue.count == 0)
    }

    @Test func stopWithoutDrainCancelsInFlightReconciles() async throws {
        let clock = ManualClock()
        let source = Fake()
        let cancelled = ControllerFlag()
        let rec = ControllerRecordingReconciler(clock: clock) { _, _ in
            do { try await clock.sleep(for: 3600) } catch { cancelled.set() }
            try Task.checkCancellation()
            return .done
        }
        let controller = Self.make(source, rec, clock: clock)
        source.sync([Fake.cm("a", "x")])
        let run = Task { try await controller.run() }
        #expect(await controllerEventually { rec.calls.count == 1 && clock.sleeperCount == 1 })
        await controller.stop(drain: false)
        #expect(cancelled.isSet)
        try await run.value
        #expect(controller.statistics.errors == 0, "a cancelled reconcile is not an error")
        #expect(controller.queue.delayedCount == 0)
    }

    @Test func cancelInFlightCancelsOnlyMatchingReconcilesAndKeepsWorking() async throws {
        let clock = ManualClock()
        let source = Fake()
        let cancelledA = ControllerFlag()
        let rec = ControllerRecordingReconciler(clock: clock) { key, call in
            if call == 1 {
                do { try await clock.sleep(for: 3600) } catch {
                    if key.namespace == "a" { cancelledA.set() }
                }
                try Task.checkCancellation()
            }
            return .done
        }
        let controller = Self.make(source, rec, clock: clock, workers: 2)
        source.sync([Fake.cm("a", "x"), Fake.cm("b", "y")])
        let run = Task { try await controller.run() }
        defer { run.cancel() }
        #expect(await controllerEventually { rec.calls.count == 2 && clock.sleeperCount == 2 })

        #expect(controller.cancelInFlight(where: { $0 == "a" }) == 1)
        #expect(await controllerEventually { controller.inFlight(namespace: "a") == 0 })
        #expect(cancelledA.isSet)
        #expect(controller.inFlight(namespace: "b") == 1, "b's reconcile still runs")
        #expect(controller.statistics.errors == 0, "a cancelled reconcile is not an error")

        // The controller still works: a change to a/x is reconciled again.
        source.modified(Fake.cm("a", "x", rv: 2))
        #expect(await controllerEventually { rec.calls("a/x").count == 2 && controller.inFlight(namespace: "a") == 0 })
        #expect(controller.cancelInFlight(where: { _ in true }) == 1, "only b's reconcile is left to cancel")
        #expect(await controllerEventually { controller.inFlightCount == 0 })
    }

    @Test func stopBeforeSyncOrRunReturns() async throws {
        let clock = ManualClock()
        let source = Fake()
        let rec = ControllerRecordingReconciler(clock: clock)
        let waiting = Self.make(source, rec, clock: clock)
        let run = Task { try await waiting.run() }
        await controllerSettle(10)
        await waiting.stop(drain: true)
        try await run.value

        let never = Self.make(Fake(), rec, clock: clock)
        await never.stop()
        try await never.run()  // returns at once
        #expect(rec.calls.isEmpty)
    }

    @Test func cancellingRunStopsTheWorkers() async throws {
        let clock = ManualClock()
        let source = Fake()
        let rec = ControllerRecordingReconciler(clock: clock)
        let controller = Self.make(source, rec, clock: clock, workers: 3)
        source.sync([Fake.cm("a", "x")])
        let run = Task { try await controller.run() }
        #expect(await controllerEventually { rec.calls.count == 1 })
        run.cancel()
        await #expect(throws: CancellationError.self) { try await run.value }
        #expect(controller.queue.isShuttingDown)
    }

    @Test func objectKeyDescriptionAndParsing() {
        #expect(ObjectKey(namespace: "ns", name: "n").description == "ns/n")
        #expect(ObjectKey(namespace: "", name: "node1").description == "node1")
        #expect(ObjectKey("ns/n") == ObjectKey(namespace: "ns", name: "n"))
        #expect(ObjectKey("node1") == ObjectKey(namespace: "", name: "node1"))
        #expect(ObjectKey(ObjectMeta(name: "n", namespace: "ns")).description == "ns/n")
    }
}
