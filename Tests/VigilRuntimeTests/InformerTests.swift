import Kube
import MetricsTestKit
import Synchronization
import Testing

@testable import VigilRuntime

/// `Informer` against a scripted `ListWatcher`: what reaches the store and
/// the handlers, and which calls it makes, with no server.
@Suite struct InformerTests {
    static func cm(_ ns: String, _ name: String, rv: String) -> ConfigMap {
        var m = ObjectMeta(name: name, namespace: ns)
        m.resourceVersion = rv
        return ConfigMap(metadata: m)
    }

    /// How a scripted watch ends after its events.
    enum Ending: Sendable {
        case close
        case fail(any Error)
        /// Stays open until the informer ends it.
        case hang
    }

    /// Answers lists and watches from scripts, in order, and records the options.
    final class ScriptedListWatcher: ListWatcher {
        struct State {
            var lists: [Result<ListPage<ConfigMap>, any Error>] = []
            var watches: [([WatchEvent<ConfigMap>], Ending)] = []
            var listCalls: [ListOptions] = []
            var watchCalls: [ListOptions] = []
            var open: [AsyncThrowingStream<WatchEvent<ConfigMap>, any Error>.Continuation] = []
        }

        let state = Mutex(State())
        var resourceName: String { "configmaps" }

        func script(lists: [Result<ListPage<ConfigMap>, any Error>] = [], watches: [([WatchEvent<ConfigMap>], Ending)] = []) {
            state.withLock { s in
                s.lists += lists
                s.watches += watches
            }
        }

        func list(_ options: ListOptions) async throws -> ListPage<ConfigMap> {
            let next: Result<ListPage<ConfigMap>, any Error>? = state.withLock { s in
                s.listCalls.append(options)
                return s.lists.isEmpty ? nil : s.lists.removeFirst()
            }
            guard let next else { throw KubeError.decoding("test script has no more lists") }
            return try next.get()
        }

        func watch(_ options: ListOptions) -> AsyncThrowingStream<WatchEvent<ConfigMap>, any Error> {
            let (stream, cont) = AsyncThrowingStream<WatchEvent<ConfigMap>, any Error>.makeStream()
            let script: ([WatchEvent<ConfigMap>], Ending) = state.withLock { s in
                s.watchCalls.append(options)
                return s.watches.isEmpty ? ([], .hang) : s.watches.removeFirst()
            }
            for e in script.0 { cont.yield(e) }
            switch script.1 {
            case .close: cont.finish()
            case .fail(let e): cont.finish(throwing: e)
            case .hang: state.withLock { $0.open.append(cont) }
            }
            return stream
        }

        var listCalls: [ListOptions] { state.withLock { $0.listCalls } }
        var watchCalls: [ListOptions] { state.withLock { $0.watchCalls } }
    }

    /// Records what the handlers saw, as `add ns/name@rv`, `update …@old->new`, `delete …@rv`.
    final class Recorder: Sendable {
        let seen = Mutex<[String]>([])
        var all: [String] { seen.withLock { $0 } }

        var handler: InformerHandler<ConfigMap> {
            InformerHandler(
                onAdd: { o in self.seen.withLock { $0.append("add \(Self.id(o))") } },
                onUpdate: { old, new in self.seen.withLock { $0.append("update \(Self.id(new))<-\(old.metadata.resourceVersion!)") } },
                onDelete: { o in self.seen.withLock { $0.append("delete \(Self.id(o))") } })
        }

        static func id(_ o: ConfigMap) -> String { "\(o.metadata.namespace!)/\(o.metadata.name!)@\(o.metadata.resourceVersion!)" }
    }

