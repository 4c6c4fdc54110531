/// A registered watch.
struct Watcher {
    let id: Int
    let namespace: String?
    let filter: ObjectFilter
    let bookmarks: Bool
    let continuation: AsyncStream<WatchMessage>.Continuation
}

extension ClusterStore {
    /// Opens a watch. The stream ends when the watch is closed by the caller
    /// (cancel the consuming task), by `closeWatches()`, or when the watcher
    /// falls more than the buffer limit behind (as kube-apiserver closes
    /// unresponsive watchers; the client then re-watches).
    public func watch(
        _ rt: ResourceType, namespace: String?, filter: ObjectFilter = .everything, start: WatchStart,
        bookmarks: Bool = false
    ) -> AsyncStream<WatchMessage> {
        let (stream, cont) = AsyncStream<WatchMessage>.makeStream(bufferingPolicy: .bufferingOldest(watchBufferLimit))
        let key = rt.storageKey
        let nsFilter = rt.namespaced ? namespace : nil
        switch start {
        case .currentState, .initialEvents:
            let table = tables[key] ?? ResourceTable()
            table.forEachSorted(namespace: nsFilter, after: nil) { o in
                if filter.isEverything || filter.matches(o.object) { cont.yield(.event(.added, o)) }
                return true
            }
            if case .initialEvents = start { cont.yield(.bookmark(rv, initialEventsEnd: true)) }
        case .after(let from):
            let window = tables[key]?.window ?? EventWindow(capacity: 1)
            if from < window.lastEvictedRV {
                cont.yield(.error(APIError.gone("too old resource version: \(from) (\(window.lastEvictedRV + 1))")))
                cont.finish()
                return stream
            }
            for e in window.events(after: from) {
                if let m = Self.message(for: e, namespace: nsFilter, filter: filter) { cont.yield(m) }
            }
        }
        let id = nextWatcherID
        nextWatcherID += 1
        watchers[key, default: [:]][id] = Watcher(id: id, namespace: nsFilter, filter: filter, bookmarks: bookmarks, continuation: cont)
        cont.onTermination = { [weak self] _ in
            Task { await self?.removeWatcher(key, id) }
        }
        return stream
    }

    func removeWatcher(_ key: String, _ id: Int) {
        watchers[key]?[id] = nil
    }

    /// The event as a watcher with this namespace and filter sees it: a change
    /// that makes an object start or stop matching becomes ADDED or DELETED.
    static func message(for e: StoreEvent, namespace: String?, filter: ObjectFilter) -> WatchMessage? {
        if let namespace, e.object.namespace != namespace { return nil }
        if filter.isEverything { return .event(e.type, e.object) }
        let now = filter.matches(e.object.object)
        switch e.type {
        case .added:
            return now ? .event(.added, e.object) : nil
        case .modified:
            let before = e.previous.map { filter.matches($0) } ?? false
            switch (before, now) {
            case (true, true): return .event(.modified, e.object)
            case (false, true): return .event(.added, e.object)
            case (true, false): return .event(.deleted, e.object)
            case (false, false): return nil
            }
        case .deleted:
            let before = e.previous.map { filter.matches($0) } ?? now
            return before || now ? .event(.deleted, e.object) : nil
        default:
            return nil
        }
    }

    func fanOut(_ event: StoreEvent) {
        for (_, c) in subscribers { c.yield(event) }
        guard let ws = watchers[event.storageKey], !ws.isEmpty else { return }
        var overflowed: [Int] = []
        for (id, w) in ws {
            guard let m = Self.message(for: event, namespace: w.namespace, filter: w.filter) else { continue }
            if case .dropped = w.continuation.yield(m) { overflowed.append(id) }
        }
        for id in overflowed {
            watchers[event.storageKey]?[id]?.continuation.finish()
            watchers[event.storageKey]?[id] = nil
        }
    }

    /// Sends a BOOKMARK at the current resourceVersion to every watcher that
    /// asked for bookmarks (`allowWatchBookmarks=true`).
    public func sendBookmarks() {
        for (_, ws) in watchers {
            for (_, w) in ws where w.bookmarks { w.continuation.yield(.bookmark(rv, initialEventsEnd: false)) }
        }
    }

    /// Ends every open watch stream (the `/sim/faults` "drop watches" fault).
    /// Returns how many were closed.
    @discardableResult
    public func closeWatches() -> Int {
        var n = 0
        for (_, ws) in watchers {
            for (_, w) in ws {
                w.continuation.finish()
                n += 1
            }
        }
        watchers = [:]
        return n
    }
}
