import Foundation
import Metrics
import Synchronization
import VigilJSON
import VigilRuntime

/// The one Prometheus poller of a replica, shared by every resource kind.
///
/// Subscribers register what they need from which source (``PrometheusRegistration``). Per
/// source and interval the poller sends **one** `GET /api/v1/alerts` if anyone needs alerts and
/// **one** instant query per distinct expression, at most `maxConcurrentRequests` at a time: the
/// request count grows with distinct expressions, never with subscribers. Answers are split by
/// the `namespace` label, narrowed to the namespaces this replica owns (``setOwned(_:)``), and
/// kept as one ``PrometheusView`` per subscriber (``latest(for:)``).
///
/// After each poll `onChange` receives the ids whose view changed (first data, reachability,
/// or content; see ``PrometheusView/hasSameContent(as:)``); idle subscribers are not notified.
/// A source that is unreachable (or answers 5xx) is polled with exponential backoff
/// (``PrometheusSourceHealth``); its views say `.unreachable` with `.unavailable` content, never
/// the last good data, and every subscriber is notified when it becomes reachable again.
///
/// A subscriber registered between polls gets its first view at the next poll of its source.
public final class PrometheusPoller: Sendable {
    struct SourceState {
        let source: PrometheusSource
        let transport: any PrometheusTransport
        var health: PrometheusSourceHealth
        var views: [String: PrometheusView] = [:]
    }

    struct State {
        var registrations: [String: PrometheusRegistration] = [:]
        var sources: [String: SourceState] = [:]
        var owned: @Sendable (String) -> Bool = { _ in true }
    }

    private let state: Mutex<State>
    private let clock: any RuntimeClock
    private let wallClockAtZero: Double
    private let maxConcurrentRequests: Int
    private let metrics: PrometheusPollerMetrics
    private let onChange: @Sendable ([String]) -> Void
    /// The configured sources, in the order given.
    public let sourceNames: [String]

    /// - Parameters:
    ///   - transports: one per source name (a ``PrometheusClient`` in production).
    ///   - wallClockAtZero: Unix seconds at `clock.now() == 0`; by default taken from the
    ///     system clock, so `clock` only moves it.
    ///   - onChange: called after a poll with the ids whose view changed (sorted); never with
    ///     an empty list. Runs on the polling task: keep it short (enqueue keys).
    public init(
        sources: [PrometheusSource], transports: [String: any PrometheusTransport], clock: any RuntimeClock = SystemClock(),
        wallClockAtZero: Double? = nil, maxConcurrentRequests: Int = 4, metricsFactory: (any MetricsFactory)? = nil,
        onChange: @escaping @Sendable ([String]) -> Void = { _ in }
    ) {
        var s = State()
        var names: [String] = []
        for source in sources {
            guard let transport = transports[source.name], s.sources[source.name] == nil else { continue }
            s.sources[source.name] = SourceState(source: source, transport: transport, health: PrometheusSourceHealth(interval: source.interval))
            names.append(source.name)
        }
        state = Mutex(s)
        sourceNames = names
        self.clock = clock
        self.wallClockAtZero = wallClockAtZero ?? (Date().timeIntervalSince1970 - clock.now())
        self.maxConcurrentRequests = max(1, maxConcurrentRequests)
        metrics = PrometheusPollerMetrics(sources: names, factory: metricsFactory ?? MetricsSystem.factory)
        self.onChange = onChange
        for name in names { metrics.setExpressions(source: name, count: 0) }
    }

    /// A poller whose transports are ``PrometheusClient``s for `sources`.
    public convenience init(
        sources: [PrometheusSource], clock: any RuntimeClock = SystemClock(), maxConcurrentRequests: Int = 4,
        metricsFactory: (any MetricsFactory)? = nil, onChange: @escaping @Sendable ([String]) -> Void = { _ in }
    ) throws(PrometheusError) {
        var transports: [String: any PrometheusTransport] = [:]
        for s in sources { transports[s.name] = try PrometheusClient(source: s) }
        self.init(
            sources: sources, transports: transports, clock: clock, maxConcurrentRequests: maxConcurrentRequests,
            metricsFactory: metricsFactory, onChange: onChange)
    }

    // MARK: - Subscribers

