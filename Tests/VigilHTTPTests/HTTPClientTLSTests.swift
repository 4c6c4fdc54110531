import Foundation
import Testing
import VigilHTTP

/// TLS against nginx (HTTP/2, client certificates required) proxying to kube-sim.
@Suite("HTTPClient TLS against nginx")
struct HTTPClientTLSTests {
    @Test func mutualTLSFromFilesUsesMultiplexedHTTP2() async throws {
        let tls = try await TLSFixture.start()
        defer { tls.stop() }
        let client = try HTTPClient(configuration: .init(tls: TLSConfiguration(
            caFile: tls.path("ca.crt"), clientCertificateFile: tls.path("client.crt"), clientKeyFile: tls.path("client.key"))))
        defer { client.shutdown() }

        let r = try await client.execute(HTTPRequest(url: tls.url + "/version"))
        #expect(r.status == 200)
        #expect(r.httpVersion == "2")
        #expect(r.text.contains("gitVersion"))

        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<40 { group.addTask { try await client.execute(HTTPRequest(url: tls.url + "/api/v1/namespaces")).status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 40))
        #expect(client.statistics.connectionsOpened == 1, "HTTP/2 multiplexes every request over one connection")
    }

    @Test func inlinePEMCredentials() async throws {
        let tls = try await TLSFixture.start()
        defer { tls.stop() }
        let client = try HTTPClient(configuration: .init(tls: TLSConfiguration(
            caPEM: try tls.bytes("ca.crt"), clientCertificatePEM: try tls.bytes("client.crt"), clientKeyPEM: try tls.bytes("client.key"))))
        defer { client.shutdown() }
        let r = try await client.execute(HTTPRequest(url: tls.url + "/version"))
        #expect(r.status == 200)
        #expect(r.httpVersion == "2")
    }

    @Test func missingOrForeignClientCertificateIsRefused() async throws {
        let tls = try await TLSFixture.start()
        defer { tls.stop() }
        let anonymous = try HTTPClient(configuration: .init(tls: TLSConfiguration(caFile: tls.path("ca.crt"))))
        defer { anonymous.shutdown() }
        let r = try await anonymous.execute(HTTPRequest(url: tls.url + "/version"))
        #expect(r.status == 400)
        #expect(r.text.contains("No required SSL certificate was sent"))

        let rogue = try HTTPClient(configuration: .init(tls: TLSConfiguration(
            caFile: tls.path("ca.crt"), clientCertificateFile: tls.path("rogue-client.crt"), clientKeyFile: tls.path("rogue-client.key"))))
        defer { rogue.shutdown() }
        let outcome = await result { () async throws(HTTPClientError) in try await rogue.execute(HTTPRequest(url: tls.url + "/version")) }
        switch outcome {
        case .success(let response):
            #expect(response.status == 400)
            #expect(response.text.contains("SSL certificate error"), "\(response.text)")
        case .failure(let error):
            #expect(error.kind == .tls, "\(error)")
        }
    }

    @Test func unknownCAFailsVerificationWithReason() async throws {
        let tls = try await TLSFixture.start()
        defer { tls.stop() }
        let client = try HTTPClient(configuration: .init(tls: TLSConfiguration(
            caFile: tls.path("other-ca.crt"), clientCertificateFile: tls.path("client.crt"), clientKeyFile: tls.path("client.key"))))
        defer { client.shutdown() }
        let error = await capture { () async throws(HTTPClientError) in try await client.execute(HTTPRequest(url: tls.url + "/version")) }
        #expect(error?.kind == .tlsVerify)
        #expect(error?.message.contains("unable to get local issuer certificate") == true, "\(String(describing: error))")
    }

    @Test func insecureSkipVerifyIsHonouredOnlyWhenSet() async throws {
        let tls = try await TLSFixture.start()
        defer { tls.stop() }
        let identity = (tls.path("client.crt"), tls.path("client.key"))
        let insecure = try HTTPClient(configuration: .init(tls: TLSConfiguration(
            caFile: tls.path("other-ca.crt"), clientCertificateFile: identity.0, clientKeyFile: identity.1, insecureSkipVerify: true)))
        defer { insecure.shutdown() }
        let r = try await insecure.execute(HTTPRequest(url: tls.url + "/version"))
        #expect(r.status == 200)

        // The default trusts the system store only, which does not know the test CA.
        let strict = try HTTPClient(configuration: .init(tls: TLSConfiguration(clientCertificateFile: identity.0, clientKeyFile: identity.1)))
        defer { strict.shutdown() }
        let error = await capture { () async throws(HTTPClientError) in try await strict.execute(HTTPRequest(url: tls.url + "/version")) }
        #expect(error?.kind == .tlsVerify)
    }

    @Test func serverNameOverrideIsUsedForVerification() async throws {
        let tls = try await TLSFixture.start()
        defer { tls.stop() }
        func client(serverName: String) throws -> HTTPClient {
            try HTTPClient(configuration: .init(tls: TLSConfiguration(
                caFile: tls.path("ca.crt"), clientCertificateFile: tls.path("client.crt"), clientKeyFile: tls.path("client.key"),
                serverName: serverName)))
        }
        let right = try client(serverName: TLSFixture.serverDNSName)
        defer { right.shutdown() }
        let r = try await right.execute(HTTPRequest(url: tls.url + "/version"))
        #expect(r.status == 200)

        let wrong = try client(serverName: "not-in-the-certificate.example")
        defer { wrong.shutdown() }
        let error = await capture { () async throws(HTTPClientError) in try await wrong.execute(HTTPRequest(url: tls.url + "/version")) }
        #expect(error?.kind == .tlsVerify)
        #expect(error?.message.contains("not-in-the-certificate.example") == true, "\(String(describing: error))")
    }

    @Test func streamingOverHTTP2WithBackPressure() async throws {
        let tls = try await TLSFixture.start()
        defer { tls.stop() }
        let client = try HTTPClient(configuration: .init(
            tls: TLSConfiguration(caFile: tls.path("ca.crt"), clientCertificateFile: tls.path("client.crt"), clientKeyFile: tls.path("client.key")),
            streamBufferLimit: 16 * 1024))
        defer { client.shutdown() }
        let count = 300
        for i in 0..<count {
            let body = #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"h2-\#(i)","labels":{"filler":"\#(String(repeating: "y", count: 60))"}}}"#
            let r = try await client.execute(HTTPRequest(method: "POST", url: tls.url + "/api/v1/namespaces", headers: [("Content-Type", "application/json")], body: Array(body.utf8)))
            try #require(r.status == 201)
        }
        let watch = try await client.stream(HTTPRequest(url: tls.url + "/api/v1/namespaces?watch=1&resourceVersion=0&timeoutSeconds=30"), idleTimeout: .seconds(5))
        #expect(watch.httpVersion == "2")
        try await Task.sleep(for: .milliseconds(200))
        var splitter = LineSplitter()
        var seen = Set<String>()
        for try await chunk in watch.body {
            for line in splitter.feed(chunk) { if let n = eventObjectName(line), n.hasPrefix("h2-") { seen.insert(n) } }
            if seen.count == count { break }
            try await Task.sleep(for: .microseconds(200))
        }
        #expect(seen.count == count)
        #expect(client.statistics.streamPauses > 0)
        // The connection stays usable for other streams after the paused one.
        let r = try await client.execute(HTTPRequest(url: tls.url + "/version"))
        #expect(r.status == 200)
    }
}
