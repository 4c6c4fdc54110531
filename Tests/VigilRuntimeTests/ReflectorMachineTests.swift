import Kube
import Testing

@testable import VigilRuntime

/// The reflector's protocol, stepped by hand: no I/O, no clock.
@Suite struct ReflectorMachineTests {
    struct Item: Sendable, Equatable {
        var name: String
        var rv: String
    }

    typealias Machine = ReflectorMachine<Item>
    typealias Action = Machine.Action

    static let noJitter = ReflectorConfiguration(jitter: 0)

    /// A machine that has listed `items` at `rv` and opened its first watch.
    static func watching(at rv: String = "10", configuration: ReflectorConfiguration = noJitter, seed: UInt64 = 1) -> Machine {
        var m = Machine(configuration: configuration, random: ReflectorRandom(seed: seed))
        _ = m.step(.tick, now: 0)
        _ = m.step(.listPage(items: [Item(name: "a", rv: rv)], resourceVersion: rv, continue: nil), now: 0)
        return m
    }

    static func isList(_ a: Action, continue expected: String?) -> Bool {
        if case .list(500, let c) = a { return c == expected }
        return false
    }

    static func watchRV(_ a: Action) -> String? {
        if case .watch(let rv, _, true) = a { return rv }
        return nil
    }

    static func sleepUntil(_ a: Action?) -> Double? {
        if case .sleep(let until)? = a { return until }
        return nil
    }

    @Test func listsThenWatchesFromTheListResourceVersion() {
        var m = Machine(configuration: Self.noJitter, random: ReflectorRandom(seed: 7))
        #expect(m.state == .initial)
        let first = m.step(.tick, now: 0)
        #expect(first.count == 1 && Self.isList(first[0], continue: nil))
        #expect(m.state == .listing(continue: nil))

        let items = [Item(name: "a", rv: "4"), Item(name: "b", rv: "9")]
        let next = m.step(.listPage(items: items, resourceVersion: "10", continue: nil), now: 1)
        #expect(next.count == 2)
        guard case .replaceAll(let stored, let rv) = next[0] else {
            Issue.record("expected replaceAll, got \(next[0])")
            return
        }
        #expect(stored == items && rv == "10")
        guard case .watch(let watchRV, let timeout, let bookmarks) = next[1] else {
            Issue.record("expected watch, got \(next[1])")
            return
        }
        #expect(watchRV == "10" && bookmarks && (300...600).contains(timeout))
        #expect(m.state == .watching(resourceVersion: "10"))
    }

    @Test func paginatedListReplacesOnceWithEveryPage() {
        var m = Machine(configuration: Self.noJitter)
        _ = m.step(.tick, now: 0)
        let p1 = m.step(.listPage(items: [Item(name: "a", rv: "1")], resourceVersion: "30", continue: "tok1"), now: 0)
        #expect(p1.count == 1 && Self.isList(p1[0], continue: "tok1"))
        #expect(m.state == .listing(continue: "tok1"))
        let p2 = m.step(.listPage(items: [Item(name: "b", rv: "2")], resourceVersion: "30", continue: "tok2"), now: 0)
        #expect(p2.count == 1 && Self.isList(p2[0], continue: "tok2"))
        let p3 = m.step(.listPage(items: [Item(name: "c", rv: "3")], resourceVersion: "30", continue: ""), now: 0)
        guard case .replaceAll(let all, "30") = p3.first else {
            Issue.record("expected replaceAll, got \(p3)")
            return
        }
        #expect(all.map(\.name) == ["a", "b", "c"])
        #expect(p3.count == 2 && Self.watchRV(p3[1]) == "30")
    }