    /// Adds a subscriber, or replaces the registration with the same id. A changed source or
    /// need drops its view until the next poll.
    public func register(_ registration: PrometheusRegistration) {
        let counts: [(String, Int)] = state.withLock { s in
            if let old = s.registrations[registration.id], old.source != registration.source || old.need != registration.need || old.alertName != registration.alertName {
                s.sources[old.source]?.views[registration.id] = nil
            }
            s.registrations[registration.id] = registration
            return Self.expressionCounts(s)
        }
        for (source, n) in counts { metrics.setExpressions(source: source, count: n) }
    }

    /// Removes a subscriber and its view.
    public func unregister(id: String) {
        let counts: [(String, Int)] = state.withLock { s in
            guard let old = s.registrations.removeValue(forKey: id) else { return [] }
            s.sources[old.source]?.views[id] = nil
            return Self.expressionCounts(s)
        }
        for (source, n) in counts { metrics.setExpressions(source: source, count: n) }
    }

    /// Removes every subscriber `matches` selects (those of namespaces this replica gave away).
    public func unregister(where matches: (PrometheusRegistration) -> Bool) {
        let counts: [(String, Int)] = state.withLock { s in
            let gone = s.registrations.values.filter(matches)
            guard !gone.isEmpty else { return [] }
            for old in gone {
                s.registrations[old.id] = nil
                s.sources[old.source]?.views[old.id] = nil
            }
            return Self.expressionCounts(s)
        }
        for (source, n) in counts { metrics.setExpressions(source: source, count: n) }
    }

    /// The current registration of `id`.
    public func registration(id: String) -> PrometheusRegistration? {
        state.withLock { $0.registrations[id] }
    }

    /// The rule for which namespaces this replica owns; applied from the next poll on.
    public func setOwned(_ owned: @escaping @Sendable (String) -> Bool) {
        state.withLock { $0.owned = owned }
    }

    /// The subscriber's view after the last poll of its source; `nil` before the first poll
    /// or for an unknown id. A registration naming an unknown source gets an unreachable view
    /// that says so.
    public func latest(for id: String) -> PrometheusView? {
        state.withLock { s in
            guard let r = s.registrations[id] else { return nil }
            guard let source = s.sources[r.source] else {
                let configured = s.sources.keys.sorted().joined(separator: ", ")
                return PrometheusView(
                    source: r.source, fetchedAt: clock.now(), fetchedAtWall: RFC3339Time(secondsSinceEpoch: wallClockAtZero),
                    reachability: .unreachable(error: "no Prometheus source named '\(r.source)' (configured: \(configured.isEmpty ? "none" : configured))", since: wallClockAtZero),
                    content: .unavailable)
            }
            return source.views[id]
        }
    }

    /// Seconds from the start of the last poll of `source` to the next one (the interval, or
    /// the backoff while it fails); `nil` for an unknown source.
    public func nextDelay(source: String) -> Double? {
        state.withLock { $0.sources[source]?.health.nextDelay }
    }

    // MARK: - Polling

