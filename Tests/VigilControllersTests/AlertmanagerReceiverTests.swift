import Foundation
import Kube
import Logging
import Synchronization
import Testing
import VigilAPI
import VigilControllers
import VigilHTTP
import VigilJSON
import VigilRuntime

/// The receiver's decisions against kube-sim: 401/403/413/400, an alert recorded in the matching
/// CounterMeasure's status before 200, 503 (nothing recorded) while a namespace has no owner,
/// and a forwarded request never forwarded again.
@Suite(.serialized) struct AlertmanagerReceiverTests {
    final class Queued: Sendable {
        let keys = Mutex<[ObjectKey]>([])
    }

    static func payload(_ labels: [String: String], startsAt: String = "2026-12-07T04:00:00Z", version: String = "4") -> [UInt8] {
        let alert: JSON = ["status": "firing", "labels": .object(JSONObject(labels.map { ($0.key, JSON.string($0.value)) })), "startsAt": .string(startsAt)]
        let body: JSON = ["version": .string(version), "groupKey": "g", "status": "firing", "receiver": "vigil", "alerts": [alert]]
        return body.serialized()
    }

    func receiver(_ w: ActionEngineTests.World, _ store: ObjectStore<CounterMeasureObject>, token: String?, route: @escaping @Sendable (String) -> AlertmanagerReceiver.Route, queued: Queued) throws -> AlertmanagerReceiver {
        var file: String?
        if let token {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("am-token-\(UUID().uuidString)").path
            try (token + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            file = path
        }
        return AlertmanagerReceiver(
            client: w.client, store: store, tokenFile: file, maxBodyBytes: 4096, identity: "r-1", http: w.http, route: route,
            enqueue: { k in queued.keys.withLock { $0.append(k) } }, logger: Logger(label: "test"))
    }

    func storeWithRunbook(_ w: ActionEngineTests.World, trigger: String) async throws -> ObjectStore<CounterMeasureObject> {
        let doc = try ActionEngineTests.World.yaml("apiVersion: vigil.dev/v1alpha1\nkind: CounterMeasure\nmetadata: {name: runbook, namespace: shop}\nspec:\n  trigger: \(trigger)\n  actions: [{deleteNamespace: {}}]")
        _ = try await w.client.send(.patch(CounterMeasureObject.descriptor, namespace: "shop", name: "runbook", type: .apply(fieldManager: "test", force: true), body: doc.serialized()))
        let store = ObjectStore<CounterMeasureObject>(metadata: { $0.metadata })
        let body = try await w.client.send(.get(CounterMeasureObject.descriptor, namespace: "shop", name: "runbook")).body
        _ = store.replace(with: [try CounterMeasureObject(tree: try JSON.parse(body))])
        return store
    }

    func pushed(_ w: ActionEngineTests.World) async throws -> JSONObject {
        let body = try await w.client.send(.get(CounterMeasureObject.descriptor, namespace: "shop", name: "runbook")).body
        return try JSON.parse(body)[path: ["status", "pushed"]]?.objectValue ?? JSONObject()
    }

    @Test func authSizeAndPayloadAreCheckedFirst() async throws {
        let w = try await ActionEngineTests.World.start()
        defer { w.stop() }
        let store = try await storeWithRunbook(w, trigger: "{alert: {name: HighCPU}}")
        let q = Queued()
        let off = try receiver(w, store, token: nil, route: { _ in .local }, queued: q)
        #expect(await off.receive(body: Self.payload(["alertname": "HighCPU"]), authorization: "Bearer x", forwardedBy: nil).status == 403)
        let r = try receiver(w, store, token: "s3cret", route: { _ in .local }, queued: q)
        let body = Self.payload(["alertname": "HighCPU", "namespace": "shop"])
        #expect(await r.receive(body: body, authorization: nil, forwardedBy: nil).status == 401)
        #expect(await r.receive(body: body, authorization: "Bearer s3cre", forwardedBy: nil).status == 401)
        #expect(await r.receive(body: body, tooLarge: true, authorization: "Bearer s3cret", forwardedBy: nil).status == 413)
        let bad = await r.receive(body: Self.payload(["alertname": "HighCPU"], version: "2"), authorization: "Bearer s3cret", forwardedBy: nil)
        #expect(bad.status == 400 && bad.body.hasPrefix("version: "))
        #expect(try await pushed(w).isEmpty && q.keys.withLock { $0 }.isEmpty)
    }

    @Test func anOwnedAlertIsRecordedBeforeTheAnswerAndAnUnownedOneGets503() async throws {
        let w = try await ActionEngineTests.World.start()
        defer { w.stop() }
        let store = try await storeWithRunbook(w, trigger: "{alert: {name: HighCPU, matchers: ['severity=\"page\"']}}")
        let q = Queued()
        let routes = Mutex<AlertmanagerReceiver.Route>(.unavailable("no committed owner for it (a hand-off is in progress)"))
        let r = try receiver(w, store, token: "s3cret", route: { _ in routes.withLock { $0 } }, queued: q)
        let page = Self.payload(["alertname": "HighCPU", "namespace": "shop", "pod": "a", "severity": "page"])
        let during = await r.receive(body: page, authorization: "Bearer s3cret", forwardedBy: nil)
        #expect(during.status == 503 && during.body.contains("hand-off"))
        #expect(try await pushed(w).isEmpty)
        routes.withLock { $0 = .local }
        let ok = await r.receive(body: page, authorization: "Bearer s3cret", forwardedBy: nil)
        #expect(ok.status == 200 && ok.body.hasPrefix("recorded 1"), "\(ok)")
        let entries = try await pushed(w)
        #expect(entries.count == 1 && entries.keys.first?.hasSuffix("/2026-12-07T04:00:00Z") == true)
        #expect(q.keys.withLock { $0 } == [ObjectKey(namespace: "shop", name: "runbook")])
        // The matchers decide: a severity the trigger does not take is not recorded (and still answered 200).
        let info = await r.receive(body: Self.payload(["alertname": "HighCPU", "namespace": "shop", "pod": "b", "severity": "info"]), authorization: "Bearer s3cret", forwardedBy: nil)
        #expect(info.status == 200 && info.body.hasPrefix("recorded 0"))
        #expect(try await pushed(w).count == 1)
        // Owned elsewhere, but this request was forwarded already: never forwarded twice.
        routes.withLock { $0 = .remote(member: "r-2", address: "127.0.0.1:1") }
        let twice = await r.receive(body: page, authorization: "Bearer s3cret", forwardedBy: "r-3")
        #expect(twice.status == 503 && twice.body.contains("forwarded here by r-3"))
        // Owned elsewhere and unreachable: 503 naming the owner.
        let unreachable = await r.receive(body: page, authorization: "Bearer s3cret", forwardedBy: nil)
        #expect(unreachable.status == 503 && unreachable.body.contains("to r-2 at 127.0.0.1:1"))
    }
}
