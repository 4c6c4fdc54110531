import VigilHTTP
import VigilJSON

/// How a replica reports to the HA receiver: `POST /work` when a reconcile
/// begins and ends, `POST /effect` for each effect (carrying the effect key,
/// as a webhook carries `webhook-id`). Reports that fail are retried a few
/// times; an effect whose POST fails throws (the ledger records `Failed` and
/// retries it).
public struct ReceiverClient: Sendable {
    public let url: String
    let http: HTTPClient

    public init(url: String) throws {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        http = try HTTPClient()
    }

    public func work(_ phase: String, namespace: String, replica: String, epoch: Int) async {
        let body: JSON = ["phase": .string(phase), "namespace": .string(namespace), "replica": .string(replica), "epoch": .int(Int64(epoch))]
        for _ in 0..<3 {
            if (try? await post("/work", body)) == true { return }
        }
    }

    public func effect(key: String, namespace: String, index: Int, replica: String) async throws {
        let body: JSON = ["key": .string(key), "namespace": .string(namespace), "index": .int(Int64(index)), "replica": .string(replica)]
        guard try await post("/effect", body) else { throw ReceiverError(message: "POST \(url)/effect was refused") }
    }

    func post(_ path: String, _ body: JSON) async throws -> Bool {
        let response = try await http.execute(
            HTTPRequest(method: "POST", url: url + path, headers: [("Content-Type", "application/json")], body: body.serialized(), timeout: .seconds(5)))
        return (200..<300).contains(response.status)
    }
}

/// The receiver could not be reached or refused a report.
public struct ReceiverError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