    /// Polls every source until the task is cancelled, each on its own schedule.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for name in sourceNames {
                group.addTask { await self.run(source: name) }
            }
        }
    }

    private func run(source name: String) async {
        while !Task.isCancelled {
            let started = clock.now()
            await pollOnce(source: name)
            guard let delay = nextDelay(source: name) else { return }
            do {
                try await clock.sleep(until: started + delay)
            } catch {
                return
            }
        }
    }

    /// One poll of `source`: fetches every distinct need of its subscribers, updates their
    /// views and calls `onChange` with those that changed. Does nothing when no one subscribes;
    /// a poll cancelled midway changes nothing.
    public func pollOnce(source name: String) async {
        guard let (transport, registrations) = state.withLock({ s -> (any PrometheusTransport, [PrometheusRegistration])? in
            guard let source = s.sources[name] else { return nil }
            return (source.transport, s.registrations.values.filter { $0.source == name })
        }), !registrations.isEmpty else { return }

        var requests: [PrometheusRegistration.Need] = []
        if registrations.contains(where: { $0.need == .alerts }) { requests.append(.alerts) }
        var expressions = Set<String>()
        for r in registrations { if case .query(let expr) = r.need { expressions.insert(expr) } }
        requests += expressions.sorted().map { .query(expr: $0) }

        let outcome = await fetch(requests, from: transport, source: name)
        if Task.isCancelled { return }
        let changed = apply(outcome, source: name, at: clock.now())
        if !changed.isEmpty { onChange(changed) }
    }

    private enum Answer: Sendable {
        case alerts(Result<[PrometheusAlert], PrometheusError>)
        case query(String, Result<PrometheusQueryResult, PrometheusError>)
    }

    /// Sends the requests, at most `maxConcurrentRequests` at a time.
    private func fetch(_ requests: [PrometheusRegistration.Need], from transport: any PrometheusTransport, source: String) async -> PrometheusPollOutcome {
        let clock = self.clock
        let metrics = self.metrics
        return await withTaskGroup(of: Answer.self) { group in
            var pending = requests[...]
            func startNext() {
                guard let need = pending.popFirst() else { return }
                group.addTask {
                    let started = clock.now()
                    switch need {
                    case .alerts:
                        let result: Result<[PrometheusAlert], PrometheusError>
                        do throws(PrometheusError) { result = .success(try await transport.alerts()) } catch { result = .failure(error) }
                        metrics.recordRequest(source: source, endpoint: "alerts", code: PrometheusPollerMetrics.code(result.error), seconds: clock.now() - started)
                        return .alerts(result)
                    case .query(let expr):
                        let result: Result<PrometheusQueryResult, PrometheusError>
                        do throws(PrometheusError) { result = .success(try await transport.query(expr)) } catch { result = .failure(error) }
                        metrics.recordRequest(source: source, endpoint: "query", code: PrometheusPollerMetrics.code(result.error), seconds: clock.now() - started)
                        return .query(expr, result)
                    }
                }
            }
            for _ in 0..<maxConcurrentRequests { startNext() }
            var outcome = PrometheusPollOutcome()
            for await answer in group {
                switch answer {
                case .alerts(let r): outcome.alerts = r
                case .query(let expr, let r): outcome.queries[expr] = r
                }
                startNext()
            }
            return outcome
        }
    }

    /// Records the poll in the source's health and rebuilds its subscribers' views; returns the
    /// ids whose view changed.
    private func apply(_ outcome: PrometheusPollOutcome, source name: String, at now: Double) -> [String] {
        let wall = wallClockAtZero + now
        let (changed, dropped): ([String], (Int, Int)) = state.withLock { s in
            guard var src = s.sources[name] else { return ([], (0, 0)) }
            let registrations = s.registrations.values.filter { $0.source == name }
            var fresh: [String: PrometheusView] = [:]
            var dropped = (0, 0)
            if let failure = outcome.sourceFailure {
                src.health.recordFailure(failure.description, wallTime: wall)
                for r in registrations where src.views[r.id] != nil || Self.covers(outcome, r.need) {
                    fresh[r.id] = PrometheusView(
                        source: name, fetchedAt: now, fetchedAtWall: RFC3339Time(secondsSinceEpoch: wall),
                        reachability: src.health.reachability, content: .unavailable)
                }
            } else {
                src.health.recordSuccess()
                let partition = PrometheusPartition(registrations: registrations, outcome: outcome, owned: s.owned)
                for (id, entry) in partition.contents {
                    fresh[id] = PrometheusView(
                        source: name, fetchedAt: now, fetchedAtWall: RFC3339Time(secondsSinceEpoch: wall),
                        reachability: .reachable, content: entry.content, warnings: entry.warnings, elsewhere: partition.elsewhere[id] ?? [])
                }
                dropped = (partition.droppedNotOwned, partition.droppedNoNamespace)
            }
            var changed: [String] = []
            for (id, view) in fresh {
                if let old = src.views[id], old.hasSameContent(as: view) { continue }
                changed.append(id)
            }
            // Registrations made while the poll ran keep no view until the next poll; views of
            // ids no longer registered are gone already (unregister).
            for (id, view) in fresh { src.views[id] = view }
            s.sources[name] = src
            return (changed.sorted(), dropped)
        }
        metrics.recordDropped(source: name, notOwned: dropped.0, noNamespace: dropped.1)
        return changed
    }

    private static func covers(_ outcome: PrometheusPollOutcome, _ need: PrometheusRegistration.Need) -> Bool {
        switch need {
        case .alerts: return outcome.alerts != nil
        case .query(let expr): return outcome.queries[expr] != nil
        }
    }

    private static func expressionCounts(_ s: State) -> [(String, Int)] {
        var exprs: [String: Set<String>] = [:]
        for name in s.sources.keys { exprs[name] = [] }
        for r in s.registrations.values {
            if case .query(let expr) = r.need, exprs[r.source] != nil { exprs[r.source]!.insert(expr) }
        }
        return exprs.map { ($0.key, $0.value.count) }
    }
}

extension Result {
    fileprivate var error: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