    @Test func normalCloseRewatchesFromTheLastResourceVersionWithoutRelisting() {
        var m = Self.watching(at: "10")
        let e1 = m.step(.watched(.added(Item(name: "b", rv: "11")), resourceVersion: "11"), now: 5)
        let e2 = m.step(.watched(.modified(Item(name: "b", rv: "12")), resourceVersion: "12"), now: 6)
        let e3 = m.step(.watched(.deleted(Item(name: "a", rv: "13")), resourceVersion: "13"), now: 7)
        for (actions, expected) in [(e1, "11"), (e2, "12"), (e3, "13")] {
            guard actions.count == 1, case .apply(let e) = actions[0] else {
                Issue.record("expected one apply, got \(actions)")
                continue
            }
            switch e {
            case .added(let o), .modified(let o), .deleted(let o): #expect(o.rv == expected)
            case .bookmark: Issue.record("bookmarks are not applied")
            }
        }
        let after = m.step(.watchEnded, now: 400)
        #expect(after.count == 1 && Self.watchRV(after[0]) == "13")
        #expect(m.state == .watching(resourceVersion: "13"))
    }

    @Test func bookmarkAdvancesTheResourceVersionWithoutApplying() {
        var m = Self.watching(at: "10")
        let b = m.step(.watched(.bookmark(resourceVersion: "57", initialEventsEnd: false), resourceVersion: "57"), now: 60)
        #expect(b.isEmpty)
        #expect(m.resourceVersion == "57")
        let after = m.step(.watchEnded, now: 300)
        #expect(after.count == 1 && Self.watchRV(after[0]) == "57")
    }

    @Test func goneRelistsFromScratch() {
        var m = Self.watching(at: "10")
        _ = m.step(.watched(.added(Item(name: "b", rv: "11")), resourceVersion: "11"), now: 1)
        let gone = m.step(.gone, now: 2)
        #expect(gone.count == 1 && Self.isList(gone[0], continue: nil))
        #expect(m.state == .listing(continue: nil))
        let listed = m.step(.listPage(items: [], resourceVersion: "99", continue: nil), now: 2)
        guard case .replaceAll(let items, "99") = listed.first else {
            Issue.record("expected replaceAll at 99, got \(listed)")
            return
        }
        #expect(items.isEmpty)
        #expect(Self.watchRV(listed[1]) == "99")

        // An expired continue token (410 during a paginated list) restarts the list too.
        _ = m.step(.relistRequested, now: 3)
        _ = m.step(.listPage(items: [Item(name: "x", rv: "1")], resourceVersion: "100", continue: "t"), now: 3)
        let restart = m.step(.gone, now: 3)
        #expect(restart.count == 1 && Self.isList(restart[0], continue: nil))
        let done = m.step(.listPage(items: [Item(name: "y", rv: "2")], resourceVersion: "101", continue: nil), now: 3)
        guard case .replaceAll(let fresh, "101") = done.first else {
            Issue.record("expected replaceAll, got \(done)")
            return
        }
        #expect(fresh.map(\.name) == ["y"], "pages from before the 410 are discarded")
    }

    @Test func errorsBackOffExponentiallyToTheCapAndResetAfterSuccess() {
        var m = Self.watching(at: "10")
        var now = 100.0
        var sleeps: [Double] = []
        for _ in 0..<8 {
            let a = m.step(.failed, now: now)
            guard let until = Self.sleepUntil(a.first) else {
                Issue.record("expected sleep, got \(a)")
                return
            }
            sleeps.append(until - now)
            // Too early: keep sleeping; at the deadline: re-watch from the same version.
            #expect(Self.sleepUntil(m.step(.tick, now: until - 0.1).first) == until)
            now = until
            let resumed = m.step(.tick, now: now)
            #expect(resumed.count == 1 && Self.watchRV(resumed[0]) == "10")
        }
        #expect(sleeps.map { ($0 * 10).rounded() / 10 } == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30])

        // A watch event is a success: the next error starts at 0.8 s again.
        _ = m.step(.watched(.added(Item(name: "b", rv: "11")), resourceVersion: "11"), now: now)
        let again = m.step(.failed, now: now)
        #expect(Self.sleepUntil(again.first).map { abs($0 - now - 0.8) < 1e-9 } == true)
    }

