import Kube

/// The list-and-watch protocol of a reflector as a value-type state machine,
/// with no I/O: the runner feeds it what happened (`Event`) and performs what
/// it asks for (`Action`).
///
/// List (paginated) → replace the store → watch from the list's
/// resourceVersion → on a normal close, watch again from the last
/// resourceVersion seen (bookmarks included) → on `410 Gone`, list again from
/// scratch. Other errors back off (exponential with jitter, reset by the next
/// success) and then retry the step that failed: the same list page, or the
/// watch from the same resourceVersion.
public struct ReflectorMachine<Object: Sendable>: Sendable {
    /// Where the machine is.
    public enum State: Sendable, Hashable {
        /// Not started: the first `tick` lists.
        case initial
        /// A list is under way; `continue` is the token of the page asked for.
        case listing(continue: String?)
        /// A watch from `resourceVersion` is open (or about to be).
        case watching(resourceVersion: String)
        /// Waiting after an error until `until`, then resuming.
        case backoff(until: Double, then: Resume)
    }

    /// What a backoff resumes.
    public enum Resume: Sendable, Hashable {
        case list(continue: String?)
        case watch(resourceVersion: String)
    }

    /// What happened.
    public enum Event: Sendable {
        /// One page of the list arrived. `continue` is empty or nil on the last page.
        case listPage(items: [Object], resourceVersion: String, continue: String?)
        /// A watch event; `resourceVersion` is the object's (or the bookmark's).
        case watched(WatchEvent<Object>, resourceVersion: String?)
        /// The watch stream ended without an error (server timeout, dropped connection).
        case watchEnded
        /// `410 Gone`: the resourceVersion (or continue token) is too old.
        case gone
        /// Any other failure of the list or the watch.
        case failed
        /// Time has passed (start, or the end of a backoff sleep).
        case tick
        /// Someone wants a fresh list (for example the set of owned
        /// namespaces grew): the runner ends the current watch and steps this.
        case relistRequested
    }

    /// What the runner must do, in order.
    public enum Action: Sendable {
        /// Fetch one list page.
        case list(limit: Int, continue: String?)
        /// Open a watch.
        case watch(resourceVersion: String, timeoutSeconds: Int, allowWatchBookmarks: Bool)
        /// A full list has completed: make the store exactly `items`.
        case replaceAll([Object], resourceVersion: String)
        /// Apply one watch event (never a bookmark) to the store.
        case apply(WatchEvent<Object>)
        /// Sleep until `until`, then step `.tick`.
        case sleep(until: Double)
    }

    public private(set) var state: State = .initial
    /// The resourceVersion the store reflects ("" before the first list).
    public private(set) var resourceVersion = ""
    /// The backoff the next error will sleep (before jitter).
    public private(set) var currentBackoff: Double
    public let configuration: ReflectorConfiguration
    private var random: ReflectorRandom
    /// Items of the pages listed so far.
    private var pending: [Object] = []
    private var pendingResourceVersion = ""
    private var watchStartedAt = 0.0
    private var watchEvents = 0

    public init(configuration: ReflectorConfiguration = ReflectorConfiguration(), random: ReflectorRandom = ReflectorRandom()) {
        self.configuration = configuration
        self.random = random
        currentBackoff = configuration.initialBackoff
    }

    /// Feeds one event; `now` is the runner's clock (seconds).
    public mutating func step(_ event: Event, now: Double) -> [Action] {
        switch (state, event) {
        case (.initial, .tick), (.initial, .relistRequested):
            return startList()

        case (.listing, .listPage(let items, let rv, let token)):
            resetBackoff()
            pending += items
            if !rv.isEmpty { pendingResourceVersion = rv }
            if let token, !token.isEmpty {
                state = .listing(continue: token)
                return [.list(limit: configuration.pageSize, continue: token)]
            }
            let listed = pending
            let listedRV = pendingResourceVersion
            pending = []
            pendingResourceVersion = ""
            resourceVersion = listedRV
            return [.replaceAll(listed, resourceVersion: listedRV), startWatch(now: now)]

        case (.watching, .watched(let event, let rv)):
            watchEvents += 1
            resetBackoff()
            if let rv, !rv.isEmpty {
                resourceVersion = rv
                state = .watching(resourceVersion: rv)
            }
            if case .bookmark = event { return [] }
            return [.apply(event)]

        case (.watching(let rv), .watchEnded):
            if now - watchStartedAt < configuration.shortWatchSeconds && watchEvents == 0 {
                return backoff(now: now, then: .watch(resourceVersion: rv))
            }
            return [startWatch(now: now)]

        case (.listing, .gone), (.watching, .gone), (.listing, .relistRequested), (.watching, .relistRequested),
            (.backoff, .relistRequested):
            return startList()

        case (.listing(let token), .failed):
            return backoff(now: now, then: .list(continue: token))

        case (.watching(let rv), .failed):
            return backoff(now: now, then: .watch(resourceVersion: rv))

        case (.backoff(let until, let resume), .tick):
            guard now >= until else { return [.sleep(until: until)] }
            switch resume {
            case .list(let token):
                state = .listing(continue: token)
                return [.list(limit: configuration.pageSize, continue: token)]
            case .watch:
                return [startWatch(now: now)]
            }

        default:
            // Out of order (a late event after the runner moved on): nothing to do.
            return []
        }
    }

    private mutating func startList() -> [Action] {
        pending = []
        pendingResourceVersion = ""
        state = .listing(continue: nil)
        return [.list(limit: configuration.pageSize, continue: nil)]
    }

    private mutating func startWatch(now: Double) -> Action {
        state = .watching(resourceVersion: resourceVersion)
        watchStartedAt = now
        watchEvents = 0
        let timeout = Int.random(in: configuration.watchTimeoutSeconds, using: &random)
        return .watch(resourceVersion: resourceVersion, timeoutSeconds: timeout, allowWatchBookmarks: true)
    }

    private mutating func backoff(now: Double, then resume: Resume) -> [Action] {
        let r = Double.random(in: 0..<1, using: &random)
        let delay = currentBackoff * (1 + configuration.jitter * r)
        currentBackoff = min(currentBackoff * 2, configuration.maxBackoff)
        let until = now + delay
        state = .backoff(until: until, then: resume)
        return [.sleep(until: until)]
    }

    private mutating func resetBackoff() {
        currentBackoff = configuration.initialBackoff
    }
}
