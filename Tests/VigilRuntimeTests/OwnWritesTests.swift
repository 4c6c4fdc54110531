import Testing

@testable import VigilRuntime

@Suite struct OwnWritesTests {
    let key = ObjectKey(namespace: "team", name: "p")

    @Test func aCacheOlderThanTheLastOwnWriteIsBehindUntilItCatchesUp() {
        let w = OwnWrites()
        #expect(!w.isBehind(key, cached: "5"), "no write recorded: never behind")
        w.wrote(key, resourceVersion: "12")
        #expect(w.isBehind(key, cached: "11"))
        #expect(w.isBehind(key, cached: "11"), "still behind: the record stays")
        #expect(!w.isBehind(key, cached: "12"))
        #expect(w.count == 0, "caught up: the record is dropped")
        #expect(!w.isBehind(key, cached: "11"), "an older copy after catching up is not held back")
    }

    @Test func aNewerCopyFromSomeoneElseAlsoCountsAsCaughtUp() {
        let w = OwnWrites()
        w.wrote(key, resourceVersion: "12")
        #expect(!w.isBehind(key, cached: "40"))
        #expect(w.count == 0)
    }

    @Test func onlyTheNewestWriteCountsAndKeysAreSeparate() {
        let w = OwnWrites()
        let other = ObjectKey(namespace: "team", name: "q")
        w.wrote(key, resourceVersion: "20")
        w.wrote(key, resourceVersion: "15")  // an older response arriving late does not lower the mark
        w.wrote(other, resourceVersion: "3")
        #expect(w.isBehind(key, cached: "19"))
        #expect(!w.isBehind(other, cached: "3"))
        w.forget(key)
        #expect(!w.isBehind(key, cached: "1"))
    }

    @Test func resourceVersionsThatAreNotIntegersAreNeverCompared() {
        let w = OwnWrites()
        w.wrote(key, resourceVersion: "abc")
        #expect(w.count == 0)
        w.wrote(key, resourceVersion: "7")
        #expect(!w.isBehind(key, cached: "opaque-token"), "cannot compare: do not hold the reconcile back")
        #expect(!w.isBehind(key, cached: nil))
        #expect(w.count == 0)
    }
}
