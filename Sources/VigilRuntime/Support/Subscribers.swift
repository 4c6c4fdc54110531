/// The `AsyncStream` continuations of everyone listening to a component's
/// events. A value kept inside the component's own locked state, so events
/// are yielded in the same critical section as the state change they report.
struct Subscribers<Event: Sendable>: Sendable {
    private var continuations: [Int: AsyncStream<Event>.Continuation] = [:]
    private var nextID = 0

    /// Registers a continuation; returns its id for `remove`.
    mutating func add(_ c: AsyncStream<Event>.Continuation) -> Int {
        nextID += 1
        continuations[nextID] = c
        return nextID
    }

    mutating func remove(_ id: Int) { continuations[id] = nil }

    func yield(_ event: Event) {
        for c in continuations.values { c.yield(event) }
    }

    /// Takes every continuation out, for finishing outside the lock.
    mutating func takeAll() -> [AsyncStream<Event>.Continuation] {
        defer { continuations = [:] }
        return Array(continuations.values)
    }

    /// A new stream wired to a component: `register` adds the continuation
    /// under the component's lock and returns its id; `unregister` removes it
    /// when the consumer goes away.
    static func stream(
        buffering: AsyncStream<Event>.Continuation.BufferingPolicy = .unbounded,
        register: (AsyncStream<Event>.Continuation) -> Int, unregister: @escaping @Sendable (Int) -> Void
    ) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: buffering)
        let id = register(continuation)
        continuation.onTermination = { _ in unregister(id) }
        return stream
    }
}
