import Testing
import VigilJSON
import VigilRuntime

/// The effect ledger's keys, decisions and list transitions, without I/O.
@Suite struct EffectLedgerTests {
    let uid = "6f1c2a4e-0b8d-4f37-9e21-3c5a7d9b1e20"
    let trigger = "alert:a1b2c3d4e5f60718@2026-11-22T11:05:29Z"
    let t0 = RFC3339Time(secondsSinceEpoch: 1_795_000_000)

    func at(_ seconds: Double) -> RFC3339Time { RFC3339Time(secondsSinceEpoch: t0.secondsSinceEpoch + seconds) }

    // MARK: Keys

    @Test func keyIsAPinnedFunctionOfItsInputs() {
        // Golden values computed independently (Python hashlib over the documented
        // encoding): the same inputs give the same key in every process and version.
        let key = EffectKey(resourceUID: uid, trigger: trigger, actionIndex: 0)
        #expect(key.rawValue == "f74fa1bad33a46da7e2bc151a7a80ef3")
        #expect(EffectKey(resourceUID: "", trigger: "", actionIndex: -1).rawValue == "b08a577bc11b3b6c7b06b38f31e54ab1")
        #expect(Hex.encode(EffectKey.canonicalEncoding(resourceUID: "u", trigger: "t", actionIndex: 1))
            == "766967696c2e6465762f6566666563742d6b65792f7631000000000000000001750000000000000001740000000000000001")
        #expect(key == EffectKey(resourceUID: uid, trigger: trigger, actionIndex: 0))
        #expect(key.rawValue.count == 32)
        #expect(key.rawValue.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
    }

    @Test func everyInputChangesTheKey() {
        let base = EffectKey(resourceUID: uid, trigger: trigger, actionIndex: 0)
        #expect(EffectKey(resourceUID: uid + "x", trigger: trigger, actionIndex: 0) != base)
        #expect(EffectKey(resourceUID: uid, trigger: trigger + "x", actionIndex: 0) != base)
        #expect(EffectKey(resourceUID: uid, trigger: trigger, actionIndex: 1) != base)
        // Moving bytes across the field boundary changes the key (length prefixes).
        #expect(EffectKey(resourceUID: "ab", trigger: "c", actionIndex: 0) != EffectKey(resourceUID: "a", trigger: "bc", actionIndex: 0))
        var seen = Set<EffectKey>()
        for i in 0..<1000 { seen.insert(EffectKey(resourceUID: uid, trigger: trigger, actionIndex: i)) }
        #expect(seen.count == 1000)
    }

    // MARK: Entries as JSON

    @Test func entryRoundTripsThroughJSON() throws {
        let key = EffectKey(resourceUID: uid, trigger: trigger, actionIndex: 2)
        let entry = EffectEntry(key: key, action: "webhook:ops", phase: .failed, attempts: 3, owner: "vigil-0", lastError: "503 from receiver",
            nextRetryAt: at(40), startedAt: at(0), finishedAt: at(1.5))
        let text = entry.json.serializedString
        #expect(text.contains("\"phase\":\"Failed\""))
        #expect(text.contains("\"nextRetryAt\":\"2026-"))
        #expect(try EffectEntry(json: try JSON.parse(text)) == entry)
        let minimal = EffectEntry(key: key, action: "a", phase: .pending, attempts: 1, startedAt: at(0))
        #expect(!minimal.json.serializedString.contains("finishedAt"))
        #expect(try EffectEntry(json: minimal.json) == minimal)
    }

    @Test func badEntriesNameTheField() throws {
        let noPhase: JSON = ["key": "k", "startedAt": "2026-11-22T11:05:29Z"]
        #expect(throws: EffectLedgerError.invalidEntry(index: 3, field: "phase", detail: "a string is required")) {
            try EffectEntry(json: noPhase, index: 3)
        }
        let status: JSON = ["effects": ["key": "k"]]
        #expect(throws: EffectLedgerError.notAList(found: "object")) { try EffectLedger.entries(fromStatus: status) }
        let badPhase: JSON = ["effects": [["key": "k", "phase": "Done", "startedAt": "2026-11-22T11:05:29Z"]]]
        do {
            _ = try EffectLedger.entries(fromStatus: badPhase)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "status.effects[0].phase: 'Done' is not one of Pending, Succeeded, Failed")
        }
        #expect(try EffectLedger.entries(fromStatus: nil).isEmpty)
        #expect(try EffectLedger.entries(fromStatus: ["conditions": []]).isEmpty)
    }

    // MARK: Decisions

    @Test func decidesFromEachState() {
        let ledger = EffectLedger(policy: .init(pendingTimeout: 60))
        let key = EffectKey(resourceUID: uid, trigger: trigger, actionIndex: 0)
        func entry(_ phase: EffectEntry.Phase, owner: String = "a", next: RFC3339Time? = nil) -> EffectEntry {
            EffectEntry(key: key, action: "x", phase: phase, attempts: 1, owner: owner, nextRetryAt: next, startedAt: at(0))
        }
        let other = EffectEntry(key: EffectKey(rawValue: "other"), action: "y", phase: .succeeded, attempts: 1, startedAt: at(0))
        #expect(ledger.decide([], key: key, owner: "a", now: at(0)) == .start)
        #expect(ledger.decide([other], key: key, owner: "a", now: at(0)) == .start)

        let done = entry(.succeeded)
        #expect(ledger.decide([done, other], key: key, owner: "b", now: at(1000)) == .alreadyDone(done))

        // Pending of a live other owner: wait until it would count as abandoned.
        let pending = entry(.pending, owner: "a")
        #expect(ledger.decide([pending], key: key, owner: "b", now: at(20)) == .inProgress(pending, retryAfter: 40))
        #expect(ledger.decide([pending], key: key, owner: "b", now: at(60)) == .resumePending(pending))
        // Own pending entry: left over from before a restart; resume at once.
        #expect(ledger.decide([pending], key: key, owner: "a", now: at(1)) == .resumePending(pending))

        let failed = entry(.failed, next: at(30))
        #expect(ledger.decide([failed], key: key, owner: "a", now: at(10)) == .retryAfter(20, failed))
        #expect(ledger.decide([failed], key: key, owner: "a", now: at(30)) == .start)
        let gaveUp = entry(.failed, next: nil)
        #expect(ledger.decide([gaveUp], key: key, owner: "a", now: at(10)) == .exhausted(gaveUp))
    }

    // MARK: Transitions

    @Test func pendingThenResultCountsAttemptsAndBacksOff() {
        let ledger = EffectLedger(policy: .init(baseRetryDelay: 5, maxRetryDelay: 30, maxAttempts: 4))
        let key = EffectKey(resourceUID: uid, trigger: trigger, actionIndex: 0)
        var list = ledger.recordPending([], key: key, action: "webhook", owner: "a", now: at(0))
        #expect(list == [EffectEntry(key: key, action: "webhook", phase: .pending, attempts: 1, owner: "a", startedAt: at(0))])

        var delays: [Double?] = []
        var now = 0.0
        for _ in 0..<4 {
            list = ledger.recordResult(list, key: key, action: "webhook", owner: "a", result: .failed("boom"), now: at(now))
            let e = list.last!
            #expect(e.phase == .failed && e.lastError == "boom" && e.finishedAt == at(now))
            delays.append(e.nextRetryAt.map { $0.secondsSinceEpoch - at(now).secondsSinceEpoch })
            now += 100
            if e.nextRetryAt != nil { list = ledger.recordPending(list, key: key, action: "webhook", owner: "b", now: at(now)) }
        }
        // 5, 10, 20 seconds, then no retry after the fourth (last allowed) attempt.
        #expect(delays == [5, 10, 20, nil])
        #expect(list.count == 1 && list[0].attempts == 4)
        #expect(ledger.decide(list, key: key, owner: "a", now: at(10_000)) == .exhausted(list[0]))
        #expect(EffectLedger.Policy(baseRetryDelay: 5, maxRetryDelay: 30).retryDelay(afterAttempts: 10) == 30)
        #expect(EffectLedger.Policy(baseRetryDelay: 5, maxRetryDelay: 30).retryDelay(afterAttempts: 1000) == 30)

        // Succeeding clears the retry and keeps the error history.
        list = ledger.recordPending([], key: key, action: "webhook", owner: "a", now: at(0))
        list = ledger.recordResult(list, key: key, action: "webhook", owner: "a", result: .succeeded, now: at(2))
        #expect(list[0].phase == .succeeded && list[0].nextRetryAt == nil && list[0].finishedAt == at(2))
    }

    @Test func resumingKeepsTheKeyAndTakesOwnership() {
        let ledger = EffectLedger()
        let key = EffectKey(resourceUID: uid, trigger: trigger, actionIndex: 0)
        let other = EffectEntry(key: EffectKey(rawValue: "zz"), action: "y", phase: .succeeded, attempts: 1, startedAt: at(0))
        var list = ledger.recordPending([other], key: key, action: "w", owner: "dead", now: at(0))
        list = ledger.recordPending(list, key: key, action: "w", owner: "alive", now: at(500))
        #expect(list.count == 2)
        #expect(list.last == EffectEntry(key: key, action: "w", phase: .pending, attempts: 2, owner: "alive", startedAt: at(500)))
    }

    @Test func boundedListKeepsNewestAndNeverDropsPending() {
        let ledger = EffectLedger(policy: .init(maxEntries: 5))
        var list: [EffectEntry] = []
        // Two effects left Pending early on, then many that finish.
        for i in 0..<2 { list = ledger.recordPending(list, key: EffectKey(rawValue: "p\(i)"), action: "a", owner: "o", now: at(Double(i))) }
        for i in 0..<20 {
            let k = EffectKey(rawValue: "s\(i)")
            list = ledger.recordPending(list, key: k, action: "a", owner: "o", now: at(Double(10 + i)))
            list = ledger.recordResult(list, key: k, action: "a", owner: "o", result: .succeeded, now: at(Double(10 + i)))
        }
        #expect(list.count == 5)
        #expect(list.map(\.key.rawValue) == ["p0", "p1", "s17", "s18", "s19"])

        // More Pending entries than the bound: all kept, nothing finished left.
        var crowd = list
        for i in 0..<7 { crowd = ledger.recordPending(crowd, key: EffectKey(rawValue: "q\(i)"), action: "a", owner: "o", now: at(100)) }
        #expect(crowd.count == 9 && crowd.allSatisfy { $0.phase == .pending })
        #expect(EffectLedger(policy: .init(maxEntries: 100)).bounded(list) == list)
    }

    @Test func theOldestPendingEntryAcrossLedgersGivesTheAge() throws {
        let ledger = EffectLedger()
        let done = ledger.recordResult(
            ledger.recordPending([], key: EffectKey(rawValue: "a"), action: "x", owner: "o", now: at(0)), key: EffectKey(rawValue: "a"), action: "x",
            owner: "o", result: .succeeded, now: at(1))
        let pendingLate = ledger.recordPending([], key: EffectKey(rawValue: "b"), action: "x", owner: "o", now: at(50))
        let pendingEarly = ledger.recordPending(done, key: EffectKey(rawValue: "c"), action: "x", owner: "o", now: at(20))
        let status = { (entries: [EffectEntry]) -> JSON? in ["effects": EffectLedger.json(entries)] }
        #expect(EffectLedger.oldestPendingAge(statuses: [status(done), nil, ["effects": "not a list"]], now: at(100)) == 0)
        #expect(EffectLedger.oldestPendingAge(statuses: [status(pendingLate), status(pendingEarly), status(done)], now: at(100)) == 80)
    }
}