    @Test func listErrorsRetryTheSamePage() {
        var m = Machine(configuration: Self.noJitter)
        _ = m.step(.tick, now: 0)
        _ = m.step(.listPage(items: [Item(name: "a", rv: "1")], resourceVersion: "5", continue: "next"), now: 0)
        let a = m.step(.failed, now: 10)
        let until = Self.sleepUntil(a.first) ?? 0
        #expect(abs(until - 10.8) < 1e-9)
        #expect(m.state == .backoff(until: until, then: .list(continue: "next")))
        let resumed = m.step(.tick, now: until)
        #expect(resumed.count == 1 && Self.isList(resumed[0], continue: "next"))
        let done = m.step(.listPage(items: [Item(name: "b", rv: "2")], resourceVersion: "5", continue: nil), now: 11)
        guard case .replaceAll(let all, _) = done.first else {
            Issue.record("expected replaceAll, got \(done)")
            return
        }
        #expect(all.map(\.name) == ["a", "b"])
    }

    @Test func jitterStaysWithinOneBackoffAboveTheBase() {
        var m = Self.watching(configuration: ReflectorConfiguration(), seed: 42)
        var now = 0.0
        var base = 0.8
        var distinct = Set<Double>()
        for _ in 0..<10 {
            guard let until = Self.sleepUntil(m.step(.failed, now: now).first) else {
                Issue.record("expected sleep")
                return
            }
            let d = until - now
            #expect(d >= base && d < 2 * base, "sleep \(d) outside [\(base), \(2 * base))")
            distinct.insert(d / base)
            base = min(base * 2, 30)
            now = until
            _ = m.step(.tick, now: now)
        }
        #expect(distinct.count > 5)
    }

    @Test func aWatchThatEndsAtOnceWithNothingBacksOff() {
        var m = Self.watching(at: "10")
        let a = m.step(.watchEnded, now: 0.2)
        #expect(Self.sleepUntil(a.first) == 1.0)
        #expect(m.state == .backoff(until: 1.0, then: .watch(resourceVersion: "10")))
        let resumed = m.step(.tick, now: 1.0)
        #expect(Self.watchRV(resumed[0]) == "10")
        // With an event in it, even a short watch is a success: re-watch at once.
        _ = m.step(.watched(.added(Item(name: "b", rv: "12")), resourceVersion: "12"), now: 1.1)
        let b = m.step(.watchEnded, now: 1.2)
        #expect(b.count == 1 && Self.watchRV(b[0]) == "12")
    }

    @Test func watchTimeoutsAreRandomWithinRangeAndReproducibleFromTheSeed() {
        func timeouts(seed: UInt64) -> [Int] {
            var m = Self.watching(seed: seed)
            var out: [Int] = []
            var now = 0.0
            for _ in 0..<50 {
                now += 700
                guard case .watch(_, let t, _)? = m.step(.watchEnded, now: now).first else { return [] }
                out.append(t)
            }
            return out
        }
        let a = timeouts(seed: 3)
        #expect(a.count == 50)
        #expect(a.allSatisfy { (300...600).contains($0) })
        #expect(Set(a).count > 30)
        #expect(a == timeouts(seed: 3))
        #expect(a != timeouts(seed: 4))
    }

    @Test func relistRequestedFromAnyStateListsAgain() {
        var m = Self.watching(at: "10")
        _ = m.step(.failed, now: 0)
        let a = m.step(.relistRequested, now: 0.1)
        #expect(a.count == 1 && Self.isList(a[0], continue: nil))
        // Late events from a watch already abandoned change nothing.
        #expect(m.step(.watched(.added(Item(name: "z", rv: "99")), resourceVersion: "99"), now: 0.2).isEmpty)
        #expect(m.step(.watchEnded, now: 0.3).isEmpty)
        #expect(m.state == .listing(continue: nil))
    }
}