    /// Polls `condition` (real time) for up to `seconds`.
    /// (20 s: the whole suite runs in parallel with the multi-process HA tests on small CI machines.)
    static func eventually(_ seconds: Double = 20, _ condition: () -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
        while clock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    static let fast = ReflectorConfiguration(initialBackoff: 0.8, jitter: 0, shortWatchSeconds: 0)

    @Test func relistAfterGoneDiffsAgainstTheStore() async throws {
        let source = ScriptedListWatcher()
        source.script(
            lists: [
                .success(ListPage(items: [Self.cm("a", "x", rv: "1"), Self.cm("a", "y", rv: "2")], resourceVersion: "10")),
                .success(ListPage(items: [Self.cm("a", "y", rv: "11")], resourceVersion: "20", continueToken: "page2")),
                .success(ListPage(items: [Self.cm("b", "z", rv: "12")], resourceVersion: "20")),
            ],
            watches: [([.modified(Self.cm("a", "y", rv: "11"))], .fail(KubeError.gone("too old resource version")))])
        let informer = Informer(source: source, store: ObjectStore<ConfigMap>(), clock: ManualClock(), configuration: Self.fast,
            random: ReflectorRandom(seed: 1))
        let recorder = Recorder()
        informer.addHandler(recorder.handler)
        let run = Task { try await informer.run() }
        defer { run.cancel() }

        #expect(await Self.eventually { source.watchCalls.count == 2 })
        let seen = recorder.all
        #expect(Array(seen.prefix(3)) == ["add a/x@1", "add a/y@2", "update a/y@11<-2"])
        #expect(Set(seen.dropFirst(3)) == ["delete a/x@1", "add b/z@12"] && seen.count == 5, "the re-list's diff")
        #expect(Set(informer.store.keys()) == ["a/y", "b/z"])
        #expect(informer.store.hasSynced)
        let stats = informer.statistics
        #expect(stats.relists == 1 && stats.errors == 0 && stats.resourceVersion == "20")

        let lists = source.listCalls
        #expect(lists.map(\.continueToken) == [nil, nil, "page2"])
        #expect(lists.allSatisfy { $0.limit == 500 && $0.resourceVersion == nil })
        let watches = source.watchCalls
        #expect(watches.map(\.resourceVersion) == ["10", "20"])
        #expect(watches.allSatisfy { $0.allowWatchBookmarks && (300...600).contains($0.timeoutSeconds ?? 0) })
    }

    @Test func normalCloseRewatchesFromTheLastEventOrBookmark() async throws {
        let source = ScriptedListWatcher()
        source.script(
            lists: [.success(ListPage(items: [], resourceVersion: "5"))],
            watches: [
                ([.added(Self.cm("a", "x", rv: "6"))], .close),
                ([.bookmark(resourceVersion: "40", initialEventsEnd: false)], .close),
                ([.deleted(Self.cm("a", "x", rv: "41"))], .close),
            ])
        let informer = Informer(source: source, store: ObjectStore<ConfigMap>(), clock: ManualClock(), configuration: Self.fast)
        let recorder = Recorder()
        informer.addHandler(recorder.handler)
        let run = Task { try await informer.run() }
        defer { run.cancel() }

        #expect(await Self.eventually { source.watchCalls.count == 4 })
        #expect(source.watchCalls.map(\.resourceVersion) == ["5", "6", "40", "41"])
        #expect(source.listCalls.count == 1, "a closed watch is resumed, not re-listed")
        #expect(recorder.all == ["add a/x@6", "delete a/x@6"])
        let stats = informer.statistics
        #expect(stats.watchRestarts == 3 && stats.relists == 0 && stats.bookmarks == 1 && stats.events == 3)
    }

    @Test func errorsSleepOnTheInjectedClockThenRetry() async throws {
        let clock = ManualClock()
        let source = ScriptedListWatcher()
        let failure = KubeError.api(APIStatusError.from(httpStatus: 500, body: Array("etcd is down".utf8), retryAfter: nil))
        source.script(
            lists: [.failure(failure), .success(ListPage(items: [Self.cm("a", "x", rv: "1")], resourceVersion: "10"))],
            watches: [([], .fail(failure))])
        let informer = Informer(source: source, store: ObjectStore<ConfigMap>(), clock: clock, configuration: Self.fast)
        let run = Task { try await informer.run() }
        defer { run.cancel() }

        #expect(await Self.eventually { clock.sleeperCount == 1 })
        #expect(source.listCalls.count == 1 && !informer.store.hasSynced)
        #expect(informer.statistics.lastError?.contains("etcd is down") == true)
        clock.advance(by: 0.8)
        // The list succeeds (resetting the backoff), the watch fails: 0.8 s again, then the watch is retried from the same version.
        #expect(await Self.eventually { clock.sleeperCount == 1 && source.watchCalls.count == 1 })
        #expect(informer.store.hasSynced)
        clock.advance(by: 0.7)
        #expect(await Self.eventually { source.watchCalls.count == 1 })
        clock.advance(by: 0.1)
        #expect(await Self.eventually { source.watchCalls.count == 2 })
        #expect(source.watchCalls.map(\.resourceVersion) == ["10", "10"])
        #expect(informer.statistics.errors == 2)
    }

    @Test func gainingNamespacesRelistsAndLosingThemDropsWithoutDeletes() async throws {
        let source = ScriptedListWatcher()
        let all = [Self.cm("a", "x", rv: "1"), Self.cm("b", "y", rv: "2")]
        source.script(lists: [
            .success(ListPage(items: all, resourceVersion: "10")), .success(ListPage(items: all, resourceVersion: "11")),
        ])
        let metrics = TestMetrics()
        let informer = Informer(source: source, store: ObjectStore<ConfigMap>(owned: { $0 == "a" }), clock: ManualClock(),
            configuration: Self.fast, metricsFactory: metrics)
        let recorder = Recorder()
        informer.addHandler(recorder.handler)
        let run = Task { try await informer.run() }
        defer { run.cancel() }

        #expect(await Self.eventually { source.watchCalls.count == 1 })
        #expect(informer.store.keys() == ["a/x"])
        let lists = informer.statistics.listsCompleted
        let dropped = informer.setOwned { $0 == "b" }
        #expect(dropped == ["a/x"])
        // The hanging watch is ended and the collection listed again.
        #expect(await Self.eventually { informer.statistics.listsCompleted == lists + 1 })
        #expect(await Self.eventually { source.watchCalls.count == 2 })
        #expect(informer.store.keys() == ["b/y"])
        #expect(recorder.all == ["add a/x@1", "add b/y@2"], "a hand-off is not a delete")
        #expect(source.watchCalls.last?.resourceVersion == "11")

        #expect(try metrics.expectCounter("vigil_informer_relists_total", [("resource", "configmaps")]).totalValue == 1)
        #expect(try metrics.expectGauge("vigil_informer_store_objects", [("resource", "configmaps")]).lastValue == 1)
    }

    @Test func cancellationStopsRun() async throws {
        let source = ScriptedListWatcher()
        source.script(lists: [.success(ListPage(items: [], resourceVersion: "1"))])
        let informer = Informer(source: source, store: ObjectStore<ConfigMap>(), clock: ManualClock(), configuration: Self.fast)
        let run = Task { try await informer.run() }
        #expect(await Self.eventually { source.watchCalls.count == 1 })
        run.cancel()
        let result = await run.result
        #expect(throws: CancellationError.self) { try result.get() }
    }
}
